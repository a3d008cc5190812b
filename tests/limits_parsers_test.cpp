// No parser recurses without a depth limit: deep WIT types and deeply
// nested TOML are refused with a located Limit error, not a stack overflow;
// what real files use still parses.
#include <gtest/gtest.h>

#include <string>

#include "compose/compose.h"
#include "wit/wit.h"

namespace gust::limits_test {
namespace {

// package p:q; interface i { f: func(x: list<list<...u8...>>); } world w { import i; }
std::string wit_with_depth(int lists) {
  std::string type;
  for (int i = 0; i < lists; ++i) type += "list<";
  type += "u8" + std::string(lists, '>');
  return "package p:q;\ninterface i {\n  f: func(x: " + type + ");\n}\nworld w {\n  import i;\n}\n";
}

TEST(LimitsWit, ATypeAtTheDepthLimitParsesAndBindsOrIsRefusedAsUnsupported) {
  auto pkg = wit::parse(wit_with_depth(32), "deep.wit");
  ASSERT_TRUE(pkg) << pkg.error().str();
  auto header = wit::bind(*pkg, "w", false, "deep.wit");
  ASSERT_FALSE(header);  // gust lowers list<u8> only
  EXPECT_EQ(header.error().kind, Error::Kind::Unsupported) << header.error().str();
  EXPECT_EQ(header.error().where.rfind("deep.wit:3:", 0), 0u) << header.error().str();
}

TEST(LimitsWit, ATypeDeeperThanTheLimitIsRefusedWhereItPassesIt) {
  for (int lists : {33, 100000}) {
    SCOPED_TRACE(lists);
    auto pkg = wit::parse(wit_with_depth(lists), "deep.wit");
    ASSERT_FALSE(pkg);
    EXPECT_EQ(pkg.error().kind, Error::Kind::Limit) << pkg.error().str();
    // Line 3, "  f: func(x: " then 33 "list<": the 34th type starts at column 179.
    EXPECT_EQ(pkg.error().where, "deep.wit:3:179") << pkg.error().str();
  }
}

TEST(LimitsWit, ResultAndOptionCountTowardsTheDepthToo) {
  std::string type = "u8";
  for (int i = 0; i < 40; ++i) type = (i % 2 ? "option<" : "result<u8, ") + type + ">";
  auto pkg = wit::parse("package p:q;\ninterface i {\n  f: func() -> " + type + ";\n}\n", "deep.wit");
  ASSERT_FALSE(pkg);
  EXPECT_EQ(pkg.error().kind, Error::Kind::Limit) << pkg.error().str();
}

Result<compose::Node> node_from(const std::string& text) { return compose::load_node("deep.toml", &text); }

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(LimitsToml, DeeplyDottedKeysAndHeadersAreRefusedBeforeParsing) {
  const std::string deep_key = "a" + repeat(".a", 100000) + " = 1\n";
  const std::string deep_header = "name = \"n\"\n[t" + repeat(".t", 100000) + "]\n";
  const std::string deep_inline = "x = " + repeat("{a.a.a.a = ", 300) + "1" + repeat("}", 300) + "\n";
  for (const auto& [text, line] : {std::pair{deep_key, 1}, std::pair{deep_header, 2}, std::pair{deep_inline, 1}}) {
    auto n = node_from(text);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().kind, Error::Kind::Limit) << n.error().str();
    EXPECT_EQ(n.error().where.rfind("deep.toml:" + std::to_string(line) + ":", 0), 0u) << n.error().str();
    auto c = compose::load_chip("deep.toml", &text);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, Error::Kind::Limit) << c.error().str();
  }
}

// Dots in strings and comments, and floats in an array spread over lines,
// are not nesting: such a file reaches the manifest's own checks.
TEST(LimitsToml, DotsInStringsCommentsAndArraysAreNotNesting) {
  const std::string text = "# " + repeat("a.", 2000) + "\nname = \"" + repeat("x.", 2000) + "\"\nbanner = '''\n" +
                           repeat("y.", 2000) + "\n'''\nv = [\n" + repeat("1.5,\n", 2000) + "]\n";
  auto n = node_from(text);
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().kind, Error::Kind::Limit) << n.error().str();
}

TEST(LimitsToml, AFileOverOneMiBIsRefusedWhole) {
  const std::string text = "# " + std::string(1 << 20, 'x') + "\n";
  auto n = node_from(text);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().kind, Error::Kind::Limit) << n.error().str();
  EXPECT_EQ(n.error().where, "deep.toml");
}

}  // namespace
}  // namespace gust::limits_test
