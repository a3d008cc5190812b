// The C runtime's word-at-a-time scans (runtime/runtime.cpp: strlen, strcmp,
// memcmp, memchr), dissolved and run on the emulated Cortex-M3 against the
// host's C library: every alignment and length up to 40, every position of
// the byte that decides, bytes with the high bit set, and scans that end at
// the region's last byte (no word may cross it there, so none may trap).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

constexpr uint32_t kRegion = 4096;
constexpr uint32_t kArea = 2048;  // [kArea, kRegion): free for the tests' strings, above the module's data

// tests/runtime/strings.c, compiled as a driver is and decoded.
Result<wasm::Module> strings_module(const fs::path& dir) {
  auto c = compose::compile_driver(source_root() / "tests/runtime/strings.c", dir / "s.wasm", 0);
  if (!c) return c.error();
  return wasm::decode(read_file(dir / "s.wasm"));
}

class Runtime : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path dir = scratch("runtime-strings");
    auto m = strings_module(dir);
    ASSERT_TRUE(m) << m.error().str();
    dissolve::Options o;
    o.prefix = "s_";
    o.memory_bytes = kRegion;
    auto out = dissolve::dissolve(*m, o);
    ASSERT_TRUE(out) << out.error().str();
    std::ofstream(dir / "s.o", std::ios::binary)
        .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
    auto cpu = emu::CortexM::load({dir / "s.o"}, dir);
    ASSERT_TRUE(cpu) << cpu.error().str();
    cpu_ = std::move(*cpu).release();
    region_ = cpu_->address(dissolve::memory_symbol("s_"));
  }
  static void TearDownTestSuite() {
    delete cpu_;
    cpu_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cpu_, nullptr); }

  static void put(uint32_t at, const std::vector<uint8_t>& bytes) {
    ASSERT_TRUE(cpu_->write(region_ + at, bytes.data(), bytes.size()));
  }
  static emu::CortexM::Call call(const std::string& fn, const std::vector<uint32_t>& args) {
    auto r = cpu_->call("s_" + fn, args);
    EXPECT_TRUE(r.ok) << fn << ": " << r.fault << (r.trapped ? " (trapped)" : "");
    return r;
  }
  static int sign(int v) { return (v > 0) - (v < 0); }

  // Non-zero bytes, many with the high bit set.
  static std::vector<uint8_t> text(std::mt19937& rng, size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = uint8_t(1 + rng() % 255);
    return v;
  }

  static emu::CortexM* cpu_;
  static uint32_t region_;
};
emu::CortexM* Runtime::cpu_ = nullptr;
uint32_t Runtime::region_ = 0;

TEST_F(Runtime, StrlenAtEveryAlignmentAndLength) {
  std::mt19937 rng(1);
  for (uint32_t align = 0; align < 4; ++align)
    for (size_t n = 0; n <= 40; ++n) {
      std::vector<uint8_t> s = text(rng, n);
      s.push_back(0);
      s.push_back(uint8_t(rng()));  // what follows the terminator does not count
      put(kArea + align, s);
      EXPECT_EQ(call("t_strlen", {kArea + align}).r0, n) << "align " << align << " length " << n;
    }
}

TEST_F(Runtime, StrlenEndingAtTheRegionsLastByteDoesNotTrap) {
  std::mt19937 rng(2);
  for (size_t n = 0; n <= 12; ++n) {
    std::vector<uint8_t> s = text(rng, n);
    s.push_back(0);
    const uint32_t at = kRegion - uint32_t(s.size());
    put(at, s);
    EXPECT_EQ(call("t_strlen", {at}).r0, n) << "length " << n;
  }
}

TEST_F(Runtime, StrcmpDecidesAtEveryPositionAndAlignment) {
  std::mt19937 rng(3);
  for (uint32_t aa = 0; aa < 4; ++aa)
    for (uint32_t ba = 0; ba < 4; ++ba)
      for (size_t n = 0; n <= 20; ++n)
        for (size_t at = 0; at <= n; ++at) {
          std::vector<uint8_t> a = text(rng, n), b = a;
          a.push_back(0);
          b.push_back(0);
          if (at < n) b[at] = uint8_t(1 + rng() % 255);  // may differ, or shorten b (at == n: equal)
          if (at < n && rng() % 4 == 0) b[at] = 0;
          put(kArea + aa, a);
          put(kArea + 512 + ba, b);
          const int want = sign(std::strcmp(reinterpret_cast<const char*>(a.data()),
                                            reinterpret_cast<const char*>(b.data())));
          const int got = sign(int32_t(call("t_strcmp", {kArea + aa, kArea + 512 + ba}).r0));
          ASSERT_EQ(got, want) << "alignments " << aa << "/" << ba << " length " << n << " position " << at;
        }
}

