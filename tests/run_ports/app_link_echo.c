/* Two UARTs: banner on the console, every byte received on the link is sent
 * back on the link and shown on the console. */
#include <stdbool.h>
#include <stdint.h>
void console_uart_init(uint32_t pclk_hz, uint32_t baud);
void console_uart_tx_byte(uint8_t byte);
void link_uart_init(uint32_t pclk_hz, uint32_t baud);
void link_uart_tx_byte(uint8_t byte);
int32_t link_uart_rx(void);
bool link_uart_rx_fired(void);
int main(void) {
  console_uart_init(8000000, 115200);
  link_uart_init(8000000, 115200);
  for (const char* s = "two-uarts\r\n"; *s; ++s) console_uart_tx_byte((uint8_t)*s);
  for (;;) {
    for (int32_t c; (c = link_uart_rx()) != -1;)
      if (c >= 0) { link_uart_tx_byte((uint8_t)c); console_uart_tx_byte((uint8_t)c); }
  }
}
