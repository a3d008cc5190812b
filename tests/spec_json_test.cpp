// gust spec reads what wabt's wast2json writes, including the JSON it gets
// wrong: multi-value result types without commas between them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "spec/runner.h"
#include "support.h"

namespace gust::test {
namespace {

TEST(SpecJson, CommasGoBetweenObjectsThatWast2jsonRunsTogether) {
  const std::string broken =
      R"({"commands": [{"type": "assert_trap", "expected": [{"type": "i32"}{"type": "i64"} {"type": "f32"}]}]})";
  const std::string fixed = spec::repair_wast2json(broken);
  EXPECT_EQ(
      fixed,
      R"({"commands": [{"type": "assert_trap", "expected": [{"type": "i32"},{"type": "i64"}, {"type": "f32"}]}]})");
  const auto doc = nlohmann::json::parse(fixed);
  EXPECT_EQ(doc["commands"][0]["expected"].size(), 3u);
}

TEST(SpecJson, TextInsideStringsIsLeftAlone) {
  // "}{" inside a string (an export name, a message) is data.
  const std::string s = R"({"field": "a}{b", "text": "q\"}{", "x": [{}]})";
  EXPECT_EQ(spec::repair_wast2json(s), s);
}

TEST(SpecJson, AMultiValueScriptRunsEveryCommand) {
  spec::Options o;
  o.work_dir = scratch("spec-multivalue");
  std::ostringstream out;
  const auto t = spec::run_file(source_root() / "tests/spec/multivalue-actions.wast", o, out);
  EXPECT_EQ(t.failed, 0u) << out.str();
  // The module and four commands: none lost to an unreadable file.
  EXPECT_EQ(t.passed, 5u) << out.str();
  EXPECT_EQ(t.by_kind.count("wast2json"), 0u) << out.str();
}

}  // namespace
}  // namespace gust::test
