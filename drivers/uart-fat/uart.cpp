// Fat-seam UART driver: the bridge owns the USART, its interrupt and a ring
// buffer each way (wit: uart-block); wasm keeps only the app-level calls.
#include <gust/driver-fat.h>

#include "../uart-thin/usart.h"

namespace {
uint8_t staging;  // the one byte a call moves, in linear memory where the bridge can reach it
}

extern "C" {

GUST_EXPORT("uart_init") void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  gust_hal_uart_block__init(pclk_hz, baud);
}

GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t byte) {
  staging = byte;
  gust_hal_uart_block__write(&staging, 1);
}

GUST_EXPORT("uart_rx") int32_t uart_rx() {
  return gust_hal_uart_block__read(1, &staging) ? int32_t(staging) : UART_RX_EMPTY;
}

// The rings hide the interrupt: the app may always ask.
GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return true; }
}
