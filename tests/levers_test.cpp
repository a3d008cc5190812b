// The dissolver's levers on C compiled the way real libraries are (caller
// pointers, const tables, memcpy): read-only data in flash, bounds-check
// widening and hoisting, memory.copy, and the build-time diagnostics. Each
// is run on the emulated Cortex-M3 against the same module with the lever
// off, or against a model of wasm's semantics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "base/tools.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "gust/trap.h"
#include "prove/model.h"
#include "prove/prove.h"
#include "prove_support.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

// C to a wasm module the way wasm-ld leaves it: the name section kept (it
// names the data segments .rodata and .data), the stack first; or `low`, as
// gust build links a driver with read-only data (compose::wasm_link_flags):
// the data from address 8, the stack above it.
wasm::Module compile_c(const std::string& tag, const std::string& source, const std::string& stack = "1024",
                       bool low = false) {
  const fs::path dir = scratch("levers-" + tag);
  const fs::path c = dir / "m.c", o = dir / "m.o", w = dir / "m.wasm";
  std::ofstream(c) << source;
  auto cc = base::run_tool({"clang-19", "--target=wasm32", "-mcpu=mvp", "-msign-ext", "-mbulk-memory", "-Oz",
                            "-ffreestanding", "-nostdlib", "-c", c.string(), "-o", o.string()});
  EXPECT_EQ(cc.status, 0) << cc.output;
  auto ld = base::run_tool({"wasm-ld-19", "--no-entry", low ? "--global-base=8" : "--stack-first", "-z",
                            "stack-size=" + stack, "--initial-memory=65536", o.string(), "-o", w.string()});
  EXPECT_EQ(ld.status, 0) << ld.output;
  auto m = wasm::decode(read_file(w));
  EXPECT_TRUE(m) << m.error().str();
  EXPECT_TRUE(m && wasm::validate(*m));
  return std::move(*m);
}

fs::path write_object(const dissolve::Output& out, const std::string& tag) {
  const fs::path p = scratch("levers-obj-" + tag) / "m.o";
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(out.object.data()), std::streamsize(out.object.size()));
  return p;
}

// .data + .bss of an object: what its region takes of SRAM.
uint64_t sram_bytes(const fs::path& obj) {
  auto r = base::run_tool({"arm-none-eabi-size", "-A", obj.string()});
  uint64_t n = 0;
  std::istringstream in(r.output);
  std::string name;
  uint64_t size = 0, addr = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    if (ls >> name >> size >> addr && (name.rfind(".data", 0) == 0 || name.rfind(".bss", 0) == 0)) n += size;
  }
  return n;
}

std::unique_ptr<emu::CortexM> load(const dissolve::Output& out, const std::string& tag) {
  auto cpu = emu::CortexM::load({write_object(out, tag)}, scratch("levers-emu-" + tag));
  EXPECT_TRUE(cpu) << cpu.error().str();
  return cpu ? std::move(*cpu) : nullptr;
}

dissolve::Options levers(bool on) {
  dissolve::Options o;
  o.read_only_flash = on;
  o.widen_checks = on;
  o.hoist_checks = on;
  return o;
}

const char* kCrc = R"(
typedef unsigned int u32; typedef unsigned char u8;
static const u32 table[256] = {
#define X(n) (0xedb88320u * (n) ^ ((n) << 7)),
#define X4(n) X(n) X(n+1) X(n+2) X(n+3)
#define X16(n) X4(n) X4(n+4) X4(n+8) X4(n+12)
#define X64(n) X16(n) X16(n+16) X16(n+32) X16(n+48)
X64(0) X64(64) X64(128) X64(192)
};
static u32 calls = 3;
static u8 buf[256];
__attribute__((export_name("crc"))) u32 crc(const u8* p, u32 n) {
  u32 c = ~0u;
  for (u32 i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  calls++;
  return ~c;
}
__attribute__((export_name("fill"))) u32 fill(u32 seed, u32 n) {
  for (u32 i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; buf[i] = (u8)(seed >> 16); }
  return crc(buf, n) + calls;
}
__attribute__((export_name("buf_at"))) u32 buf_at(void) { return (u32)buf; }
__attribute__((export_name("table_at"))) u32 table_at(void) { return (u32)table; }
__attribute__((export_name("peek8"))) u32 peek8(u32 a) { return *(volatile u8*)a; }
__attribute__((export_name("peek16"))) u32 peek16(u32 a) { return *(volatile unsigned short*)a; }
__attribute__((export_name("peek32"))) u32 peek32(u32 a) { return *(volatile u32*)a; }
__attribute__((export_name("peek64"))) u32 peek64(u32 a) {
  unsigned long long v = *(volatile unsigned long long*)a; return (u32)v ^ (u32)(v >> 32) * 3; }
__attribute__((export_name("poke8"))) void poke8(u32 a, u32 v) { *(volatile u8*)a = (u8)v; }
__attribute__((export_name("poke32"))) void poke32(u32 a, u32 v) { *(volatile u32*)a = v; }
__attribute__((export_name("copy"))) void copy(u32 d, u32 s, u32 n) { __builtin_memmove((void*)d, (void*)s, n); }
)";

