// Proof harnesses for the GPIO driver (gpio.cpp, gpio.h), run by `gust prove`
// against the driver module that ships. Every seam read returns any value
// (so every prior CRL/CRH content); the trace records each seam call.
#include <gust/prove.h>

#include "gpio.h"

using namespace gpio;

extern "C" {
GUST_DRIVER_IMPORT("gpio_configure") void driver_gpio_configure(uint32_t pin, uint8_t mode);
GUST_DRIVER_IMPORT("gpio_set") void driver_gpio_set(uint32_t pin);
GUST_DRIVER_IMPORT("gpio_clear") void driver_gpio_clear(uint32_t pin);
GUST_DRIVER_IMPORT("gpio_read") bool driver_gpio_read(uint32_t pin);
}

namespace {
bool is_write(uint32_t i, uint32_t offset, uint32_t value) {
  return gust_trace_call(i) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(i) == offset && gust_trace_value(i) == value;
}
}  // namespace

// For all pins, all modes and every prior register value: a pin 0..15 with
// one of the four modes reads its own CR register once and writes it back
// once with only its 4 bits changed, to the mode's bits; a pull mode then
// writes its one ODR bit (up through BSRR, down through BRR). Any other pin
// or mode touches nothing.
GUST_PROOF(gpio_configure_touches_only_its_pin) {
  const uint32_t pin = gust_any_u32();
  const uint8_t mode = uint8_t(gust_any_u32());
  driver_gpio_configure(pin, mode);
  const uint32_t n = gust_trace_len();
  if (pin >= kPins || mode > MODE_INPUT_PULL_UP) {
    gust_assert(n == 0, 1);
    return;
  }
  const uint32_t cr = pin < 8 ? CRL : CRH, shift = (pin & 7) * 4, mask = 0xFu << shift;
  const bool pull = mode == MODE_INPUT_PULL_DOWN || mode == MODE_INPUT_PULL_UP;
  gust_assert(n == (pull ? 3u : 2u), 2);
  gust_assert(gust_trace_call(0) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(0) == cr, 3);
  gust_assert(gust_trace_call(1) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(1) == cr, 4);
  const uint32_t before = gust_trace_value(0), after = gust_trace_value(1);
  gust_assert((after & ~mask) == (before & ~mask), 5);  // the other 28 bits as they were
  const uint32_t want = mode == MODE_INPUT    ? CFG_INPUT_FLOATING
                        : mode == MODE_OUTPUT ? CFG_OUTPUT_PP_2MHZ
                                              : CFG_INPUT_PULL;
  gust_assert(((after & mask) >> shift) == want, 6);
  if (mode == MODE_INPUT_PULL_UP) gust_assert(is_write(2, BSRR, 1u << pin), 7);
  if (mode == MODE_INPUT_PULL_DOWN) gust_assert(is_write(2, BRR, 1u << pin), 8);
}

// For all pins: set writes BSRR and clear writes BRR, once, with the pin's
// one bit (so no other pin changes); any pin from 16 on touches nothing.
GUST_PROOF(gpio_set_clear_write_one_bit) {
  const uint32_t pin = gust_any_u32();
  const bool set = gust_any_u32() & 1;
  if (set)
    driver_gpio_set(pin);
  else
    driver_gpio_clear(pin);
  if (pin >= kPins) {
    gust_assert(gust_trace_len() == 0, 10);
    return;
  }
  gust_assert(gust_trace_len() == 1, 11);
  gust_assert(is_write(0, set ? BSRR : BRR, 1u << pin), 12);
}

// For all pins and IDR values: read is IDR's bit of the pin, from one read
// of IDR; from pin 16 on it is false and reads nothing.
GUST_PROOF(gpio_read_is_the_idr_bit) {
  const uint32_t pin = gust_any_u32();
  const bool v = driver_gpio_read(pin);
  if (pin >= kPins) {
    gust_assert(!v && gust_trace_len() == 0, 20);
    return;
  }
  gust_assert(gust_trace_len() == 1 && gust_trace_call(0) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(0) == IDR, 21);
  gust_assert(v == (((gust_trace_value(0) >> pin) & 1) != 0), 22);
}
