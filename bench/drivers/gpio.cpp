// Kernel: a bit pattern on one GPIO pin through BSRR (set in the low half,
// reset in the high half; STM32F1 GPIO: ODR 0x0C, BSRR 0x10), and a toggle.
#include <gust/driver-thin.h>

namespace {
constexpr uint32_t ODR = 0x0C, BSRR = 0x10, PIN = 5;
}  // namespace

extern "C" {
GUST_EXPORT("gpio_pattern") void gpio_pattern(uint32_t pattern, uint32_t bits) {
  for (uint32_t i = 0; i < bits && i < 32; ++i)
    gust_hal_mmio__write32(BSRR, (pattern >> i) & 1 ? 1u << PIN : 1u << (PIN + 16));
}

GUST_EXPORT("gpio_toggle") void gpio_toggle() {
  const uint32_t odr = gust_hal_mmio__read32(ODR);
  gust_hal_mmio__write32(BSRR, odr & (1u << PIN) ? 1u << (PIN + 16) : 1u << PIN);
}
}
