// The interrupt-driven receiver's ring (drivers/uart-irq/ring.h) and handler
// (uart.cpp): its gust prove harnesses (proofs.cpp) succeed on the module
// that ships, and each has a mutant that fails it with a counterexample; the
// dissolved module runs the handler and the ring on the emulated core with a
// USART model (bytes in order, a full ring drops and counts, overruns and
// errors counted).
#include <gtest/gtest.h>

#include <fstream>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "prove/prove.h"
#include "prove_support.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

const wasm::Module& ring_proofs() {
  static const wasm::Module m = module_from_cpp(
      "drivers/uart-irq/proofs.cpp", "ring-proofs",
      {"-Wl,--allow-undefined", "-Wl,-z,stack-size=1024", "-I", (source_root() / "drivers/uart-irq").string()});
  return m;
}

// USART2's grant: one line, a 1 KiB window; the region as the build sizes it.
prove::Options ring_prove_options(const std::string& harness) {
  prove::Options o = prove_options();
  o.env.memory_bytes = 1024;
  o.harnesses = {"gust_proof_" + harness};
  return o;
}

prove::Verdict run(const wasm::Module& driver, const std::string& harness) {
  auto vs = prove::prove(ring_proofs(), &driver, ring_prove_options(harness));
  EXPECT_EQ(vs.size(), 1u);
  return vs.empty() ? prove::Verdict{} : vs[0];
}

class RingProof : public ::testing::TestWithParam<const char*> {};

TEST_P(RingProof, SucceedsOnTheShippedRing) {
  const wasm::Module driver = module_from_cpp("drivers/uart-irq/uart.cpp", "uart-irq");
  const prove::Verdict v = run(driver, GetParam());
  EXPECT_EQ(v.status, prove::Verdict::Successful) << v.text();
}