// The module's initial memory, as wasm instantiation writes it.
std::vector<uint8_t> initial_memory(const wasm::Module& m) {
  std::vector<uint8_t> mem(65536, 0);
  for (const auto& d : m.datas) std::copy(d.bytes.begin(), d.bytes.end(), mem.begin() + uint32_t(d.offset.value));
  return mem;
}

TEST(ReadOnlyFlash, TheSegmentNamesSayWhichDataIsReadOnly) {
  wasm::Module m = compile_c("names", kCrc);
  const auto names = dissolve::data_segment_names(m);
  ASSERT_FALSE(names.empty());
  EXPECT_NE(std::find(names.begin(), names.end(), ".rodata"), names.end());
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  EXPECT_EQ(ro.end - ro.begin, 1024u);  // the table, nothing else
  dissolve::Options off;
  off.read_only_flash = false;
  EXPECT_TRUE(dissolve::read_only_data(m, off).empty());
}

TEST(ReadOnlyFlash, TheTableLeavesSramAndResultsAreUnchanged) {
  wasm::Module m = compile_c("crc", kCrc);
  auto on = dissolve::dissolve(m, levers(true));
  auto off = dissolve::dissolve(m, levers(false));
  ASSERT_TRUE(on && off);
  const uint64_t sram_on = sram_bytes(write_object(*on, "crc-on"));
  const uint64_t sram_off = sram_bytes(write_object(*off, "crc-off"));
  // The table leaves SRAM but for the copies of its first and last 7 bytes.
  EXPECT_EQ(sram_off - sram_on, 1024u - 14) << "the 1 KiB table still takes SRAM";
  auto a = load(*on, "crc-on"), b = load(*off, "crc-off");
  ASSERT_TRUE(a && b);
  for (uint32_t seed = 1; seed < 40; ++seed) {
    const uint32_t n = (seed * 37) % 257;
    auto ra = a->call("fill", {seed, n}), rb = b->call("fill", {seed, n});
    ASSERT_TRUE(ra.ok && rb.ok) << ra.fault << rb.fault;
    EXPECT_EQ(ra.r0, rb.r0) << "seed " << seed;
  }
}

TEST(ReadOnlyFlash, EveryLoadAtTheEdgesReadsTheWasmBytes) {
  wasm::Module m = compile_c("edges", kCrc);
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_FALSE(ro.empty());
  auto out = dissolve::dissolve(m, {});
  ASSERT_TRUE(out);
  auto cpu = load(*out, "edges");
  ASSERT_TRUE(cpu);
  const std::vector<uint8_t> mem = initial_memory(m);
  auto word = [&](uint32_t a, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t(mem[a + i]) << (8 * i);
    return v;
  };
  for (uint64_t edge : {ro.begin, ro.end}) {
    for (uint32_t a = uint32_t(edge) - 12; a < edge + 12; ++a) {
      EXPECT_EQ(cpu->call("peek8", {a}).r0, word(a, 1)) << a;
      EXPECT_EQ(cpu->call("peek16", {a}).r0, word(a, 2)) << a;
      EXPECT_EQ(cpu->call("peek32", {a}).r0, word(a, 4)) << a;
      const uint64_t v = word(a, 8);
      EXPECT_EQ(cpu->call("peek64", {a}).r0, uint32_t(v) ^ uint32_t(v >> 32) * 3) << a;
    }
  }
}

TEST(ReadOnlyFlash, AStoreToReadOnlyDataTrapsAndOthersDoNot) {
  wasm::Module m = compile_c("store", kCrc);
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_FALSE(ro.empty());
  auto out = dissolve::dissolve(m, {});
  auto off = dissolve::dissolve(m, levers(false));
  ASSERT_TRUE(out && off);
  auto cpu = load(*out, "store"), plain = load(*off, "store-off");
  ASSERT_TRUE(cpu && plain);
  const uint32_t a = uint32_t(ro.begin), b = uint32_t(ro.end);
  for (uint32_t at : {a, a + 5, b - 1, a - 3, b - 4}) {  // inside, or straddling an edge
    auto r = cpu->call("poke32", {at, 0xdeadbeef});
    EXPECT_TRUE(r.trapped) << at;
    EXPECT_EQ(r.trap_code, uint32_t(GUST_TRAP_MEMORY_OOB)) << at;
    EXPECT_TRUE(plain->call("poke32", {at, 1}).ok) << "in SRAM the same store is legal: " << at;
  }
  for (uint32_t at : {a - 4, b, b + 3, 16u}) {
    auto r = cpu->call("poke32", {at, 0x01020304u + at});
    ASSERT_TRUE(r.ok) << at << " " << r.fault;
    EXPECT_EQ(cpu->call("peek32", {at}).r0, 0x01020304u + at) << at;
  }
  EXPECT_TRUE(cpu->call("poke8", {a - 1, 7}).ok);
  EXPECT_EQ(cpu->call("peek8", {a - 1}).r0, 7u);
  EXPECT_TRUE(cpu->call("peek32", {b - 2}).ok);
}

