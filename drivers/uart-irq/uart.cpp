// Interrupt-driven thin-seam USART receiver: the RX interrupt handler is
// wasm (irq_handler_0, which the node's vector entry calls directly) and
// drains DR into the proven ring (ring.h); the thread pops. The bridge only
// grants the register window and the line (wit: driver-thin).
#include <gust/driver-thin.h>

#include "../uart-thin/usart.h"
#include "ring.h"

using namespace usart;

namespace {
ring::Ring rx;                      // constant-initialised: no constructor runs
ring::RingOf<8> small;              // the same ring code at 8 bytes, for the full-ring proof only
std::atomic<uint32_t> overruns{0};  // bytes the USART lost (SR.ORE) before the handler ran
std::atomic<uint32_t> errors{0};    // bytes received with a framing, noise or parity error, dropped
}  // namespace

extern "C" {

// 8N1 at `baud` from a peripheral clock of `pclk_hz`, receive interrupt on.
GUST_EXPORT("uart_init") void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  gust_hal_mmio__write32(BRR, (pclk_hz + baud / 2) / baud);
  gust_hal_mmio__write32(CR1, CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE);
}

GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t byte) {
  while (!(gust_hal_mmio__read32(SR) & SR_TXE)) {
  }
  gust_hal_mmio__write32(DR, byte);
}

// The USART2 RX interrupt: one look at SR, then DR (reading SR then DR
// clears RXNE and ORE), a good byte into the ring. A byte with an error flag
// other than ORE is dropped and counted; ORE means one byte was lost before
// this one, which is itself good.
GUST_EXPORT("irq_handler_0") void irq_handler_0() {
  const uint32_t sr = gust_hal_mmio__read32(SR);
  if (!(sr & (SR_RXNE | SR_ORE))) return;
  const uint32_t dr = gust_hal_mmio__read32(DR);
  if (sr & SR_ORE) overruns.store(overruns.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (sr & (SR_PE | SR_FE | SR_NE)) {
    errors.store(errors.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
#ifndef GUST_UART_IRQ_MUTANT_KEEPS_ERROR_BYTES  // wrong: hands corrupted bytes on (tests/ring_test.cpp)
    return;
#endif
  }
  rx.push(uint8_t(dr));
}

// The oldest received byte, or -1 (UART_RX_EMPTY) when none is waiting.
GUST_EXPORT("uart_rx") int32_t uart_rx() { return rx.pop(); }
// World driver-thin's "something arrived": here, the ring holds a byte.
GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return rx.count() != 0; }
// Bytes lost: to a full ring, or to a hardware overrun.
GUST_EXPORT("uart_overrun") uint32_t uart_overrun() {
  return rx.dropped.load(std::memory_order_relaxed) + overruns.load(std::memory_order_relaxed);
}
GUST_EXPORT("uart_errors") uint32_t uart_errors() { return errors.load(std::memory_order_relaxed); }

// The ring itself, for the proofs and the tests.
GUST_EXPORT("ring_push") uint32_t ring_push(uint32_t byte) { return rx.push(uint8_t(byte)); }
GUST_EXPORT("ring_pop") int32_t ring_pop() { return rx.pop(); }
GUST_EXPORT("ring_peek") int32_t ring_peek(uint32_t k) { return rx.peek(k); }
GUST_EXPORT("ring_count") uint32_t ring_count() { return rx.count(); }
GUST_EXPORT("ring_dropped") uint32_t ring_dropped() { return rx.dropped.load(std::memory_order_relaxed); }
GUST_EXPORT("ring_head") uint32_t ring_head() { return rx.head.load(std::memory_order_relaxed); }
GUST_EXPORT("ring_tail") uint32_t ring_tail() { return rx.tail.load(std::memory_order_relaxed); }
// The same ring code at 8 bytes, for the full-ring proof (no node calls
// these: the build prunes them from the image).
GUST_EXPORT("ring8_push") uint32_t ring8_push(uint32_t byte) { return small.push(uint8_t(byte)); }
GUST_EXPORT("ring8_pop") int32_t ring8_pop() { return small.pop(); }
GUST_EXPORT("ring8_count") uint32_t ring8_count() { return small.count(); }
GUST_EXPORT("ring8_dropped") uint32_t ring8_dropped() { return small.dropped.load(std::memory_order_relaxed); }
}
