/* The echo app with one more frame at its deepest point: nine words pushed
 * by hand below main's 8-aligned frame, so that SP % 8 == 4 there and an
 * interrupt taken there gets the 4-byte STKALIGN pad (tests/stack_measure_test.cpp). */
#include <stdbool.h>
#include <stdint.h>

void console_uart_init(uint32_t pclk_hz, uint32_t baud);
void console_uart_tx_byte(uint8_t byte);
int32_t console_uart_rx(void);
bool console_uart_rx_fired(void);

__attribute__((noinline)) static void odd_frame(void) {
  __asm volatile("push {r0-r7, lr}\n\tnop\n\tnop\n\tpop {r0-r7, lr}" ::: "memory");
}

int main(void) {
  console_uart_init(8000000, 115200);
  odd_frame();
  for (const char* s = "gust-odd\r\n"; *s; ++s) console_uart_tx_byte((uint8_t)*s);
  for (;;) {
    if (!console_uart_rx_fired()) continue;
    for (int32_t c; (c = console_uart_rx()) != -1;)
      if (c >= 0) console_uart_tx_byte((uint8_t)c);
  }
}