// memory.copy from any place to any writable one: below the hull, across
// it, over either edge, within the writable parts, overlapping, against
// wasm's memmove on a model of the memory.
TEST(ReadOnlyFlash, MemoryCopyFromEveryPlaceMatchesTheModel) {
  wasm::Module m = compile_c("copy", kCrc);
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_FALSE(ro.empty());
  auto out = dissolve::dissolve(m, {});
  ASSERT_TRUE(out);
  auto cpu = load(*out, "copy");
  ASSERT_TRUE(cpu);
  std::vector<uint8_t> model = initial_memory(m);
  const uint32_t a = uint32_t(ro.begin), b = uint32_t(ro.end);
  std::mt19937 rng(7);
  // The writable places: below the hull (the stack) and above it.
  auto writable = [&](uint32_t d, uint32_t n) { return n == 0 || d + n <= a || d >= b; };
  int copies = 0, traps = 0;
  for (int i = 0; i < 400; ++i) {
    const uint32_t s = rng() % (b + 600);
    const uint32_t n = rng() % 3 ? rng() % 64 : rng() % 1400;
    const uint32_t d = rng() % 2 ? rng() % (a + 1) : b + rng() % 500;
    if (s + n > 65536 || d + n > 65536) continue;
    auto r = cpu->call("copy", {d, s, n});
    if (!writable(d, n)) {
      EXPECT_TRUE(r.trapped) << d << " " << s << " " << n;
      ++traps;
      continue;
    }
    ASSERT_TRUE(r.ok) << d << " " << s << " " << n << " " << r.fault;
    std::memmove(model.data() + d, model.data() + s, n);
    ++copies;
  }
  EXPECT_GT(copies, 100);
  EXPECT_GT(traps, 10);
  for (uint32_t at = 0; at < b + 1200; at += 1) ASSERT_EQ(cpu->call("peek8", {at}).r0, model[at]) << at;
}

// The low layout: with the stack above the data (gust build's link of a
// driver with read-only data), the hull grows down to 0, every byte of it
// leaves SRAM (no low copy; the high copy of its last 7 bytes stays), and a
// load picks flash or SRAM with one compare.
TEST(ReadOnlyLow, TheHullStartsAtZeroAndOnlyTheHighCopyStaysInSram) {
  wasm::Module m = compile_c("low", kCrc, "1024", true);
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_FALSE(ro.empty());
  EXPECT_EQ(ro.begin, 0u);
  EXPECT_GE(ro.end, 8u + 1024u) << "the table, from the global base";
  EXPECT_LE(ro.end, 8u + 1024u + 8u);
  auto on = dissolve::dissolve(m, levers(true));
  auto off = dissolve::dissolve(m, levers(false));
  ASSERT_TRUE(on && off);
  const uint64_t sram_on = sram_bytes(write_object(*on, "low-on"));
  const uint64_t sram_off = sram_bytes(write_object(*off, "low-off"));
  EXPECT_EQ(sram_off - sram_on, ro.end - 7) << "[0, B) leaves SRAM but the 7-byte copy of its end";
  auto a = load(*on, "low-on"), b = load(*off, "low-off");
  ASSERT_TRUE(a && b);
  for (uint32_t seed = 1; seed < 40; ++seed) {
    const uint32_t n = (seed * 37) % 257;
    auto ra = a->call("fill", {seed, n}), rb = b->call("fill", {seed, n});
    ASSERT_TRUE(ra.ok && rb.ok) << ra.fault << rb.fault;
    EXPECT_EQ(ra.r0, rb.r0) << "seed " << seed;
  }
}

// The same library linked both ways: the low layout's loads cost less than
// the three places of the stack-first one (instruction counts on the
// emulated core are deterministic).
TEST(ReadOnlyLow, ALoadCostsLessThanWithTheHullInTheMiddle) {
  wasm::Module low = compile_c("low-cost", kCrc, "1024", true);
  wasm::Module mid = compile_c("mid-cost", kCrc, "1024", false);
  ASSERT_EQ(dissolve::read_only_data(low, {}).begin, 0u);
  ASSERT_GT(dissolve::read_only_data(mid, {}).begin, 0u);
  auto lo = dissolve::dissolve(low, {}), mi = dissolve::dissolve(mid, {});
  ASSERT_TRUE(lo && mi);
  auto a = load(*lo, "low-cost"), b = load(*mi, "mid-cost");
  ASSERT_TRUE(a && b);
  a->count_instructions(true);
  b->count_instructions(true);
  auto ra = a->call("fill", {5, 256}), rb = b->call("fill", {5, 256});
  ASSERT_TRUE(ra.ok && rb.ok);
  EXPECT_EQ(ra.r0, rb.r0);
  EXPECT_LT(ra.instructions + 256, rb.instructions) << "at least one instruction less per table load";
}

