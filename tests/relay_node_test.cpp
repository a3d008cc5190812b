// The relay node (nodes/f100-relay.toml): a wasm app whose native side is
// the bridge and boot only, wired to its three instances (the SysTick
// `clock` is drivers/timer, whose proofs tests/periph_test.cpp holds).
#include <gtest/gtest.h>

#include <algorithm>

#include "compose/compose.h"
#include "support.h"

namespace gust::test {
namespace {

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
