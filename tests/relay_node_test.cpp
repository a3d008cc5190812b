// The relay node's SysTick time base (apps/relay/systick.cpp, instance
// `clock`): its proofs on the module that ships, a mutant that counts every
// reading failing with a counterexample, and the node that grants it:
// a wasm app whose native side is the bridge and boot only.
#include <gtest/gtest.h>

#include <algorithm>

#include "compose/compose.h"
#include "prove/prove.h"
#include "prove_support.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

const wasm::Module& clock_proofs() {
  static const wasm::Module m = module_from_cpp("apps/relay/systick_proofs.cpp", "relay-clock-proofs",
                                                {"-Wl,--allow-undefined", "-Wl,-z,stack-size=256"});
  return m;
}

// The node's grant: SysTick's 16-byte window, no line, world driver-timer.
prove::Options clock_prove_options(const std::string& harness) {
  prove::Options o = prove_options();
  o.env.world = "driver-timer";
  o.env.grants = {16, 0};
  o.harnesses = {"gust_proof_" + harness};
  return o;
}

class ClockProof : public ::testing::TestWithParam<const char*> {};

TEST_P(ClockProof, SucceedsOnTheShippedTimer) {
  const wasm::Module clock = module_from_cpp("apps/relay/systick.cpp", "relay-clock");
  auto vs = prove::prove(clock_proofs(), &clock, clock_prove_options(GetParam()));
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].status, prove::Verdict::Successful) << vs[0].text();
}

INSTANTIATE_TEST_SUITE_P(RelayClock, ClockProof,
                         ::testing::Values("timer_counts_the_reloads_it_sees", "timer_before_init_reads_nothing"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

TEST(RelayClockMutant, ATimerCountingEveryReadingFailsWithACounterexample) {
  const wasm::Module mutant =
      module_from_cpp("apps/relay/systick.cpp", "relay-clock-mutant", {"-DGUST_TIMER_MUTANT_ANY_CSR"});
  auto vs = prove::prove(clock_proofs(), &mutant, clock_prove_options("timer_counts_the_reloads_it_sees"));
  ASSERT_EQ(vs.size(), 1u);
  const prove::Verdict& v = vs[0];
  ASSERT_EQ(v.status, prove::Verdict::Failed) << v.text();
  EXPECT_TRUE(v.assertion == 7u || v.assertion == 8u) << "a reading without COUNTFLAG counted: " << v.text();
  EXPECT_FALSE(v.inputs.empty() && v.trace.empty()) << "no counterexample: " << v.text();
}

// The relay node's build report: the app is wasm, wired to its three
// instances, and nothing native but the bridge and boot.
TEST(CcsdsRelay, TheNodesNativeSideIsTheBridgeAndBootOnly) {
  auto node = compose::load_node(source_root() / "nodes" / "f100-relay.toml");
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions bo;
  bo.out_root = scratch("relay-tcb");
  auto rep = compose::build(*node, bo);
  ASSERT_TRUE(rep) << rep.error().str();
  EXPECT_EQ(rep->tcb_native, (std::vector<std::string>{"bridge", "boot"})) << rep->table();
  for (const char* link : {"app -> rx_ccsds_push", "app -> rx_uart_rx", "app -> clock_timer_now_ms",
                           "app -> clock_timer_expired", "app -> console_uart_tx_byte"})
    EXPECT_NE(std::find(rep->links.begin(), rep->links.end(), link), rep->links.end()) << link << "\n" << rep->table();
  bool clock = false;
  for (const auto& c : rep->components) clock = clock || c.name.find("@clock") != std::string::npos;
  EXPECT_TRUE(clock) << rep->table();
}

}  // namespace
}  // namespace gust::test
