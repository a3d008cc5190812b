// gust's soft-float helpers (firmware/softfloat), compiled for the host,
// against exact rational arithmetic class by class, and against the host's
// own IEEE arithmetic on random bit patterns. GUST_SOFTFLOAT_SCALE=N runs N
// times the cases (the default is sized for the ctest suite).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <map>

#include "classes.h"

extern "C" {
#include "softfloat.h"
}

namespace {

using sfref::Op;

int scale() {
  const char* s = std::getenv("GUST_SOFTFLOAT_SCALE");
  return s && std::atoi(s) > 0 ? std::atoi(s) : 1;
}

const std::vector<Op>& all_ops() {
  static const std::vector<Op> v = sfref::ops();
  return v;
}

class Exact : public ::testing::TestWithParam<size_t> {};

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
  return buf;
}

TEST_P(Exact, ClassByClass) {
  const Op& op = all_ops()[GetParam()];
  // About 24000 cases an operation (arithmetic) or 6000 (conversions and comparisons), at least 150 a class.
  const bool arith = op.symbol.find("add") != std::string::npos || op.symbol.find("sub") != std::string::npos ||
                     op.symbol.find("mul") != std::string::npos || op.symbol.find("div") != std::string::npos ||
                     op.symbol.find("sqrt") != std::string::npos;
  const int per_class = std::max(150, (arith ? 24000 : 6000) / op.classes) * scale();
  sfref::Gen g(0x5eed0000 + GetParam());
  int counts[sfref::kCaseCount] = {};
  unsigned all = 0;
  int failures = 0;
  long total = 0;
  for (int k = 0; k < op.classes; ++k) {
    for (int i = 0; i < per_class; ++i) {
      const sfref::Operands o = op.make(g, k);
      const uint64_t r = op.host(o.a, o.b);
      unsigned cases = 0;
      const std::string want = op.check(o, r, &cases);
      ++total;
      all |= cases;
      for (int c = 0; c < sfref::kCaseCount; ++c)
        if (cases & (1u << c)) ++counts[c];
      if (!want.empty() && ++failures <= 10)
        ADD_FAILURE() << op.symbol << " (" << op.class_name(k) << "): " << hex(o.a)
                      << (op.args == 2 ? ", " + hex(o.b) : "") << " gave " << hex(r) << ", expected " << want;
    }
  }
  EXPECT_EQ(failures, 0) << "of " << total << " cases";
  std::string seen;
  for (int c = 0; c < sfref::kCaseCount; ++c) {
    if (counts[c]) seen += std::string(" ") + sfref::case_name(c) + "=" + std::to_string(counts[c]);
    if ((op.required & (1u << c)) && !(all & (1u << c)))
      ADD_FAILURE() << op.symbol << ": no case reached " << sfref::case_name(c);
  }
  std::printf("%s: %ld cases in %d classes:%s\n", op.symbol.c_str(), total, op.classes, seen.c_str());
}

INSTANTIATE_TEST_SUITE_P(SoftFloat, Exact, ::testing::Range(size_t(0), all_ops().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) { return all_ops()[i.param].symbol; });

