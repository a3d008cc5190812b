/* The fault test node's application (tests/debug/fault.toml): prints its
 * banner and echoes like the echo app, until it receives a command byte:
 *   'b'  reads an address that nothing is mapped at: a bus fault, escalated
 *        to a HardFault, in native code;
 *   'l'  masks faults (FAULTMASK) and then executes an undefined instruction:
 *        the fault cannot be taken, and the core locks up.
 * Used by tests/debug_qemu_test.sh (qemu.debug.fault, qemu.debug.lockup). */
#include <stdbool.h>
#include <stdint.h>

void console_uart_init(uint32_t pclk_hz, uint32_t baud);
void console_uart_tx_byte(uint8_t byte);
int32_t console_uart_rx(void);
bool console_uart_rx_fired(void);

enum { PCLK2_HZ = 8000000, BAUD = 115200 };

static void print(const char *s) {
  while (*s) console_uart_tx_byte((uint8_t)*s++);
}

/* Nothing answers at 0x30000000 on the STM32F100 (between SRAM's bit-band
 * alias and the peripherals). */
static uint32_t read_unmapped(void) {
  volatile uint32_t *const nowhere = (volatile uint32_t *)0x30000000u;
  return *nowhere; /* fault-app: the bus fault */
}

static void lock_up(void) {
  __asm volatile("cpsid f");
  __asm volatile("udf #0"); /* fault-app: the lockup */
}

int main(void) {
  console_uart_init(PCLK2_HZ, BAUD);
  print("fault-app\r\n");
  for (;;) {
    if (!console_uart_rx_fired()) continue;
    for (int32_t c; (c = console_uart_rx()) != -1;) {
      if (c == 'b') {
        print("fault-app: reading nowhere\r\n");
        console_uart_tx_byte((uint8_t)read_unmapped());
      } else if (c == 'l') {
        print("fault-app: locking up\r\n");
        lock_up();
      } else if (c >= 0) {
        console_uart_tx_byte((uint8_t)c);
      }
    }
  }
}
