// GPIO port driver, thin seam (wit: driver-gpio): one port's pins configured,
// set, cleared and read through its register window; the port's RCC clock is
// the chip description's, which the bridge enables at start-up. Pins outside
// 0..15 and modes gust:drivers/gpio lacks do nothing.
#include "gpio.h"

#include <gust/driver-gpio.h>

using namespace gpio;

namespace {
// GUST_GPIO_MUTANT_NO_RANGE_CHECK builds a mutant without it: pin 16 then
// lands on pin 8's bits, and BSRR's bit 16 resets pin 0.
bool in_range(uint32_t pin) {
#ifdef GUST_GPIO_MUTANT_NO_RANGE_CHECK
  (void)pin;
  return true;
#endif
  return pin < kPins;
}
}  // namespace

extern "C" {

// The pin's 4 bits of CRL or CRH, read, changed and written back; for an
// input with pull, ODR's bit then chooses up (BSRR) or down (BRR).
GUST_EXPORT("gpio_configure") void gpio_configure(uint32_t pin, uint8_t mode) {
  const int32_t bits = gpio_mode_bits(mode);
  if (!in_range(pin) || bits < 0) return;
  const uint32_t cr = pin < 8 ? CRL : CRH;
  gust_hal_mmio__write32(cr, gpio_config_merge(gust_hal_mmio__read32(cr), pin, uint32_t(bits)));
  if (mode == MODE_INPUT_PULL_UP) gust_hal_mmio__write32(BSRR, 1u << pin);
  if (mode == MODE_INPUT_PULL_DOWN) gust_hal_mmio__write32(BRR, 1u << pin);
}

// BSRR and BRR change one ODR bit atomically: no read-modify-write of ODR
// that an interrupt could split.
GUST_EXPORT("gpio_set") void gpio_set(uint32_t pin) {
  if (in_range(pin)) gust_hal_mmio__write32(BSRR, 1u << pin);
}

GUST_EXPORT("gpio_clear") void gpio_clear(uint32_t pin) {
  if (in_range(pin)) gust_hal_mmio__write32(BRR, 1u << pin);
}

GUST_EXPORT("gpio_read") bool gpio_read(uint32_t pin) {
  if (!in_range(pin)) return false;
  return (gust_hal_mmio__read32(IDR) >> pin) & 1;
}
}
