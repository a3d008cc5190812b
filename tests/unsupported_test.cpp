// Valid WebAssembly of a proposal gust does not dissolve is refused as
// "unsupported: <feature>" at the byte where the feature first shows, not
// as malformed or invalid (issue 10 item 8). Each case is wasm text, turned
// into a binary by wat2wasm with the proposal enabled; the offset expected
// is found in that binary by the bytes the feature is spelled with.
#include <gtest/gtest.h>

#include <fstream>

#include "compose/compose.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

Bytes wat(const std::string& name, const std::string& text, const std::string& feature_flag) {
  const fs::path dir = scratch("unsupported-" + name);
  std::ofstream(dir / "m.wat") << text;
  auto r = compose::run_tool({"wat2wasm", feature_flag, (dir / "m.wat").string(), "-o", (dir / "m.wasm").string()});
  EXPECT_EQ(r.status, 0) << r.output;
  return read_file(dir / "m.wasm");
}

// The first offset at or after `from` where `needle` occurs in `b`.
size_t find(const Bytes& b, const Bytes& needle, size_t from = 8) {
  for (size_t i = from; i + needle.size() <= b.size(); ++i)
    if (std::equal(needle.begin(), needle.end(), b.begin() + long(i))) return i;
  ADD_FAILURE() << "bytes not found";
  return 0;
}

void expect_unsupported(const Bytes& b, const std::string& feature, size_t offset) {
  auto m = wasm::decode(b);
  if (m) {
    auto v = wasm::validate(*m);
    ASSERT_FALSE(v) << "accepted a module that uses " << feature;
    EXPECT_EQ(v.error().kind, Error::Kind::Unsupported) << v.error().str();
    return;
  }
  const Error& e = m.error();
  EXPECT_EQ(e.kind, Error::Kind::Unsupported) << e.str();
  EXPECT_EQ(e.message.rfind(feature + ":", 0), 0u) << e.str();
  EXPECT_NE(e.str().find("error: unsupported: "), std::string::npos) << e.str();
  ASSERT_TRUE(e.offset) << e.str();
  EXPECT_EQ(*e.offset, offset) << e.str();
}

TEST(Unsupported, ExceptionHandlingTagSection) {
  // The tag section (id 13) comes before any code.
  const Bytes b = wat("tag", "(module (tag $e (param i32)))", "--enable-exceptions");
  expect_unsupported(b, "exception handling", find(b, {0x0D}));
}

TEST(Unsupported, ExceptionHandlingTryOpcode) {
  // No tag: the function's try (0x06, block type 0x40) is the first sign.
  const Bytes b = wat("try", "(module (func (try (do nop) (catch_all))))", "--enable-exceptions");
  expect_unsupported(b, "exception handling", find(b, {0x06, 0x40}));
}

TEST(Unsupported, ExceptionHandlingTagImport) {
  const Bytes b = wat("tagimport", "(module (import \"m\" \"e\" (tag)))", "--enable-exceptions");
  // Import entry: names "m" and "e", then kind 4 (a tag).
  expect_unsupported(b, "exception handling", find(b, {0x01, 'e', 0x04}) + 2);
}

TEST(Unsupported, MultiMemorySecondMemory) {
  const Bytes b = wat("twomem", "(module (memory 1) (memory 2))", "--enable-multi-memory");
  // Memory section: count 2, then (flags 0, min 1) and the second at (0, 2).
  expect_unsupported(b, "multi-memory", find(b, {0x02, 0x00, 0x01, 0x00, 0x02}) + 3);
}

TEST(Unsupported, MultiMemoryImportedAndDefined) {
  const Bytes b = wat("impmem", "(module (import \"m\" \"mem\" (memory 1)) (memory 1))", "--enable-multi-memory");
  expect_unsupported(b, "multi-memory", find(b, {0x05, 0x03, 0x01}) + 3);
}

TEST(Unsupported, MultiMemoryIndexInAMemarg) {
  // A load from memory 1 of a module that declares one memory is invalid
  // under multi-memory too, but its memarg (flags 0x42: align 2 and bit 6, a
  // memory index) is what gust does not read: unsupported, at the memarg.
  Bytes body = {0x00, 0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1A, 0x0B};  // i32.const 0; i32.load mem 1; drop
  Bytes m = cat({header(), section(1, {0x01, 0x60, 0x00, 0x00}), section(3, {0x01, 0x00}),
                 section(5, {0x01, 0x00, 0x01}), section(10, cat({{0x01, uint8_t(body.size())}, body}))});
  expect_unsupported(m, "multi-memory", find(m, {0x28, 0x42}) + 1);
}

TEST(Unsupported, MultiMemoryIndexInMemorySize) {
  // memory.size 1: the reserved byte is a memory index under multi-memory.
  Bytes body = {0x00, 0x3F, 0x01, 0x1A, 0x0B};
  Bytes m = cat({header(), section(1, {0x01, 0x60, 0x00, 0x00}), section(3, {0x01, 0x00}),
                 section(5, {0x01, 0x00, 0x01}), section(10, cat({{0x01, uint8_t(body.size())}, body}))});
  expect_unsupported(m, "multi-memory", find(m, {0x3F, 0x01}) + 1);
}

