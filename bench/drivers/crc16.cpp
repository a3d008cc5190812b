// Kernel: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over a buffer, bit
// by bit as a small driver would, without a table.
#include <gust/driver-thin.h>

namespace {
constexpr uint32_t kMax = 32;
uint8_t data[kMax];
}  // namespace

extern "C" {
GUST_EXPORT("crc_put") void crc_put(uint32_t i, uint8_t byte) { data[i % kMax] = byte; }

GUST_EXPORT("crc16_ccitt") uint32_t crc16_ccitt(uint32_t len) {
  if (len > kMax) len = kMax;
  uint16_t crc = 0xFFFF;
  for (uint32_t i = 0; i < len; ++i) {
    crc ^= uint16_t(data[i] << 8);
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000) ? uint16_t((crc << 1) ^ 0x1021) : uint16_t(crc << 1);
  }
  return crc;
}
}