TEST_F(Runtime, StrcmpOfStringsEndingAtTheRegionsEnd) {
  // Both at the same alignment (the word path), the second at the very end.
  for (size_t n = 0; n <= 8; ++n) {
    std::vector<uint8_t> s(n, 'x');
    s.push_back(0);
    const uint32_t b = kRegion - uint32_t(s.size());
    const uint32_t a = kArea + (b & 3);
    put(a, s);
    put(b, s);
    EXPECT_EQ(int32_t(call("t_strcmp", {a, b}).r0), 0) << n;
  }
}

TEST_F(Runtime, MemcmpDecidesAtEveryPositionWithUnsignedBytes) {
  std::mt19937 rng(4);
  for (uint32_t aa = 0; aa < 4; ++aa)
    for (uint32_t ba = 0; ba < 4; ++ba)
      for (size_t n = 0; n <= 24; ++n)
        for (size_t at = 0; at <= n; ++at) {
          std::vector<uint8_t> a(n), b;
          for (auto& x : a) x = uint8_t(rng());
          b = a;
          if (at < n) b[at] = uint8_t(rng());
          if (at + 1 < n) b[at + 1] = uint8_t(rng());  // a later difference must not decide
          put(kArea + aa, a);
          put(kArea + 512 + ba, b);
          const int want = sign(std::memcmp(a.data(), b.data(), n));
          const int got = sign(int32_t(call("t_memcmp", {kArea + aa, kArea + 512 + ba, uint32_t(n)}).r0));
          ASSERT_EQ(got, want) << "alignments " << aa << "/" << ba << " length " << n << " position " << at;
        }
  // The ranges' last bytes are the region's.
  std::vector<uint8_t> tail = {1, 2, 3, 4, 5, 6, 7};
  put(kRegion - 7, tail);
  put(kArea + 1, tail);
  EXPECT_EQ(int32_t(call("t_memcmp", {kArea + 1, kRegion - 7, 7}).r0), 0);
}

TEST_F(Runtime, MemchrFindsTheFirstAtEveryPosition) {
  std::mt19937 rng(5);
  for (uint32_t align = 0; align < 4; ++align)
    for (size_t n = 0; n <= 40; ++n)
      for (int hit = -1; hit < int(n); ++hit) {
        const uint8_t c = uint8_t(rng() % 2 ? 0xE9 : rng());
        std::vector<uint8_t> s(n);
        for (auto& x : s) x = uint8_t(rng());
        for (auto& x : s)
          if (x == c) x ^= 0x40;  // c nowhere but where it is put
        if (hit >= 0) s[size_t(hit)] = c;
        if (hit >= 0 && size_t(hit) + 2 < n) s[size_t(hit) + 2] = c;  // a second one after it
        put(kArea + align, s);
        // c as a negative int (0xE9 as -23) must match too: memchr compares unsigned chars.
        const uint32_t arg = c >= 0x80 ? uint32_t(int32_t(int8_t(c))) : uint32_t(c) | 0x100u;
        EXPECT_EQ(int32_t(call("t_memchr", {kArea + align, arg, uint32_t(n)}).r0), hit)
            << "align " << align << " length " << n << " byte " << int(c);
      }
}

TEST_F(Runtime, MemchrStopsAtTheByteEvenWhenTheCountRunsPastTheRegion) {
  // C lets the count exceed the object when the byte is found in it: the
  // scan must stop there, and no word read may leave the region.
  for (uint32_t back = 1; back <= 8; ++back) {
    const uint32_t at = kRegion - back;
    std::vector<uint8_t> s(back, 'a');
    s.back() = 'z';
    put(at, s);
    EXPECT_EQ(int32_t(call("t_memchr", {at, 'z', 64}).r0), int32_t(back - 1)) << back;
  }
  // Not found within the region: the scan reaches its end and traps.
  auto r = cpu_->call("s_t_memchr", {kRegion - 4, 'q', 64});
  EXPECT_TRUE(r.trapped);
  EXPECT_EQ(r.trap_code, 4u);
}

// The scans stay inside the region only when its size is a multiple of 4:
// the dissolver refuses any other size itself, whoever calls it, naming the
// size to use instead.
TEST(RuntimeRegion, DissolveRefusesARegionThatIsNotWholeWords) {
  auto m = strings_module(scratch("runtime-region"));
  ASSERT_TRUE(m) << m.error().str();
  dissolve::Options o;
  o.prefix = "s_";
  o.memory_bytes = kRegion + 2;
  auto out = dissolve::dissolve(*m, o);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("4098 is not a multiple of 4 bytes (try 4100)"), std::string::npos)
      << out.error().str();
  o.memory_bytes = kRegion + 4;
  EXPECT_TRUE(dissolve::dissolve(*m, o));
}

}  // namespace
}  // namespace gust::test
