/* Banner on the console, then every byte the USART2 receive ring hands out
 * is shown on the console; the ring is filled by the driver's wasm handler. */
#include <stdint.h>
void console_uart_init(uint32_t pclk_hz, uint32_t baud);
void console_uart_tx_byte(uint8_t byte);
void rx_uart_init(uint32_t pclk_hz, uint32_t baud);
int32_t rx_uart_rx(void);
int main(void) {
  console_uart_init(8000000, 115200);
  rx_uart_init(8000000, 115200);
  for (const char* s = "irq-echo\r\n"; *s; ++s) console_uart_tx_byte((uint8_t)*s);
  for (;;)
    for (int32_t c; (c = rx_uart_rx()) != -1;) console_uart_tx_byte((uint8_t)c);
}