TEST(ReadOnlyLow, EveryLoadAtTheEdgesReadsTheWasmBytes) {
  wasm::Module m = compile_c("low-edges", kCrc, "1024", true);
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_EQ(ro.begin, 0u);
  auto out = dissolve::dissolve(m, {});
  ASSERT_TRUE(out);
  auto cpu = load(*out, "low-edges");
  ASSERT_TRUE(cpu);
  const std::vector<uint8_t> mem = initial_memory(m);
  auto word = [&](uint32_t a, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t(mem[a + i]) << (8 * i);
    return v;
  };
  std::vector<uint32_t> at;
  for (uint32_t a = 0; a < 24; ++a) at.push_back(a);  // the zeros under the table, and its start
  for (uint32_t a = uint32_t(ro.end) - 12; a < ro.end + 12; ++a) at.push_back(a);
  for (uint32_t a : at) {
    EXPECT_EQ(cpu->call("peek8", {a}).r0, word(a, 1)) << a;
    EXPECT_EQ(cpu->call("peek16", {a}).r0, word(a, 2)) << a;
    EXPECT_EQ(cpu->call("peek32", {a}).r0, word(a, 4)) << a;
    const uint64_t v = word(a, 8);
    EXPECT_EQ(cpu->call("peek64", {a}).r0, uint32_t(v) ^ uint32_t(v >> 32) * 3) << a;
  }
}

// A store anywhere below B traps (the table, the zeros under it: C's null
// pointer), one over B's edge too; the data and the stack above take stores.
TEST(ReadOnlyLow, AStoreBelowTheHullsEndTrapsAndOthersDoNot) {
  wasm::Module m = compile_c("low-store", kCrc, "1024", true);
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_EQ(ro.begin, 0u);
  auto out = dissolve::dissolve(m, {});
  ASSERT_TRUE(out);
  auto cpu = load(*out, "low-store");
  ASSERT_TRUE(cpu);
  const uint32_t b = uint32_t(ro.end);
  for (uint32_t at : {0u, 4u, 8u, 100u, b - 1, b - 4}) {
    auto r = cpu->call("poke32", {at, 0xdeadbeef});
    EXPECT_TRUE(r.trapped) << at;
    EXPECT_EQ(r.trap_code, uint32_t(GUST_TRAP_MEMORY_OOB)) << at;
    EXPECT_TRUE(cpu->call("poke8", {at, 1}).trapped) << at;
  }
  for (uint32_t at : {b, b + 3, b + 700, 65532u}) {
    auto r = cpu->call("poke32", {at, 0x01020304u + at});
    ASSERT_TRUE(r.ok) << at << " " << r.fault;
    EXPECT_EQ(cpu->call("peek32", {at}).r0, 0x01020304u + at) << at;
  }
  EXPECT_TRUE(cpu->call("poke32", {65533u, 1}).trapped) << "past the region's end";
}

TEST(ReadOnlyLow, MemoryCopyFromEveryPlaceMatchesTheModel) {
  wasm::Module m = compile_c("low-copy", kCrc, "1024", true);
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_EQ(ro.begin, 0u);
  auto out = dissolve::dissolve(m, {});
  ASSERT_TRUE(out);
  auto cpu = load(*out, "low-copy");
  ASSERT_TRUE(cpu);
  std::vector<uint8_t> model = initial_memory(m);
  const uint32_t b = uint32_t(ro.end);
  std::mt19937 rng(11);
  int copies = 0, traps = 0, spanning = 0;
  for (int i = 0; i < 400; ++i) {
    const uint32_t s = rng() % (b + 600);
    const uint32_t n = rng() % 3 ? rng() % 64 : rng() % 1400;
    const uint32_t d = rng() % 4 ? b + rng() % 500 : rng() % b;
    if (s + n > 65536 || d + n > 65536) continue;
    auto r = cpu->call("copy", {d, s, n});
    if (n && d < b) {
      EXPECT_TRUE(r.trapped) << d << " " << s << " " << n;
      ++traps;
      continue;
    }
    ASSERT_TRUE(r.ok) << d << " " << s << " " << n << " " << r.fault;
    std::memmove(model.data() + d, model.data() + s, n);
    ++copies;
    spanning += s < b && s + n > b;
  }
  EXPECT_GT(copies, 100);
  EXPECT_GT(traps, 10);
  EXPECT_GT(spanning, 10) << "copies from flash over B into SRAM";
  for (uint32_t at = 0; at < b + 1200; at += 1) ASSERT_EQ(cpu->call("peek8", {at}).r0, model[at]) << at;
}

