// gust's soft-float helpers as the image links them (the Cortex-M3 build of
// firmware/softfloat, on the emulated core), against the exact reference
// over a sample of every class; and the case of issue 10 that libgcc's
// __aeabi_dadd misrounds.
#include <gtest/gtest.h>

#include <set>

#include "base/objects.h"
#include "classes.h"
#include "emu/cortexm.h"

namespace {

namespace fs = std::filesystem;
using gust::emu::CortexM;

// An assembly fragment that references every helper, so that the link
// takes them from the archive first in line (gust's, or libgcc's).
std::string referencing(const std::vector<std::string>& symbols) {
  std::string s = ".section .rodata.gust_keep,\"a\"\n.p2align 2\n";
  for (const auto& sym : symbols) s += ".word " + sym + "\n";
  return s;
}

std::unique_ptr<CortexM> machine(const std::vector<std::string>& symbols, bool libgcc, const std::string& dir) {
  auto m = CortexM::create();
  if (!m) return nullptr;
  (*m)->use_libgcc_float(libgcc);
  const fs::path work = fs::temp_directory_path() / ("gust-softfloat-" + dir + "-" + std::to_string(getpid()));
  auto img = (*m)->add_image({}, work, referencing(symbols), {});
  if (!img) {
    ADD_FAILURE() << img.error().message;
    return nullptr;
  }
  return std::move(*m);
}

uint64_t call(CortexM& m, const sfref::Op& op, uint64_t a, uint64_t b, std::string* fault) {
  std::vector<uint32_t> words;
  auto push = [&](uint64_t v) {
    words.push_back(uint32_t(v));
    if (op.arg_bits == 64) words.push_back(uint32_t(v >> 32));
  };
  push(a);
  if (op.args == 2) push(b);
  auto c = m.call(op.symbol, words);
  if (!c.ok) *fault = c.fault.empty() ? "did not return" : c.fault;
  return op.result_bits == 64 ? uint64_t(c.r1) << 32 | c.r0 : c.r0;
}

// The issue's case: -2^63 + 1885324804, exponents 33 apart, opposite signs,
// and a one-bit left normalisation.
constexpr uint64_t kMinus2p63 = 0xc3e0000000000000ull;
constexpr uint64_t kB = 0x41dc17f181000000ull;  // 1885324804.0
constexpr uint64_t kRight = 0xc3dfffffffe3e80eull;

TEST(SoftFloatEmu, GustRoundsTheIssueCase) {
  auto m = machine({"__aeabi_dadd"}, false, "gust");
  ASSERT_TRUE(m);
  const sfref::Op op = sfref::ops()[5];  // __aeabi_dadd
  ASSERT_EQ(op.symbol, "__aeabi_dadd");
  std::string fault;
  EXPECT_EQ(call(*m, op, kMinus2p63, kB, &fault), kRight);
  EXPECT_EQ(fault, "");
  EXPECT_EQ(sfref::add(kMinus2p63, kB, sfref::kF64).bits, kRight);  // and the reference agrees
}

// The reason the helpers exist: libgcc's __aeabi_dadd gives ...80f. If a
// newer libgcc rounds it right, this fails, and the override can be weighed again.
TEST(SoftFloatEmu, LibgccMisroundsTheIssueCase) {
  auto m = machine({"__aeabi_dadd"}, true, "libgcc");
  ASSERT_TRUE(m);
  const sfref::Op op = sfref::ops()[5];
  std::string fault;
  EXPECT_EQ(call(*m, op, kMinus2p63, kB, &fault), kRight + 1);
  EXPECT_EQ(fault, "");
}

TEST(SoftFloatEmu, EveryClassSampledMatchesExactArithmetic) {
  const auto ops = sfref::ops();
  std::vector<std::string> symbols;
  for (const auto& op : ops) symbols.push_back(op.symbol);
  auto m = machine(symbols, false, "classes");
  ASSERT_TRUE(m);
  // Every helper must come from gust's archive: same size as nothing in libgcc would be is no proof, so
  // check that no symbol of libgcc's float objects came along.
  EXPECT_FALSE(m->has("__adddf3")) << "libgcc's double addition was linked";
  EXPECT_FALSE(m->has("__addsf3")) << "libgcc's float addition was linked";
  sfref::Gen g(7);
  long total = 0;
  int failures = 0;
  for (const auto& op : ops) {
    const int per_class = std::max(3, 600 / op.classes);
    for (int k = 0; k < op.classes; ++k)
      for (int i = 0; i < per_class; ++i) {
        const sfref::Operands o = op.make(g, k);
        std::string fault;
        const uint64_t r = call(*m, op, o.a, o.b, &fault);
        unsigned cases = 0;
        const std::string want = op.check(o, r, &cases);
        ++total;
        if ((!want.empty() || !fault.empty()) && ++failures <= 10)
          ADD_FAILURE() << op.symbol << " (" << op.class_name(k) << ") on the core: " << std::hex << o.a << ", " << o.b
                        << " gave " << r << ", expected " << want << " " << fault;
      }
  }
  EXPECT_EQ(failures, 0) << "of " << total;
  std::printf("%ld calls on the emulated core\n", total);
}

// The helpers are plain code that calls nothing: no other runtime helper
// (which could be libgcc's), no computed jumps for the stack oracle.
TEST(SoftFloatArm, HelpersCallNothing) {
  const fs::path dir = fs::path(GUST_SOFTFLOAT_LIB).parent_path();
  int objects = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".o") continue;
    ++objects;
    auto facts = gust::base::read_object(e.path());
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_TRUE(facts->undefined.empty()) << e.path() << " calls " << *facts->undefined.begin();
  }
  EXPECT_EQ(objects, 5);
}

}  // namespace