TEST(Unsupported, AZeroSpelledInTwoBytesIsStillMalformed) {
  // The MVP binary tests' case: memory.size with 0x80 0x00, "zero byte expected".
  Bytes body = {0x00, 0x3F, 0x80, 0x00, 0x1A, 0x0B};
  Bytes m = cat({header(), section(1, {0x01, 0x60, 0x00, 0x00}), section(3, {0x01, 0x00}),
                 section(5, {0x01, 0x00, 0x01}), section(10, cat({{0x01, uint8_t(body.size())}, body}))});
  auto r = wasm::decode(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Error::Kind::Malformed) << r.error().str();
  EXPECT_NE(r.error().message.find("zero byte expected"), std::string::npos) << r.error().str();
}

TEST(Unsupported, MultiMemoryDataSegment) {
  const Bytes b =
      wat("data1", "(module (memory 1) (memory $b 1) (data (memory $b) (i32.const 0) \"x\"))", "--enable-multi-memory");
  // The second memory comes first.
  expect_unsupported(b, "multi-memory", find(b, {0x02, 0x00, 0x01, 0x00, 0x01}) + 3);
}

TEST(Unsupported, MultiMemoryDataSegmentOfOneMemory) {
  // One memory, and an active segment (flags 2) naming memory 1.
  Bytes m =
      cat({header(), section(5, {0x01, 0x00, 0x01}), section(11, {0x01, 0x02, 0x01, 0x41, 0x00, 0x0B, 0x01, 'x'})});
  expect_unsupported(m, "multi-memory", find(m, {0x02, 0x01, 0x41}) + 1);
}

TEST(Unsupported, ExtendedConstantExpressions) {
  const Bytes b =
      wat("extconst", "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))", "--enable-extended-const");
  // i32.const 1, i32.const 2, i32.add (0x6a) at the add.
  expect_unsupported(b, "extended constant expressions", find(b, {0x41, 0x01, 0x41, 0x02, 0x6A}) + 4);
}

TEST(Unsupported, TwoValuesWithoutArithmeticStayInvalid) {
  // (i32.const 1) (nop): the MVP's "constant expression required", not a proposal.
  Bytes m = cat({header(), section(6, {0x01, 0x7F, 0x00, 0x41, 0x01, 0x01, 0x0B})});
  auto r = wasm::decode(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Error::Kind::Invalid) << r.error().str();
  EXPECT_NE(r.error().message.find("constant expression required"), std::string::npos) << r.error().str();
}

TEST(Unsupported, TailCalls) {
  const Bytes b = wat("tail", "(module (func $f (return_call $f)))", "--enable-tail-call");
  expect_unsupported(b, "tail calls", find(b, {0x12, 0x00}));
}

TEST(Unsupported, ThreadsSharedMemory) {
  const Bytes b =
      wat("atomic", "(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))", "--enable-threads");
  // The shared memory (limits flags 3) is seen before the atomic opcode.
  expect_unsupported(b, "threads", find(b, {0x05, 0x04, 0x01, 0x03}) + 3);
}

// Atomics on an unshared memory are what clang -matomics emits, and gust
// dissolves them (tests/atomics_test.cpp); an i32 one decodes and validates.
TEST(Unsupported, ThreadsAtomicOpcodeWithoutSharedMemoryIsAccepted) {
  const Bytes b =
      wat("atomic2", "(module (memory 1) (func (drop (i32.atomic.load (i32.const 0))) atomic.fence))", "--enable-threads");
  auto m = wasm::decode(b);
  ASSERT_TRUE(m) << m.error().str();
  auto v = wasm::validate(*m);
  EXPECT_TRUE(v) << v.error().str();
}

// What one core cannot do: wait and notify (no other thread), and the full
// 64-bit atomics (no LDREXD on a Cortex-M3). The narrow i64 ones are fine.
TEST(Unsupported, ThreadsWaitNotifyAnd64BitAtomics) {
  Bytes b = wat("atomic3", "(module (memory 1) (func (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))))",
                "--enable-threads");
  expect_unsupported(b, "threads", find(b, {0xFE, 0x00}));
  b = wat("atomic4",
          "(module (memory 1) (func (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))))",
          "--enable-threads");
  expect_unsupported(b, "threads", find(b, {0xFE, 0x01}));
  b = wat("atomic5", "(module (memory 1) (func (drop (i64.atomic.rmw.add (i32.const 0) (i64.const 1)))))",
          "--enable-threads");
  expect_unsupported(b, "threads", find(b, {0xFE, 0x1F}));
  b = wat("atomic6", "(module (memory 1) (func (drop (i64.atomic.rmw8.add_u (i32.const 0) (i64.const 1)))))",
          "--enable-threads");
  auto m = wasm::decode(b);
  ASSERT_TRUE(m) << m.error().str();
  EXPECT_TRUE(wasm::validate(*m));
}

TEST(Unsupported, Memory64) {
  const Bytes b = wat("mem64", "(module (memory i64 1))", "--enable-memory64");
  expect_unsupported(b, "memory64", find(b, {0x05, 0x03, 0x01, 0x04}) + 3);
}

TEST(Unsupported, Simd) {
  const Bytes b = wat("simd", "(module (func (drop (v128.const i32x4 0 0 0 0))))", "--enable-all");
  expect_unsupported(b, "SIMD", find(b, {0xFD, 0x0C}));
}

}  // namespace
}  // namespace gust::test
