// The resource caps: every worst-case family is refused just over its cap
// with a located Limit error, and dissolved (or refused) at its cap within
// 1 GiB, measured in a child process. Wall time is printed, not asserted.
#include "wasm/limits.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "limits_modules.h"
#include "limits_run.h"
#include "wasm/module.h"

namespace gust::limits_test {
namespace {

TEST(Limits, EveryFamilyIsRefusedJustOverItsCapWithALocatedLimit) {
  for (const auto& c : worst_cases()) {
    SCOPED_TRACE(c.family);
    const CapPoint p = find_cap(c);
    ASSERT_GE(p.at, 1u) << "refused even at scale 1: " << p.refusal.str();
    if (!p.over) continue;  // bounded by the search's end: the family's input is already large there
    EXPECT_EQ(p.refusal.kind, Error::Kind::Limit) << p.refusal.str();
    EXPECT_TRUE(p.refusal.offset) << p.refusal.str();
    EXPECT_NE(p.refusal.message.find("implementation limit: "), std::string::npos) << p.refusal.str();
  }
}

// Which cap each family presses: a cap changed without a second look at the
// measurements shows up here.
TEST(Limits, EachCapIsTheOneItsFamilyPresses) {
  const std::pair<const char*, const wasm::Cap*> expected[] = {
      {"function-locals", &wasm::kMaxFunctionLocals}, {"locals-many-functions", &wasm::kMaxModuleLocals},
      {"wide-imports", &wasm::kMaxFunctions},         {"types", &wasm::kMaxTypes},
      {"nesting-loop", &wasm::kMaxLoopNesting},       {"br-table-deep", &wasm::kMaxNesting},
      {"br-table-void", &wasm::kMaxBodyBytes},        {"divides-body", &wasm::kMaxCodeCost},
      {"data-segments", &wasm::kMaxDataSegments},     {"data-bytes", &wasm::kMaxDataBytes},
      {"table-entries", &wasm::kMaxTableEntries},     {"tables", &wasm::kMaxTables},
  };
  for (const auto& [family, cap] : expected) {
    SCOPED_TRACE(family);
    const WorstCase* c = find_case(family);
    ASSERT_TRUE(c);
    const CapPoint p = find_cap(*c);
    ASSERT_TRUE(p.over);
    EXPECT_NE(p.refusal.message.find(cap->what), std::string::npos) << p.refusal.str();
  }
}

// The module of the report: 1.6 KB, functions each declaring the
// per-function maximum of locals (it took 23 s and 2.9 GB). Now refused
// at the function that passes the module's locals, before any is stored.
TEST(Limits, TheReportedLocalsModuleIsRefusedBeforeItCostsMemory) {
  const Bytes wasm = find_case("locals-many-functions")->make(200, 0);
  EXPECT_LT(wasm.size(), 1700u);
  const auto why = front_half(wasm);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->kind, Error::Kind::Limit) << why->str();
  ASSERT_TRUE(why->func);
  EXPECT_EQ(*why->func, wasm::kMaxModuleLocals.value / wasm::kMaxFunctionLocals.value) << why->str();
  const Verdict v = run_in_child(wasm, kMemoryBound);
  EXPECT_EQ(v.outcome, "refused") << v.message;
  EXPECT_LT(v.max_rss_bytes, 256u << 20);
}

// The heaviest families at their caps, by memory and by time in the
// measurements (limits_measure --caps prints them all), and every cap at once.
class AtTheCap : public testing::TestWithParam<const char*> {};

TEST_P(AtTheCap, IsDissolvedOrRefusedWithinOneGiB) {
  const WorstCase* c = find_case(GetParam());
  ASSERT_TRUE(c);
  const CapPoint p = find_cap(*c);
  ASSERT_GE(p.at, 1u);
  const Bytes wasm = c->make(p.at, 0);
  // Under RLIMIT_AS of 1 GiB and a bit, so that a case past the bound fails
  // by allocation, not by taking the machine.
  const Verdict v = run_in_child(wasm, kMemoryBound + (256u << 20));
  printf("  %s at %llu: %zu B in, %s in %.2f s (%.2f s cpu), %.0f MiB\n", c->family.c_str(), (unsigned long long)p.at,
         wasm.size(), v.outcome.c_str(), v.seconds, v.cpu_seconds, v.max_rss_bytes / 1048576.0);
  ASSERT_NE(v.outcome, "crashed") << v.message;
  if (v.outcome == "refused") EXPECT_EQ(v.kind, "limit") << v.message;
  EXPECT_LT(v.max_rss_bytes, kMemoryBound);
}

INSTANTIATE_TEST_SUITE_P(Families, AtTheCap,
                         testing::Values("everything", "phis-ifs", "locals-many-functions", "divides-body"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace gust::limits_test
