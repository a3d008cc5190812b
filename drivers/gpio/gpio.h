// The STM32F1 GPIO port's registers (RM0041 section 7.2) and the gpio
// driver's pure decisions, shared by the driver, its proofs and the tests.
#pragma once
#include <stdint.h>

namespace gpio {

// Register offsets inside a port's window (GPIOA 0x40010800 ... GPIOC 0x40011000).
constexpr uint32_t CRL = 0x00;   // pins 0-7: 4 bits each, CNF[1:0] MODE[1:0]
constexpr uint32_t CRH = 0x04;   // pins 8-15
constexpr uint32_t IDR = 0x08;   // input data
constexpr uint32_t ODR = 0x0C;   // output data (for an input with pull: 1 up, 0 down)
constexpr uint32_t BSRR = 0x10;  // bits 0-15 set ODR bits, 16-31 reset them
constexpr uint32_t BRR = 0x14;   // bits 0-15 reset ODR bits

constexpr uint32_t kPins = 16;

// gust:drivers/gpio's modes.
constexpr uint8_t MODE_INPUT = 0;
constexpr uint8_t MODE_OUTPUT = 1;
constexpr uint8_t MODE_INPUT_PULL_DOWN = 2;
constexpr uint8_t MODE_INPUT_PULL_UP = 3;

// A pin's 4 configuration bits (RM0041 table 16), CNF << 2 | MODE.
constexpr uint32_t CFG_INPUT_FLOATING = 0x4;  // CNF 01, MODE 00
constexpr uint32_t CFG_OUTPUT_PP_2MHZ = 0x2;  // CNF 00, MODE 10
constexpr uint32_t CFG_INPUT_PULL = 0x8;      // CNF 10, MODE 00: ODR chooses up or down
constexpr uint32_t CFG_AF_PP_50MHZ = 0xB;     // CNF 10, MODE 11: alternate function push-pull

}  // namespace gpio

// The configuration bits of gust:drivers/gpio's `mode`, or -1 for a mode it
// does not have.
static inline int32_t gpio_mode_bits(uint8_t mode) {
  switch (mode) {
    case gpio::MODE_INPUT:
      return gpio::CFG_INPUT_FLOATING;
    case gpio::MODE_OUTPUT:
      return gpio::CFG_OUTPUT_PP_2MHZ;
    case gpio::MODE_INPUT_PULL_DOWN:
    case gpio::MODE_INPUT_PULL_UP:
      return gpio::CFG_INPUT_PULL;
    default:
      return -1;
  }
}

// `reg` (CRL or CRH's value) with pin's 4 bits replaced by `bits`, the
// other 28 kept. `pin` 0..15; the register is CRL below 8, CRH from 8.
//
// GUST_GPIO_MUTANT_WIDE_MASK builds a mutant that clears a byte, not a
// nibble: it changes the next pin's configuration.
static inline uint32_t gpio_config_merge(uint32_t reg, uint32_t pin, uint32_t bits) {
  const uint32_t shift = (pin & 7) * 4;
#ifdef GUST_GPIO_MUTANT_WIDE_MASK
  return (reg & ~(0xFFu << shift)) | (bits << shift);
#endif
  return (reg & ~(0xFu << shift)) | ((bits & 0xF) << shift);
}