// The layout needs nothing writable under the hull: a stack pointer that
// starts there (the stack first) keeps the three places.
TEST(ReadOnlyLow, AStackUnderTheHullKeepsItsPlace) {
  wasm::Module m = compile_c("low-sp", kCrc, "1024", true);
  ASSERT_EQ(dissolve::read_only_data(m, {}).begin, 0u);
  for (auto& g : m.globals)
    if (g.type.mutable_) {
      g.init.value = 4;  // __stack_pointer, as if the stack were below the table
      break;
    }
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_FALSE(ro.empty());
  EXPECT_GT(ro.begin, 0u);
}

// The place choice as two predicated loads (predload.cpp), against the
// select of a base before one load it replaces (--no-predicated-loads).
dissolve::Options predicated(bool on, uint64_t rule = 512) {
  dissolve::Options o;
  o.predicated_loads = on;
  o.read_only_min = o.read_only_low_min = rule;
  return o;
}

// .text of an object: its code, in bytes.
uint64_t text_bytes(const fs::path& obj) {
  auto r = base::run_tool({"arm-none-eabi-size", "-A", obj.string()});
  uint64_t n = 0;
  std::istringstream in(r.output);
  std::string line, name;
  uint64_t size = 0, addr = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    if (ls >> name >> size >> addr && name.rfind(".text", 0) == 0) n += size;
  }
  return n;
}

// The CRC's loop over a caller buffer: each byte's load picks its place.
// In the low layout (flash or SRAM, one compare) the predicated loads take
// at least one instruction off each of the 256 bytes, and the code shrinks.
// With the stack first the choice is among three places, which keeps the
// select: no dearer.
TEST(PredicatedLoads, TheCrcsByteLoadCostsAnInstructionLessInTheLowLayout) {
  for (bool low : {true, false}) {
    SCOPED_TRACE(low ? "low layout" : "stack first");
    wasm::Module m = compile_c(low ? "pl-low" : "pl-mid", kCrc, "1024", low);
    ASSERT_EQ(dissolve::read_only_data(m, {}).begin == 0, low);
    auto on = dissolve::dissolve(m, predicated(true)), off = dissolve::dissolve(m, predicated(false));
    ASSERT_TRUE(on && off);
    const std::string tag = low ? "pl-low" : "pl-mid";
    const uint64_t text_on = text_bytes(write_object(*on, tag + "-on"));
    const uint64_t text_off = text_bytes(write_object(*off, tag + "-off"));
    if (low)
      EXPECT_LT(text_on, text_off) << "predicated loads are shorter than a select of the base";
    else
      EXPECT_LE(text_on, text_off);
    auto a = load(*on, tag + "-on"), b = load(*off, tag + "-off");
    ASSERT_TRUE(a && b);
    a->count_instructions(true);
    b->count_instructions(true);
    for (uint32_t seed : {5u, 9u}) {
      auto ra = a->call("fill", {seed, 256}), rb = b->call("fill", {seed, 256});
      ASSERT_TRUE(ra.ok && rb.ok) << ra.fault << rb.fault;
      EXPECT_EQ(ra.r0, rb.r0);
      if (low)
        EXPECT_LE(ra.instructions + 256, rb.instructions) << "one instruction less per byte loaded";
      else
        EXPECT_LE(ra.instructions, rb.instructions);
    }
  }
}

// A 64-byte table, which the cost rule keeps in SRAM unless it is lowered.
const char* kSmall = R"(
typedef unsigned int u32; typedef unsigned char u8;
static const u8 alpha[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static u8 out[256];
__attribute__((export_name("enc"))) u32 enc(const u8* p, u32 n) {
  u32 h = 0;
  for (u32 i = 0; i < n; i++) { out[i] = alpha[p[i] & 63]; h = h * 31 + out[i]; }
  return h;
}
__attribute__((export_name("out_at"))) u32 out_at(void) { return (u32)out; }
__attribute__((export_name("peek8"))) u32 peek8(u32 a) { return *(volatile u8*)a; }
__attribute__((export_name("peek16"))) u32 peek16(u32 a) { return *(volatile unsigned short*)a; }
__attribute__((export_name("peek32"))) u32 peek32(u32 a) { return *(volatile u32*)a; }
__attribute__((export_name("peek64"))) u32 peek64(u32 a) {
  unsigned long long v = *(volatile unsigned long long*)a; return (u32)v ^ (u32)(v >> 32) * 3; }
__attribute__((export_name("poke8"))) void poke8(u32 a, u32 v) { *(volatile u8*)a = (u8)v; }
__attribute__((export_name("poke32"))) void poke32(u32 a, u32 v) { *(volatile u32*)a = v; }
)";

