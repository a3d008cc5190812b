// The validator's rejections name the offset, the function and the opcode.
#include <gtest/gtest.h>

#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

Result<void> check(const Bytes& b) {
  auto m = wasm::decode(b);
  if (!m) return m.error();
  return wasm::validate(*m);
}

TEST(Validate, AcceptsAWellTypedFunction) {
  // () -> i32: i32.const 1, i32.const 2, i32.add
  EXPECT_TRUE(check(one_function({0x60, 0x00, 0x01, 0x7F}, {0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B})));
}

TEST(Validate, RejectsATypeMismatchAtTheOperator) {
  // () -> i32: i32.const 1, i64.const 2, i32.add. The add is at 18+5+5+2+2 = 27... computed below.
  Bytes body = {0x00, 0x41, 0x01, 0x42, 0x02, 0x6A, 0x0B};
  Bytes m = one_function({0x60, 0x00, 0x01, 0x7F}, body);
  auto r = check(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Error::Kind::Invalid);
  EXPECT_EQ(r.error().func, 0u);
  EXPECT_EQ(r.error().opcode, "i32.add");
  // The add is the body's sixth byte; the body ends the module.
  EXPECT_EQ(*r.error().offset, m.size() - body.size() + 5) << r.error().str();
  EXPECT_NE(r.error().message.find("type mismatch"), std::string::npos);
}

TEST(Validate, RejectsAMissingResult) {
  auto r = check(one_function({0x60, 0x00, 0x01, 0x7F}, {0x00, 0x0B}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().opcode, "end");
}

TEST(Validate, RejectsAnUnknownLocal) {
  auto r = check(one_function({0x60, 0x00, 0x00}, {0x00, 0x20, 0x03, 0x1A, 0x0B}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().opcode, "local.get");
  EXPECT_NE(r.error().message.find("unknown local 3"), std::string::npos);
}

TEST(Validate, RejectsABranchToAMissingLabel) {
  auto r = check(one_function({0x60, 0x00, 0x00}, {0x00, 0x0C, 0x01, 0x0B}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().opcode, "br");
}

TEST(Validate, AcceptsTheThinDriver) {
  auto m = wasm::decode(read_file(thin_driver_wasm()));
  ASSERT_TRUE(m);
  auto v = wasm::validate(*m);
  EXPECT_TRUE(v) << (v ? "" : v.error().str());
}

}  // namespace
}  // namespace gust::test
