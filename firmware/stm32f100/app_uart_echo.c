/* The node's application: prints its banner on the console UART, then echoes
 * every byte it receives. All USART logic is in the dissolved driver. */
#include <stdbool.h>
#include <stdint.h>

#ifndef GUST_BANNER
#define GUST_BANNER "gust"
#endif

/* The console instance of the dissolved uart driver (see the node manifest). */
void console_uart_init(uint32_t pclk_hz, uint32_t baud);
void console_uart_tx_byte(uint8_t byte);
int32_t console_uart_rx(void);
bool console_uart_rx_fired(void);

enum { PCLK2_HZ = 8000000, BAUD = 115200 }; /* HSI after reset, no PLL */

static void print(const char *s) {
  while (*s) console_uart_tx_byte((uint8_t)*s++);
}

int main(void) {
  console_uart_init(PCLK2_HZ, BAUD);
  print(GUST_BANNER "\r\n");
  for (;;) {
    if (!console_uart_rx_fired()) continue;
    for (int32_t c; (c = console_uart_rx()) != -1;)
      if (c >= 0) console_uart_tx_byte((uint8_t)c);
  }
}