// Semantics, with every table in flash (rule 0): each width's load at the
// first and last byte of the read-only data, at the first byte after it and
// around both edges reads the wasm bytes, the last bytes of the region too;
// one past the region's end traps; a store into the data still traps. Both
// layouts, both modules, the lever on and off.
TEST(PredicatedLoads, LoadsAtTheEdgesReadTheWasmBytesAndStoresToTheDataTrap) {
  for (const char* src : {kSmall, kCrc})
    for (bool low : {true, false})
      for (bool on : {true, false}) {
        const std::string tag = std::string("pl-edges-") + (src == kSmall ? "small" : "crc") + (low ? "-low" : "-mid") +
                                (on ? "-on" : "-off");
        SCOPED_TRACE(tag);
        wasm::Module m = compile_c(tag, src, "1024", low);
        const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, predicated(on, 0));
        ASSERT_FALSE(ro.empty());
        ASSERT_EQ(ro.begin == 0, low);
        auto out = dissolve::dissolve(m, predicated(on, 0));
        ASSERT_TRUE(out);
        auto cpu = load(*out, tag);
        ASSERT_TRUE(cpu);
        const std::vector<uint8_t> mem = initial_memory(m);
        auto word = [&](uint32_t a, unsigned n) {
          uint64_t v = 0;
          for (unsigned i = 0; i < n; ++i) v |= uint64_t(mem[a + i]) << (8 * i);
          return v;
        };
        std::vector<uint32_t> at = {0, 65536 - 8, 65536 - 4, 65536 - 2, 65536 - 1};
        for (uint64_t edge : {ro.begin, ro.end})
          for (uint32_t a = edge < 9 ? 0 : uint32_t(edge) - 9; a < edge + 9; ++a) at.push_back(a);
        for (uint32_t a : at) {
          const uint32_t room = 65536 - a;
          EXPECT_EQ(cpu->call("peek8", {a}).r0, word(a, 1)) << a;
          if (room >= 2) EXPECT_EQ(cpu->call("peek16", {a}).r0, word(a, 2)) << a;
          if (room >= 4) EXPECT_EQ(cpu->call("peek32", {a}).r0, word(a, 4)) << a;
          if (room >= 8) {
            const uint64_t v = word(a, 8);
            EXPECT_EQ(cpu->call("peek64", {a}).r0, uint32_t(v) ^ uint32_t(v >> 32) * 3) << a;
          }
        }
        for (const char* f : {"peek8", "peek16", "peek32", "peek64"})
          EXPECT_TRUE(cpu->call(f, {65536u}).trapped) << f << " past the region's end";
        EXPECT_TRUE(cpu->call("peek32", {65533u}).trapped) << "over the region's end";
        for (uint32_t a : {uint32_t(ro.begin), uint32_t(ro.end) - 1}) {
          auto r = cpu->call("poke8", {a, 0x5a});
          EXPECT_TRUE(r.trapped) << a;
          EXPECT_EQ(r.trap_code, uint32_t(GUST_TRAP_MEMORY_OOB)) << a;
          EXPECT_EQ(cpu->call("peek8", {a}).r0, word(a, 1)) << "the data is unchanged at " << a;
        }
        EXPECT_TRUE(cpu->call("poke32", {uint32_t(ro.end) - 2, 1}).trapped) << "a store over the data's end";
        auto r = cpu->call("poke8", {uint32_t(ro.end), 0x5a});
        ASSERT_TRUE(r.ok) << r.fault;
        EXPECT_EQ(cpu->call("peek8", {uint32_t(ro.end)}).r0, 0x5au) << "the first byte after the data is SRAM";
      }
}

// The small table's encoder, every table in flash, against the same module
// with its table in SRAM: the same outputs; and against the select of the
// base, at least one instruction less per input byte.
TEST(PredicatedLoads, ASmallTableInFlashGivesTheSameOutputs) {
  wasm::Module m = compile_c("pl-small", kSmall, "1024", true);
  auto flash = dissolve::dissolve(m, predicated(true, 0));
  auto select = dissolve::dissolve(m, predicated(false, 0));
  dissolve::Options sram_o;
  sram_o.read_only_flash = false;
  auto sram = dissolve::dissolve(m, sram_o);
  ASSERT_TRUE(flash && select && sram);
  auto a = load(*flash, "pl-small-flash"), b = load(*sram, "pl-small-sram"), c = load(*select, "pl-small-select");
  ASSERT_TRUE(a && b && c);
  a->count_instructions(true);
  c->count_instructions(true);
  const uint32_t buf = a->call("out_at", {}).r0;
  int64_t saved_at_0 = 0;  // what the call costs apart from its loop
  for (uint32_t n : {0u, 1u, 63u, 200u}) {
    auto ra = a->call("enc", {buf, n}), rb = b->call("enc", {buf, n}), rc = c->call("enc", {buf, n});
    ASSERT_TRUE(ra.ok && rb.ok && rc.ok) << ra.fault << rb.fault << rc.fault;
    EXPECT_EQ(ra.r0, rb.r0) << n;
    EXPECT_EQ(rc.r0, rb.r0) << n;
    const int64_t saved = int64_t(rc.instructions) - int64_t(ra.instructions);
    if (n == 0) saved_at_0 = saved;
    EXPECT_GE(saved - saved_at_0, int64_t(n)) << "at least one instruction less per byte, " << n << " bytes";
  }
  const uint32_t ro_end = uint32_t(dissolve::read_only_data(m, predicated(true, 0)).end);
  for (uint32_t p : {0u, 8u, ro_end - 40, ro_end - 1}) {  // the input in the read-only data itself
    auto ra = a->call("enc", {p, 40}), rb = b->call("enc", {p, 40});
    ASSERT_TRUE(ra.ok && rb.ok) << ra.fault << rb.fault;
    EXPECT_EQ(ra.r0, rb.r0) << p;
  }
}

