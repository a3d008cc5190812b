// SPI master driver, thin seam (wit: driver-spi): 8-bit full-duplex
// transfers on one SPI controller through its register window. The chip
// select is the controller's NSS pin, driven by hardware (CR2.SSOE): low
// while SPE is set, so spi_select turns the controller on and off. The
// controller's RCC clock and its pins' alternate-function setup are the
// chip description's, which the bridge applies at start-up.
#include "spi.h"

#include <gust/driver-spi.h>

using namespace spi;

namespace {
uint32_t cr1 = 0;  // the configuration spi_init chose, SPE clear; 0 before
}  // namespace

extern "C" {

// Master, `mode` (CPOL << 1 | CPHA), clock pclk / 2^(divider + 1), 8-bit
// frames MSB first; left off (NSS high) until spi_select(true). A mode or
// divider out of range writes nothing.
GUST_EXPORT("spi_init") void spi_init(uint8_t mode, uint8_t divider) {
  const uint32_t v = spi_cr1(mode, divider);
  if (v == 0) return;
  cr1 = v;
  gust_hal_mmio__write32(CR1, 0);  // CPOL/CPHA/BR change only with SPE clear
  gust_hal_mmio__write32(CR2, CR2_SSOE);
  gust_hal_mmio__write32(CR1, cr1);
}

// Asserting the chip select enables the controller (NSS low); releasing it
// waits for the last frame to leave (BSY clear), then disables it.
GUST_EXPORT("spi_select") void spi_select(bool on) {
  if (cr1 == 0) return;
  if (on) {
    gust_hal_mmio__write32(CR1, cr1 | CR1_SPE);
    return;
  }
  while (gust_hal_mmio__read32(SR) & SR_BSY) {
  }
  gust_hal_mmio__write32(CR1, cr1);
}

// Waits for TXE, sends the byte, waits for RXNE and returns DR's low byte,
// the byte clocked in meanwhile (reading DR clears RXNE).
GUST_EXPORT("spi_transfer_byte") uint8_t spi_transfer_byte(uint8_t byte) {
  while (!(gust_hal_mmio__read32(SR) & SR_TXE)) {
  }
  gust_hal_mmio__write32(DR, byte);
#ifndef GUST_SPI_MUTANT_NO_RXNE_WAIT
  while (!(gust_hal_mmio__read32(SR) & SR_RXNE)) {
  }
#endif
  return uint8_t(gust_hal_mmio__read32(DR));
}

// A buffer, full duplex: each byte of `bytes` sent in order, the byte
// clocked in meanwhile stored at the same index of `out` while fewer than
// `max` are (the caller's buffer; the rest are clocked in and dropped).
// Across instances both are copies in this instance's region (gust build's
// wiring adapter), at most the transfer buffer's 64 bytes a call.
GUST_EXPORT("spi_transfer") uint32_t spi_transfer(const uint8_t* bytes, uint32_t bytes_len, uint32_t max,
                                                  uint8_t* out) {
  for (uint32_t i = 0; i < bytes_len; ++i) {
    const uint8_t in = spi_transfer_byte(bytes[i]);
    if (i < max) out[i] = in;
  }
  return bytes_len < max ? bytes_len : max;
}
}
