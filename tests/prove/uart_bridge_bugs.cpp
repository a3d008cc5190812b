// The thin UART driver with one slip each that only the bridge catches:
// for some bytes a register access leaves the granted window, is
// misaligned, or names an interrupt line the node does not grant. The
// shipped proofs ("DR written exactly once, after TXE") held for all three
// while the bridge trapped before the DR write; they must fail now.
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
#if defined(GUST_BUG_WINDOW)
  // A per-byte statistics register table that runs past the window's end
  // (0x40 + 4 * 0xF0 = 0x400) for bytes from 0xF0 on.
  gust_hal_mmio__write32(0x40 + 4u * byte, 1);
#elif defined(GUST_BUG_MISALIGNED)
  // GTPR's guard-time half picked by a bit of the byte: a misaligned word.
  gust_hal_mmio__write32(0x18 + (byte & 2u), 0);
#elif defined(GUST_BUG_IRQ_LINE)
  // Re-arms "the second" interrupt line for bytes with the top bit set; the
  // node grants one line.
  gust_hal_irq__enable(byte >> 7);
#endif
  gust_hal_mmio__write32(DR, byte);
}

GUST_EXPORT("uart_rx") int32_t uart_rx() {
  usart_rx_action action = usart_rx_decide(gust_hal_mmio__read32(SR));
  if (action == USART_RX_NONE) return UART_RX_EMPTY;
  uint32_t dr = gust_hal_mmio__read32(DR);
  if (action == USART_RX_ERROR) return UART_RX_FAULT;
  return static_cast<int32_t>(dr & 0xFF);
}

GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return gust_hal_irq__poll(0); }

GUST_EXPORT("usart_rx_decide") int32_t usart_rx_decide_export(uint32_t sr) { return usart_rx_decide(sr); }
}
