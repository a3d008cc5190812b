/* The bridge's one shared function: where every wasm trap ends. Interrupts
 * are masked and the core sleeps; the trap code stays in r0 for a debugger. */
#include "gust/trap.h"

void gust_trap(unsigned code) {
  __asm volatile("cpsid i" ::: "memory");
  for (;;) __asm volatile("wfi" ::"r"(code));
}
