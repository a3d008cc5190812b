// Kernel: a SysTick delay (load, start, poll COUNTFLAG) and a wrap-safe
// timeout check. Registers: ARM DDI0337 SysTick CTRL 0x0, LOAD 0x4, VAL 0x8.
#include <gust/driver-thin.h>

namespace {
constexpr uint32_t CTRL = 0x0, LOAD = 0x4, VAL = 0x8;
constexpr uint32_t ENABLE = 1u << 0, CLKSOURCE = 1u << 2, COUNTFLAG = 1u << 16;
}  // namespace

extern "C" {
GUST_EXPORT("delay_ticks") void delay_ticks(uint32_t ticks) {
  if (ticks == 0) return;
  gust_hal_mmio__write32(LOAD, (ticks - 1) & 0xFFFFFF);
  gust_hal_mmio__write32(VAL, 0);
  gust_hal_mmio__write32(CTRL, ENABLE | CLKSOURCE);
  while (!(gust_hal_mmio__read32(CTRL) & COUNTFLAG)) {
  }
  gust_hal_mmio__write32(CTRL, 0);
}

GUST_EXPORT("timeout_expired") bool timeout_expired(uint32_t start, uint32_t now, uint32_t limit) {
  return now - start >= limit;
}
}