// The host's SSE arithmetic rounds to nearest even as well: a second,
// independent oracle over fully random bit patterns (NaN results need only
// be NaNs here; the exact test checks wasm's NaN rules).
TEST(SoftFloatHost, MatchesTheHostFpuOnRandomBits) {
  const long n = 400000L * scale();
  std::mt19937_64 rng(42);
  auto d = [](uint64_t x) { return std::bit_cast<double>(x); };
  auto f = [](uint64_t x) { return std::bit_cast<float>(uint32_t(x)); };
  auto db = [](double x) { return std::bit_cast<uint64_t>(x); };
  auto fb = [](float x) { return uint64_t(std::bit_cast<uint32_t>(x)); };
  struct Check {
    const char* name;
    std::function<uint64_t(uint64_t, uint64_t)> gust, fpu;
    bool f64;      // 64-bit operands
    bool r64 = f64;  // a 64-bit result
  };
  const std::vector<Check> checks = {
      {"dadd", [](uint64_t a, uint64_t b) { return __aeabi_dadd(a, b); }, [&](uint64_t a, uint64_t b) { return db(d(a) + d(b)); }, true},
      {"dsub", [](uint64_t a, uint64_t b) { return __aeabi_dsub(a, b); }, [&](uint64_t a, uint64_t b) { return db(d(a) - d(b)); }, true},
      {"dmul", [](uint64_t a, uint64_t b) { return __aeabi_dmul(a, b); }, [&](uint64_t a, uint64_t b) { return db(d(a) * d(b)); }, true},
      {"ddiv", [](uint64_t a, uint64_t b) { return __aeabi_ddiv(a, b); }, [&](uint64_t a, uint64_t b) { return db(d(a) / d(b)); }, true},
      {"sqrt", [](uint64_t a, uint64_t) { return sqrt_bits(a); }, [&](uint64_t a, uint64_t) { return db(std::sqrt(d(a))); }, true},
      {"d2f", [](uint64_t a, uint64_t) { return uint64_t(__aeabi_d2f(a)); }, [&](uint64_t a, uint64_t) { return fb(float(d(a))); }, true, false},
      {"l2d", [](uint64_t a, uint64_t) { return __aeabi_l2d(int64_t(a)); }, [&](uint64_t a, uint64_t) { return db(double(int64_t(a))); }, true},
      {"ul2d", [](uint64_t a, uint64_t) { return __aeabi_ul2d(a); }, [&](uint64_t a, uint64_t) { return db(double(a)); }, true},
      {"l2f", [](uint64_t a, uint64_t) { return uint64_t(__aeabi_l2f(int64_t(a))); }, [&](uint64_t a, uint64_t) { return fb(float(int64_t(a))); }, true, false},
      {"ul2f", [](uint64_t a, uint64_t) { return uint64_t(__aeabi_ul2f(a)); }, [&](uint64_t a, uint64_t) { return fb(float(a)); }, true, false},
      {"fadd", [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fadd(uint32_t(a), uint32_t(b))); }, [&](uint64_t a, uint64_t b) { return fb(f(a) + f(b)); }, false},
      {"fsub", [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fsub(uint32_t(a), uint32_t(b))); }, [&](uint64_t a, uint64_t b) { return fb(f(a) - f(b)); }, false},
      {"fmul", [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fmul(uint32_t(a), uint32_t(b))); }, [&](uint64_t a, uint64_t b) { return fb(f(a) * f(b)); }, false},
      {"fdiv", [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fdiv(uint32_t(a), uint32_t(b))); }, [&](uint64_t a, uint64_t b) { return fb(f(a) / f(b)); }, false},
      {"sqrtf", [](uint64_t a, uint64_t) { return uint64_t(sqrtf_bits(uint32_t(a))); }, [&](uint64_t a, uint64_t) { return fb(std::sqrt(f(a))); }, false},
      {"f2d", [](uint64_t a, uint64_t) { return __aeabi_f2d(uint32_t(a)); }, [&](uint64_t a, uint64_t) { return db(double(f(a))); }, false, true},
      {"i2f", [](uint64_t a, uint64_t) { return uint64_t(__aeabi_i2f(int32_t(a))); }, [&](uint64_t a, uint64_t) { return fb(float(int32_t(a))); }, false},
      {"ui2f", [](uint64_t a, uint64_t) { return uint64_t(__aeabi_ui2f(uint32_t(a))); }, [&](uint64_t a, uint64_t) { return fb(float(uint32_t(a))); }, false},
  };
  for (const auto& c : checks) {
    int bad = 0;
    const bool result64 = c.r64;
    for (long i = 0; i < n; ++i) {
      const uint64_t a = rng(), b = rng();
      const uint64_t x = c.f64 ? a : a & 0xffffffffu, y = c.f64 ? b : b & 0xffffffffu;
      const uint64_t got = c.gust(x, y), want = c.fpu(x, y);
      const bool nan_got = result64 ? std::isnan(d(got)) : std::isnan(f(got));
      const bool nan_want = result64 ? std::isnan(d(want)) : std::isnan(f(want));
      if (nan_got && nan_want) continue;
      if (got != want && ++bad <= 5)
        ADD_FAILURE() << c.name << "(" << hex(x) << ", " << hex(y) << ") = " << hex(got) << ", the FPU gives " << hex(want);
    }
    EXPECT_EQ(bad, 0) << c.name << " over " << n << " random operands";
  }
}

}  // namespace
