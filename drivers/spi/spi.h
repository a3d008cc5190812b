// The STM32F1 SPI controller's registers (RM0041 section 22.5) and the spi
// driver's pure decisions, shared by the driver, its proofs and the tests.
#pragma once
#include <stdint.h>

namespace spi {

// Register offsets inside the SPI window (SPI1 0x40013000, SPI2 0x40003800).
constexpr uint32_t CR1 = 0x00;
constexpr uint32_t CR2 = 0x04;
constexpr uint32_t SR = 0x08;
constexpr uint32_t DR = 0x0C;

// CR1 bits.
constexpr uint32_t CR1_CPHA = 1u << 0;
constexpr uint32_t CR1_CPOL = 1u << 1;
constexpr uint32_t CR1_MSTR = 1u << 2;
constexpr uint32_t CR1_BR_SHIFT = 3;  // BR[2:0]: pclk / 2^(BR + 1)
constexpr uint32_t CR1_SPE = 1u << 6;

// CR2 bits.
constexpr uint32_t CR2_SSOE = 1u << 2;  // NSS driven low while SPE is set, in master mode

// SR bits.
constexpr uint32_t SR_RXNE = 1u << 0;
constexpr uint32_t SR_TXE = 1u << 1;
constexpr uint32_t SR_BSY = 1u << 7;

}  // namespace spi

// CR1 for master mode `mode` (CPOL << 1 | CPHA, 0..3) and clock divider
// `divider` (0..7), SPE clear; 0 for a mode or divider out of range.
//
// GUST_SPI_MUTANT_SWAP_CPOL_CPHA builds a mutant with CPOL and CPHA
// swapped, which the proofs must catch.
static inline uint32_t spi_cr1(uint8_t mode, uint8_t divider) {
  if (mode > 3 || divider > 7) return 0;
#ifdef GUST_SPI_MUTANT_SWAP_CPOL_CPHA
  mode = uint8_t(((mode & 1) << 1) | (mode >> 1));
#endif
  return spi::CR1_MSTR | (uint32_t(divider) << spi::CR1_BR_SHIFT) | (mode & 1 ? spi::CR1_CPHA : 0) |
         (mode & 2 ? spi::CR1_CPOL : 0);
}
