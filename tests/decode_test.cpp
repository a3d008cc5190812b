// The decoder's rejections: each names the byte offset where the input
// stops being a WebAssembly binary.
#include <gtest/gtest.h>

#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

using wasm::decode;

void expect_malformed(const Bytes& b, size_t offset, const std::string& words) {
  auto m = decode(b);
  ASSERT_FALSE(m) << "accepted a malformed module";
  EXPECT_EQ(m.error().kind, Error::Kind::Malformed) << m.error().str();
  ASSERT_TRUE(m.error().offset) << m.error().str();
  EXPECT_EQ(*m.error().offset, offset) << m.error().str();
  EXPECT_NE(m.error().message.find(words), std::string::npos) << m.error().str();
}

TEST(Decode, AcceptsAnEmptyModule) { EXPECT_TRUE(decode(header())); }

TEST(Decode, RejectsABadMagicAtOffsetZero) { expect_malformed({0x00, 0x61, 0x73, 0x6E, 1, 0, 0, 0}, 0, "magic"); }

TEST(Decode, RejectsATruncatedHeader) { expect_malformed({0x00, 0x61, 0x73, 0x6D, 0x01}, 4, "unexpected end"); }

TEST(Decode, RejectsASectionLongerThanTheFile) {
  // Type section (offset 8) claims 5 bytes, 3 follow.
  expect_malformed(cat({header(), {0x01, 0x05, 0x01, 0x60, 0x00}}), 8, "unexpected end");
}

TEST(Decode, RejectsALeb128WithTooManyBytes) {
  // The type count at offset 10 is a six-byte LEB128 of 0.
  expect_malformed(cat({header(), {0x01, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}), 10,
                   "integer representation too long");
}

TEST(Decode, RejectsALeb128WithBitsBeyond32) {
  // Fifth byte 0x1F sets bits 32..35 of a u32.
  expect_malformed(cat({header(), {0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F}}), 10, "integer too large");
}

TEST(Decode, RejectsSectionsOutOfOrder) {
  // type, function, then a second type section at offset 8 + 6 + 4 = 18.
  Bytes type = section(1, {0x01, 0x60, 0x00, 0x00});
  expect_malformed(cat({header(), type, section(3, {0x01, 0x00}), type}), 18, "out of order");
}

TEST(Decode, RejectsAnIllegalOpcodeNamingTheFunction) {
  // () -> (), body: no locals, opcode 0xFF, end. Code section at 8+6+4=18:
  // id, size, count, body size, local count, then the opcode at 23.
  Bytes m = one_function({0x60, 0x00, 0x00}, {0x00, 0xFF, 0x0B});
  auto r = decode(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(*r.error().offset, 23u) << r.error().str();
  EXPECT_EQ(r.error().func, 0u);
  EXPECT_NE(r.error().message.find("illegal opcode 0xff"), std::string::npos) << r.error().str();
}

TEST(Decode, RejectsSimdAsUnsupportedNamingTheOffset) {
  Bytes m = one_function({0x60, 0x00, 0x00}, {0x00, 0xFD, 0x0C, 0x0B});
  auto r = decode(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Error::Kind::Unsupported) << r.error().str();
  EXPECT_EQ(*r.error().offset, 23u);
}

TEST(Decode, RejectsABodyWithoutItsFinalEnd) {
  Bytes m = one_function({0x60, 0x00, 0x00}, {0x00, 0x01});
  auto r = decode(m);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("END opcode expected"), std::string::npos) << r.error().str();
}

TEST(Decode, EveryTruncationOfTheDriverIsRejectedInsideTheInput) {
  Bytes full = read_file(thin_driver_wasm());
  ASSERT_TRUE(decode(full));
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + long(n));
    auto r = decode(cut);
    if (r) continue;  // a cut exactly between sections may still be a module
    ASSERT_TRUE(r.error().offset) << "cut at " << n << ": " << r.error().str();
    EXPECT_LE(*r.error().offset, n) << r.error().str();
  }
}

}  // namespace
}  // namespace gust::test
