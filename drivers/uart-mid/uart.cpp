// Mid-seam UART driver: the bridge moves bytes (wit: uart-byte); the line
// discipline and the error policy stay in wasm. Line discipline: a lone "\n"
// goes out as "\r\n", and a received "\r" comes in as "\n" (so Enter echoes
// a new line). Error policy: a byte that arrived with an error flag is dropped.
#include <gust/driver-mid.h>

#include "../uart-thin/usart.h"

namespace {
uint8_t last_sent;  // in linear memory: the line discipline's one byte of state
}

extern "C" {

GUST_EXPORT("uart_init") void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;  // leaves the USART off
  gust_hal_uart_byte__init(pclk_hz, baud);
}

GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t byte) {
  if (byte == '\n' && last_sent != '\r') gust_hal_uart_byte__tx('\r');
  gust_hal_uart_byte__tx(byte);
  last_sent = byte;
}

GUST_EXPORT("uart_rx") int32_t uart_rx() {
  const int32_t byte = gust_hal_uart_byte__rx();
  if (byte < 0) return UART_RX_EMPTY;
  if (gust_hal_uart_byte__rx_errors() & usart::SR_ERRORS) return UART_RX_FAULT;
  return byte == '\r' ? '\n' : byte;
}

GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return gust_hal_uart_byte__rx_ready(); }
}