// The widening rule's other side: a check does not move over an import
// call. Each function calls the import, then makes an access that is out of
// bounds; the call must happen before the trap, every time.
TEST(CheckMotion, AnOutOfBoundsAccessAfterAnImportCallTrapsAfterTheCall) {
  wasm::Module m = compile_c("import", R"(
typedef unsigned int u32;
__attribute__((import_module("env"), import_name("tick"))) void tick(u32);
__attribute__((export_name("line"))) u32 line(u32* p) {
  u32 a = p[0];
  tick(a);
  return a + p[1000000];
}
__attribute__((export_name("stores"))) void stores(u32* p) {
  p[0] = 1;
  tick(2);
  p[4] = 3;
  p[0x4000000] = 4;
}
__attribute__((export_name("loop"))) u32 loop(u32* p, u32 n) {
  u32 s = 0;
  for (u32 i = 0; i < n; i++) { tick(i); s += p[i]; }
  return s;
}
)");
  for (bool on : {true, false}) {
    auto out = dissolve::dissolve(m, levers(on));
    ASSERT_TRUE(out);
    auto cpu = load(*out, std::string("import-") + (on ? "on" : "off"));
    ASSERT_TRUE(cpu);
    std::vector<uint32_t> ticks;
    cpu->on_import(dissolve::import_symbol("env", "tick"), [&](emu::CortexM& c) { ticks.push_back(c.arg(0)); });
    auto r = cpu->call("line", {64});
    EXPECT_TRUE(r.trapped);
    EXPECT_EQ(ticks.size(), 1u) << "the call before the out-of-bounds load did not happen";
    ticks.clear();
    r = cpu->call("stores", {64});
    EXPECT_TRUE(r.trapped);
    ASSERT_EQ(ticks.size(), 1u);
    EXPECT_EQ(ticks[0], 2u);
    ticks.clear();
    // p[i] is out of bounds from i = 100 on: 101 calls, then the trap.
    r = cpu->call("loop", {65536 - 400, 1000});
    EXPECT_TRUE(r.trapped);
    EXPECT_EQ(ticks.size(), 101u) << (on ? "levers on" : "levers off");
  }
}

// Widening and hoisting keep every result and every trap of the checks they
// replace, and remove checks: fewer instructions per call.
TEST(CheckMotion, WideningAndHoistingKeepResultsAndTrapsAndCostLess) {
  wasm::Module m = compile_c("motion", R"(
typedef unsigned int u32;
struct s { u32 a, b, c, d; };
__attribute__((export_name("fields"))) u32 fields(struct s* p, u32 k) {
  p->a += k; p->b ^= p->a; p->c = p->b * 3; p->d = p->c + p->a;
  return p->d;
}
__attribute__((export_name("sum"))) u32 sum(const u32* p, u32 n) {
  u32 s = 0;
  for (u32 i = 0; i < n; i++) s += p[i] * (i | 1);
  return s;
}
__attribute__((export_name("scale"))) void scale(unsigned char* p, u32 n, u32 k) {
  for (u32 i = n; i-- > 0;) p[i] = (unsigned char)(p[i] * k);
}
)");
  auto on = dissolve::dissolve(m, levers(true));
  auto off = dissolve::dissolve(m, levers(false));
  ASSERT_TRUE(on && off);
  auto a = load(*on, "motion-on"), b = load(*off, "motion-off");
  ASSERT_TRUE(a && b);
  a->count_instructions(true);
  b->count_instructions(true);
  uint64_t ia = 0, ib = 0;
  struct Case {
    const char* fn;
    std::vector<uint32_t> args;
  };
  std::vector<Case> cases;
  for (uint32_t p : {2048u, 65536u - 16, 65536u - 12, 65536u - 4, 65536u, 0xfffffff0u})
    cases.push_back({"fields", {p, 5}});
  for (uint32_t n : {0u, 1u, 7u, 100u, 1000u}) {
    cases.push_back({"sum", {2048, n}});
    cases.push_back({"sum", {65536 - 4 * n, n}});
    cases.push_back({"sum", {65536 - 4 * n + 4, n}});
    cases.push_back({"scale", {4096, n, 3}});
    cases.push_back({"scale", {65536 - n + 1, n, 3}});
  }
  int reloads = 0;
  for (const auto& c : cases) {
    auto ra = a->call(c.fn, c.args), rb = b->call(c.fn, c.args);
    EXPECT_EQ(ra.ok, rb.ok) << c.fn << " " << c.args[0] << " " << c.args[1];
    EXPECT_EQ(ra.trapped, rb.trapped) << c.fn << " " << c.args[0] << " " << c.args[1];
    if (ra.ok && rb.ok && std::string(c.fn) != "scale") EXPECT_EQ(ra.r0, rb.r0) << c.fn;
    if (ra.ok) ia += ra.instructions, ib += rb.instructions;
    if (ra.trapped || rb.trapped) {
      // After a trap the instance is dead (the rule the levers rest on):
      // the next case starts on fresh ones.
      a = load(*on, "motion-on-" + std::to_string(++reloads));
      b = load(*off, "motion-off-" + std::to_string(reloads));
      ASSERT_TRUE(a && b);
      a->count_instructions(true);
      b->count_instructions(true);
    }
  }
  // The same memory afterwards: the levers moved no store.
  for (uint32_t at = 2048; at < 2048 + 64; at += 4) EXPECT_EQ(a->call("sum", {at, 1}).r0, b->call("sum", {at, 1}).r0);
  EXPECT_LT(ia, ib) << "the levers removed no executed check";
}

