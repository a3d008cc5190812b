// gust prove on the thin UART driver: the three shipped proofs succeed on the
// wasm that ships, each well under 10 s, and mutants fail them with the
// counterexamples the properties predict.
#include "prove/prove.h"

#include <gtest/gtest.h>

#include <fstream>

#include "compose/compose.h"
#include "prove_support.h"
#include "support.h"
#include "usart.h"
#include "wasm/module.h"

int32_t mutant_usart_rx_decide(uint32_t sr);

namespace gust::test {
namespace {

const wasm::Module& harness() {
  static wasm::Module m = module_from_cpp("drivers/uart-thin/proofs.cpp", "proofs", {"-Wl,--allow-undefined"});
  return m;
}

const prove::Verdict& find(const std::vector<prove::Verdict>& vs, const std::string& name) {
  for (const auto& v : vs)
    if (v.harness == "gust_proof_" + name) return v;
  static prove::Verdict none;
  ADD_FAILURE() << "no harness " << name;
  return none;
}

TEST(Prove, TheShippedDriverSatisfiesAllThreeProofs) {
  wasm::Module driver = module_from_cpp("drivers/uart-thin/uart.cpp", "driver");
  auto vs = prove::prove(harness(), &driver, prove_options());
  ASSERT_EQ(vs.size(), 3u);
  for (const auto& v : vs) {
    EXPECT_EQ(v.status, prove::Verdict::Successful) << v.text();
    EXPECT_LT(v.seconds, 10.0) << v.harness;
    EXPECT_GT(v.checks, 0u) << v.harness << ": no solver call stands behind the verdict";
    // Not one execution is lost to an assumption, and every assertion is checked.
    EXPECT_EQ(v.paths_cut, 0u) << v.text();
    EXPECT_EQ(v.paths_dropped, 0u) << v.text();
    EXPECT_FALSE(v.assertions.empty()) << v.harness;
    for (const auto& a : v.assertions) EXPECT_GT(a.checks, 0u) << v.text();
  }
}

TEST(Prove, SwappedPriorityFailsTheFirstTwoWithAnErrorBitAndRxne) {
  wasm::Module mutant = module_from_cpp("drivers/uart-thin/uart.cpp", "swap", {"-DGUST_MUTANT_SWAP_PRIORITY"});
  auto vs = prove::prove(harness(), &mutant, prove_options());
  const auto& decide = find(vs, "usart_rx_decide_error_priority");
  ASSERT_EQ(decide.status, prove::Verdict::Failed) << decide.text();
  ASSERT_EQ(decide.inputs.size(), 1u);
  const uint32_t sr = uint32_t(decide.inputs[0].second);
  EXPECT_NE(sr & usart::SR_ERRORS, 0u) << decide.text();
  EXPECT_NE(sr & usart::SR_RXNE, 0u) << decide.text();
  // The native mutant really is wrong at the counterexample.
  EXPECT_EQ(mutant_usart_rx_decide(sr), USART_RX_DATA);

  const auto& rx = find(vs, "uart_rx_no_byte_from_a_corrupted_stream");
  ASSERT_EQ(rx.status, prove::Verdict::Failed) << rx.text();
  ASSERT_GE(rx.trace.size(), 1u);
  EXPECT_EQ(rx.trace[0].call, "mmio.read32");
  EXPECT_EQ(rx.trace[0].arg, usart::SR);
  EXPECT_NE(rx.trace[0].value & usart::SR_ERRORS, 0u) << rx.text();
  EXPECT_NE(rx.trace[0].value & usart::SR_RXNE, 0u) << rx.text();

  EXPECT_EQ(find(vs, "uart_tx_byte_waits_for_txe").status, prove::Verdict::Successful);
}

TEST(Prove, SkippingTheTxeWaitFailsTheThird) {
  wasm::Module mutant = module_from_cpp("drivers/uart-thin/uart.cpp", "nowait", {"-DGUST_MUTANT_NO_TXE_WAIT"});
  auto vs = prove::prove(harness(), &mutant, prove_options());
  const auto& tx = find(vs, "uart_tx_byte_waits_for_txe");
  ASSERT_EQ(tx.status, prove::Verdict::Failed) << tx.text();
  EXPECT_EQ(tx.assertion, 30u) << tx.text();  // a DR write with no TXE seen before it
  ASSERT_FALSE(tx.trace.empty());
  EXPECT_EQ(tx.trace[0].call, "mmio.write32");
  EXPECT_EQ(find(vs, "usart_rx_decide_error_priority").status, prove::Verdict::Successful);
}

TEST(Prove, AnUnboundedPollIsInconclusiveNotSuccessful) {
  // Without the TXE assumption the wait loop can spin past any bound.
  fs::path dir = scratch("prove-unbounded");
  std::ofstream(dir / "h.cpp") << "#include <gust/prove.h>\n"
                                  "extern \"C\" { GUST_DRIVER_IMPORT(\"uart_tx_byte\") void tx(uint32_t); }\n"
                                  "GUST_PROOF(unbounded) { tx(gust_any_u32()); }\n";
  ASSERT_TRUE(compose::compile_driver(dir / "h.cpp", dir / "h.wasm", 0, {"-Wl,--allow-undefined"}));
  auto h = wasm::decode(read_file(dir / "h.wasm"));
  ASSERT_TRUE(h);
  wasm::Module driver = module_from_cpp("drivers/uart-thin/uart.cpp", "driver2");
  prove::Options o = prove_options();
  o.unwind = 4;
  auto vs = prove::prove(*h, &driver, o);
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].status, prove::Verdict::Inconclusive) << vs[0].text();
}

TEST(Prove, TheProofAgreesWithTheExhaustiveNativeCheck) {
  // Proof: successful for the driver, failed for the mutant. Native, over all
  // 2^32 values: no disagreement for the driver, some for the mutant.
  uint64_t driver_bad = 0, mutant_bad = 0;
  uint32_t sr = 0;
  do {
    const int32_t want = (sr & usart::SR_ERRORS) ? USART_RX_ERROR
                         : (sr & usart::SR_RXNE) ? USART_RX_DATA
                                                 : USART_RX_NONE;
    driver_bad += usart_rx_decide(sr) != want;
    mutant_bad += mutant_usart_rx_decide(sr) != want;
  } while (++sr != 0);
  EXPECT_EQ(driver_bad, 0u);
  EXPECT_EQ(mutant_bad, 2013265920u);  // every SR with an error flag and RXNE
  wasm::Module driver = module_from_cpp("drivers/uart-thin/uart.cpp", "driver3");
  prove::Options o = prove_options();
  o.harnesses = {"usart_rx_decide_error_priority"};
  auto vs = prove::prove(harness(), &driver, o);
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].status == prove::Verdict::Successful, driver_bad == 0);
}

}  // namespace
}  // namespace gust::test
