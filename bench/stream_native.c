/* bench/stream's native baseline: the same USART2 RX handler and 256-byte
 * ring as drivers/uart-irq (uart.cpp, ring.h), in plain C compiled by
 * arm-none-eabi-gcc -Os, with the registers reached directly. */
#include <stdint.h>

#define USART2 0x40004400u
#define SR (*(volatile uint32_t*)(USART2 + 0x00))
#define DR (*(volatile uint32_t*)(USART2 + 0x04))
enum { SR_PE = 1, SR_FE = 2, SR_NE = 4, SR_ORE = 8, SR_RXNE = 32, CAP = 256 };

static volatile uint32_t head, tail, dropped, overruns, errors;
static uint8_t slot[CAP];

void native_isr(void) {
  const uint32_t sr = SR;
  if (!(sr & (SR_RXNE | SR_ORE))) return;
  const uint32_t dr = DR;
  if (sr & SR_ORE) overruns = overruns + 1;
  if (sr & (SR_PE | SR_FE | SR_NE)) {
    errors = errors + 1;
    return;
  }
  const uint32_t h = head;
  if (h - tail >= CAP) {
    dropped = dropped + 1;
    return;
  }
  slot[h & (CAP - 1)] = (uint8_t)dr;
  __asm__ volatile("" ::: "memory"); /* the slot before head, as the wasm ring's release store */
  head = h + 1;
}

int32_t native_pop(void) {
  const uint32_t t = tail;
  if (head == t) return -1;
  __asm__ volatile("" ::: "memory");
  const uint8_t b = slot[t & (CAP - 1)];
  tail = t + 1;
  return b;
}