TEST(Diagnostics, AConstantAccessOutsideTheRegionIsReported) {
  wasm::Module m = compile_c("constant", R"(
__attribute__((export_name("f"))) unsigned f(void) { return ((volatile unsigned char*)0)[66000]; }
)");
  auto out = dissolve::dissolve(m, {});
  ASSERT_TRUE(out) << out.error().str();
  ASSERT_FALSE(out->warnings.empty());
  const std::string& w = out->warnings[0];
  EXPECT_NE(w.find("66000"), std::string::npos) << w;
  EXPECT_NE(w.find("65536-byte memory region"), std::string::npos) << w;
  EXPECT_NE(w.find("(f)"), std::string::npos) << w;  // the function, by its name
}

TEST(Diagnostics, TwoModulesDissolvedWithoutAPrefixLinkTogether) {
  wasm::Module m1 = compile_c("link1", kCrc);
  wasm::Module m2 = compile_c("link2", R"(
static unsigned counter;
__attribute__((export_name("bump"))) unsigned bump(unsigned k) { return counter += k; }
)");
  auto o1 = dissolve::dissolve(m1, {});
  auto o2 = dissolve::dissolve(m2, {});
  ASSERT_TRUE(o1 && o2);
  auto cpu = emu::CortexM::load({write_object(*o1, "link1"), write_object(*o2, "link2")}, scratch("levers-link"));
  ASSERT_TRUE(cpu) << cpu.error().str();
  EXPECT_EQ((*cpu)->call("bump", {5}).r0, 5u);
  EXPECT_EQ((*cpu)->call("bump", {6}).r0, 11u);
  EXPECT_TRUE((*cpu)->call("fill", {1, 16}).ok);
}

// The prover's memory model agrees with the dissolver's: a store into the
// read-only range traps in the proof as in the image, a load from it does not.
TEST(ReadOnlyFlash, TheProverTrapsAStoreToReadOnlyDataAsTheImageDoes) {
  wasm::Module m = compile_c("prove", R"(
typedef unsigned int u32;
__attribute__((import_module("gust:prove"), import_name("any-u32"))) u32 gust_any_u32(void);
__attribute__((import_module("gust:prove"), import_name("assert"))) void gust_assert(_Bool c, u32 id);
static const u32 table[128] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};  // 512 B: the lever's rule
__attribute__((noinline)) u32 get(u32 i) { return table[i & 15]; }
__attribute__((noinline)) void set(u32 i, u32 v) { ((volatile u32*)table)[i & 127] = v; }
__attribute__((export_name("gust_proof_read"))) void read(void) {
  u32 i = gust_any_u32();
  gust_assert(get(i) == (i & 15) + 1, 1);
}
__attribute__((export_name("gust_proof_write"))) void write(void) { set(gust_any_u32(), 0); }
)");
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, {});
  ASSERT_EQ(ro.end - ro.begin, 512u);
  auto im = prove::image_memory(m, std::nullopt, std::nullopt);
  ASSERT_TRUE(im);
  EXPECT_EQ(im->ro_begin, ro.begin);
  EXPECT_EQ(im->ro_end, ro.end);
  auto vs = prove::prove(m, nullptr, prove_options());
  ASSERT_EQ(vs.size(), 2u);
  for (const auto& v : vs) {
    if (v.harness == "gust_proof_read") EXPECT_EQ(v.status, prove::Verdict::Successful) << v.text();
    if (v.harness == "gust_proof_write") {
      EXPECT_EQ(v.status, prove::Verdict::Failed) << v.text();
      EXPECT_NE(v.text().find("read-only"), std::string::npos) << v.text();
    }
  }
}

}  // namespace
}  // namespace gust::test
