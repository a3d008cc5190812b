// Thin-seam STM32 USART driver: the whole protocol runs in wasm, the bridge
// only grants the register window and the interrupt line (wit: driver-thin, and driver-thin-lists with uart-write and uart-read).
// GUST_UART_LISTS (a node's `defines`, with world driver-thin-lists) adds
// uart-write and uart-read; without it the module is driver-thin's alone.
#ifdef GUST_UART_LISTS
#include <gust/driver-thin-lists.h>
#else
#include <gust/driver-thin.h>
#endif

#include "usart.h"

using namespace usart;

extern "C" {

// Enables the USART for 8N1 at `baud` from a peripheral clock of `pclk_hz`,
// with the receive interrupt on. A zero baud rate leaves the USART off.
GUST_EXPORT("uart_init") void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  // BRR holds USARTDIV in 12.4 fixed point, which is pclk / baud rounded.
  gust_hal_mmio__write32(BRR, (pclk_hz + baud / 2) / baud);
  gust_hal_mmio__write32(CR1, CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE);
}

// Waits for the transmit data register to empty, then sends one byte.
// GUST_MUTANT_NO_TXE_WAIT builds a mutant that skips the wait, for the
// proofs to catch; no shipped build defines it.
GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t byte) {
#ifndef GUST_MUTANT_NO_TXE_WAIT
  while (!(gust_hal_mmio__read32(SR) & SR_TXE)) {
  }
#endif
  gust_hal_mmio__write32(DR, byte);
}

// One received byte, UART_RX_EMPTY when none, UART_RX_FAULT when the byte
// arrived with an error flag (it is drained, which clears the flag).
GUST_EXPORT("uart_rx") int32_t uart_rx() {
  usart_rx_action action = usart_rx_decide(gust_hal_mmio__read32(SR));
  if (action == USART_RX_NONE) return UART_RX_EMPTY;
  uint32_t dr = gust_hal_mmio__read32(DR);
  if (action == USART_RX_ERROR) return UART_RX_FAULT;
  return static_cast<int32_t>(dr & 0xFF);
}

// True once the receive interrupt has fired since the last call.
GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return gust_hal_irq__poll(0); }

#ifdef GUST_UART_LISTS
// gust:drivers/uart-lists (world driver-thin-lists): a block out, and what
// has arrived, up to `max`, in one call each. Across instances the block is
// a copy in this instance's region (gust build's wiring adapter).
GUST_EXPORT("uart_write") void uart_write(const uint8_t* bytes, uint32_t bytes_len) {
  for (uint32_t i = 0; i < bytes_len; ++i) uart_tx_byte(bytes[i]);
}

GUST_EXPORT("uart_read") uint32_t uart_read(uint32_t max, uint8_t* out) {
  uint32_t n = 0;
  for (int32_t c; n < max && (c = uart_rx()) != UART_RX_EMPTY;)
    if (c >= 0) out[n++] = static_cast<uint8_t>(c);
  return n;
}
#endif

// The decision itself, exported so that proofs and tests reach it directly.
GUST_EXPORT("usart_rx_decide") int32_t usart_rx_decide_export(uint32_t sr) { return usart_rx_decide(sr); }
}
