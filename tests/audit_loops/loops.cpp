// A thin-seam UART driver whose line handling runs counted store loops over
// its own arrays: a line buffer filled byte by byte, a copy of it scrambled
// into a second buffer, and a word array stamped with a hash chain. LLVM turns
// each into a pointer stepped by its store (post- or pre-indexed), the case
// gust audit once refused (tests/audit_test.cpp: Audit.ProvesCountedStoreLoops).
#include <gust/driver-thin.h>

#include <cstdint>

#include "../../drivers/uart-thin/usart.h"

using namespace usart;

namespace {

constexpr uint32_t kLine = 32;
uint8_t line[kLine];
uint8_t echo[kLine];
uint32_t stamps[8];
uint32_t used = 0;

void tx(uint32_t byte) {
  while (!(gust_hal_mmio__read32(SR) & SR_TXE)) {
  }
  gust_hal_mmio__write32(DR, byte & 0xFF);
}

// Fills the first n bytes of the line with a ramp from `first`: not a
// memset, so the loop stays a loop.
__attribute__((noinline)) void ramp(uint32_t n, uint8_t first) {
  for (uint32_t i = 0; i < n; ++i) line[i] = uint8_t(first + i);
}

// Copies the line into echo, each byte scrambled.
__attribute__((noinline)) void scramble(uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) echo[i] = uint8_t(line[i] ^ 0x5A);
}

// Stamps the first n words of the table with a hash chain from `seed`.
__attribute__((noinline)) void stamp(uint32_t n, uint32_t seed) {
  for (uint32_t i = 0; i < n; ++i) {
    stamps[i] = seed;
    seed = seed * 33 + i;
  }
}

}  // namespace

extern "C" {

GUST_EXPORT("uart_init") void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  gust_hal_mmio__write32(BRR, (pclk_hz + baud / 2) / baud);
  gust_hal_mmio__write32(CR1, CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE);
}

// A byte out; a newline first ramps, scrambles and stamps the line so far
// and sends its scrambled sum.
GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t byte) {
  if (byte == '\n') {
    const uint32_t n = used < kLine ? used : kLine;
    ramp(n, byte);
    scramble(n);
    stamp(n < 8 ? n : 8, byte);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) sum += echo[i];
    for (uint32_t w : stamps) sum += w;
    used = 0;
    tx(sum);
  } else {
    ++used;
  }
  tx(byte);
}

GUST_EXPORT("uart_rx") int32_t uart_rx() {
  usart_rx_action action = usart_rx_decide(gust_hal_mmio__read32(SR));
  if (action == USART_RX_NONE) return UART_RX_EMPTY;
  uint32_t dr = gust_hal_mmio__read32(DR);
  if (action == USART_RX_ERROR) return UART_RX_FAULT;
  return static_cast<int32_t>(dr & 0xFF);
}

GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return gust_hal_irq__poll(0); }
}
