// Kernel: a polled SPI transfer loop (STM32 SPI: SR 0x08 with TXE bit 1 and
// RXNE bit 0, DR 0x0C), keeping what it receives.
#include <gust/driver-thin.h>

namespace {
constexpr uint32_t SR = 0x08, DR = 0x0C, RXNE = 1u << 0, TXE = 1u << 1;
constexpr uint32_t kMax = 16;
uint8_t received[kMax];
}  // namespace

extern "C" {
GUST_EXPORT("spi_xfer") uint32_t spi_xfer(uint32_t n, uint32_t first) {
  if (n > kMax) n = kMax;
  uint32_t sum = 0;
  for (uint32_t i = 0; i < n; ++i) {
    while (!(gust_hal_mmio__read32(SR) & TXE)) {
    }
    gust_hal_mmio__write32(DR, (first + i) & 0xFF);
    while (!(gust_hal_mmio__read32(SR) & RXNE)) {
    }
    const uint8_t byte = uint8_t(gust_hal_mmio__read32(DR));
    received[i] = byte;
    sum += byte;
  }
  return sum;
}
}
