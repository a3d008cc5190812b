/* Issue 10's misrounded addition in the QEMU image: native code that the
 * image links with gust's soft-float helpers (firmware/softfloat). Prints
 * the bits of -0x1p63 + 1885324804 (libgcc's __aeabi_dadd gives
 * c3dfffffffe3e80f), of a float tie and of a conversion, then idles. */
#include <stdint.h>
#include <string.h>

void console_uart_init(uint32_t pclk_hz, uint32_t baud);
void console_uart_tx_byte(uint8_t byte);

enum { PCLK2_HZ = 8000000, BAUD = 115200 };

static void print(const char *s) {
  while (*s) console_uart_tx_byte((uint8_t)*s++);
}

static void print_hex(uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) console_uart_tx_byte((uint8_t)"0123456789abcdef"[(v >> (4 * i)) & 15]);
}

/* volatile: the compiler must not fold the arithmetic. */
static volatile double a = -0x1p63, b = 1885324804.0;
static volatile float tie_a = 0x1.000002p0f, tie_b = 0x1p-24f;
static volatile int64_t big = 0x7fffffffffffffff;

int main(void) {
  console_uart_init(PCLK2_HZ, BAUD);
  const double sum = a + b;
  const float tie = tie_a + tie_b;
  const double conv = (double)big;
  uint64_t sum_bits, conv_bits;
  uint32_t tie_bits;
  memcpy(&sum_bits, &sum, 8);
  memcpy(&tie_bits, &tie, 4);
  memcpy(&conv_bits, &conv, 8);
  print("dadd ");
  print_hex(sum_bits, 16);
  print(" fadd ");
  print_hex(tie_bits, 8);
  print(" l2d ");
  print_hex(conv_bits, 16);
  print("\r\n");
  for (;;) {
  }
}
