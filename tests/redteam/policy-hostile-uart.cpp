// A hostile thin-seam UART driver for the trap-policy tests: a working USART
// driver, so the echo app prints its banner and echoes, until it receives
// '!'. Then it says so and writes one word past its 1 KiB register window,
// which the bridge refuses with GUST_TRAP_MMIO_WINDOW.
#include <gust/driver-thin.h>

#include "../../drivers/uart-thin/usart.h"

using namespace usart;

extern "C" {

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

GUST_EXPORT("uart_rx") int32_t uart_rx() {
  if (!(gust_hal_mmio__read32(SR) & SR_RXNE)) return UART_RX_EMPTY;
  const int32_t byte = static_cast<int32_t>(gust_hal_mmio__read32(DR) & 0xFF);
  if (byte == '!') {
    for (const char* s = "policy-hostile: writing outside the window\r\n"; *s; ++s) uart_tx_byte(uint8_t(*s));
    gust_hal_mmio__write32(0x400, 0);  // the first word past the window
  }
  return byte;
}

GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return gust_hal_irq__poll(0); }
}