INSTANTIATE_TEST_SUITE_P(Ring, RingProof,
                         ::testing::Values("ring_fifo_interleaved", "ring_full_drops_never_overwrites",
                                           "ring_handler_drains_dr"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

struct Mutant {
  const char* define;
  const char* harness;
  uint32_t trap;       // the trap the counterexample ends in, or 0 for a failed assertion
  uint32_t assertion;  // which assertion fails
  const char* why;
};

// What the test names show of a mutant: its define.
void PrintTo(const Mutant& m, std::ostream* os) { *os << m.define; }

class RingMutant : public ::testing::TestWithParam<Mutant> {};

TEST_P(RingMutant, FailsItsProofWithACounterexample) {
  const Mutant& m = GetParam();
  const wasm::Module mutant =
      module_from_cpp("drivers/uart-irq/uart.cpp", std::string("uart-irq-") + m.define, {std::string("-D") + m.define});
  const prove::Verdict v = run(mutant, m.harness);
  ASSERT_EQ(v.status, prove::Verdict::Failed) << m.why << ": " << v.text();
  EXPECT_EQ(v.trap, m.trap) << v.text();
  if (!m.trap) EXPECT_EQ(v.assertion, m.assertion) << m.why << ": " << v.text();
  // The counterexample: the harness's inputs, or the seam reads of the trace.
  EXPECT_FALSE(v.inputs.empty() && v.trace.empty()) << "no counterexample: " << v.text();
}

INSTANTIATE_TEST_SUITE_P(
    Ring, RingMutant,
    ::testing::Values(Mutant{"GUST_RING_MUTANT_NEWEST_FIRST", "ring_fifo_interleaved", 0, 3,
                             "pops the newest byte: not FIFO"},
                      Mutant{"GUST_RING_MUTANT_ONE_TOO_MANY", "ring_full_drops_never_overwrites", 0, 12,
                             "takes a byte past the capacity: the count exceeds it"},
                      Mutant{"GUST_RING_MUTANT_OVERWRITE", "ring_full_drops_never_overwrites", 0, 12,
                             "a full ring overwrites its oldest byte"},
                      Mutant{"GUST_RING_MUTANT_UNCHECKED_PEEK", "ring_fifo_interleaved", 4, 0,
                             "peek unchecked and unmasked: an access out of bounds traps"},
                      Mutant{"GUST_UART_IRQ_MUTANT_KEEPS_ERROR_BYTES", "ring_handler_drains_dr", 0, 23,
                             "the handler hands on a byte received with an error flag"}),
    [](const ::testing::TestParamInfo<Mutant>& info) {
      std::string n = std::string(info.param.define).substr(std::string(info.param.define).rfind("MUTANT_") + 7);
      std::string out;
      bool up = true;
      for (char c : n) {
        if (c == '_') {
          up = true;
          continue;
        }
        out += up ? c : char(std::tolower(c));
        up = false;
      }
      return out;
    });

// The dissolved driver on the emulated core, its window a USART model.
TEST(RingEmu, TheDissolvedHandlerFillsTheRingInOrder) {
  const fs::path dir = scratch("ring-emu");
  auto c = compose::compile_driver(source_root() / "drivers/uart-irq/uart.cpp", dir / "uart.wasm", 0);
  ASSERT_TRUE(c) << c.error().str();
  auto m = wasm::decode(read_file(dir / "uart.wasm"));
  ASSERT_TRUE(m) << m.error().str();
  dissolve::Options opts;
  opts.prefix = "rx_";
  opts.memory_bytes = 1024;
  auto out = dissolve::dissolve(*m, opts);
  ASSERT_TRUE(out) << out.error().str();
  std::ofstream(dir / "rx.o", std::ios::binary)
      .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  // The bridge's window functions, as bridge.h makes them, over a USART model.
  const std::string bridge = R"(
    .syntax unified
    .thumb
    .text
    .global rx_gust_hal_mmio__read32
    .type rx_gust_hal_mmio__read32, %function
    .thumb_func
rx_gust_hal_mmio__read32:
    ldr r1, =0x40004400
    ldr r0, [r1, r0]
    bx lr
    .ltorg
  )";
  auto cpu = emu::CortexM::load({dir / "rx.o"}, dir, bridge);
  ASSERT_TRUE(cpu) << cpu.error().str();
  uint32_t sr = 0, dr = 0, dr_reads = 0;
  (*cpu)->map_mmio(
      0x40004400, 0x400,
      [&](uint32_t off) {
        if (off == 4) ++dr_reads;
        return off == 0 ? sr : off == 4 ? dr : 0u;
      },
      [](uint32_t, uint32_t) {});
  auto irq = [&](uint32_t s, uint32_t d) {
    sr = s;
    dr = d;
    auto r = (*cpu)->call("rx_irq_handler_0", {});
    EXPECT_TRUE(r.ok && !r.trapped) << r.fault;
  };
  auto call = [&](const char* fn) { return (*cpu)->call(fn, {}).r0; };
  irq(0x00, 1);  // nothing received: DR not read
  EXPECT_EQ(dr_reads, 0u);
  for (uint32_t i = 0; i < 300; ++i) irq(0x20, 0x100 + i);  // RXNE; DR's low byte goes in
  EXPECT_EQ(call("rx_ring_count"), 256u);
  EXPECT_EQ(call("rx_ring_dropped"), 44u);  // a full ring drops, never overwrites
  irq(0x28, 0x55);                          // ORE with RXNE: one lost before, this one dropped (full)
  irq(0x22, 0x66);                          // FE: an error byte, dropped and counted
  EXPECT_EQ(call("rx_uart_overrun"), 45u + 1u);
  EXPECT_EQ(call("rx_uart_errors"), 1u);
  for (uint32_t i = 0; i < 256; ++i) ASSERT_EQ(int32_t(call("rx_uart_rx")), int32_t(i & 0xFF)) << i;
  EXPECT_EQ(int32_t(call("rx_uart_rx")), -1);
  irq(0x20, 0x7A);
  EXPECT_EQ(int32_t(call("rx_uart_rx")), 0x7A);
}

}  // namespace
}  // namespace gust::test
