/* The bench's bridge: the thin seam over one 1 KiB register window at
 * 0x40010000 (the emulator's device model), as the firmware bridge does it.
 * Every build of every kernel calls these, so they count alike. Built
 * separately, or as LLVM bitcode for the bridge-inlining lever. */
#include <stdbool.h>
#include <stdint.h>

#define WINDOW 0x40010000u
#define WINDOW_SIZE 0x400u
void gust_trap(unsigned code) __attribute__((noreturn));

uint32_t gust_hal_mmio__read32(uint32_t off) {
  if (off & ~(WINDOW_SIZE - 4u)) gust_trap(10);
  return *(volatile uint32_t*)(WINDOW + off);
}

void gust_hal_mmio__write32(uint32_t off, uint32_t value) {
  if (off & ~(WINDOW_SIZE - 4u)) gust_trap(10);
  *(volatile uint32_t*)(WINDOW + off) = value;
}

/* The interrupt latch is a register of the model here (offset 0x3F0). */
bool gust_hal_irq__poll(uint32_t line) {
  if (line != 0) gust_trap(11);
  return *(volatile uint32_t*)(WINDOW + 0x3F0u) & 1u;
}
