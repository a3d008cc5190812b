// Kernel: parse and validate a CCSDS space packet primary header (CCSDS
// 133.0-B: version 3 bits, type, secondary header flag, APID 11 bits,
// sequence flags 2 bits, sequence count 14 bits, data length 16 bits).
#include <gust/driver-thin.h>

namespace {
uint8_t hdr[6];
}  // namespace

extern "C" {
GUST_EXPORT("ccsds_put") void ccsds_put(uint32_t i, uint8_t byte) { hdr[i % 6] = byte; }

// The sequence count of a valid telecommand packet for `apid`, or a negative
// reason: -1 version, -2 not a telecommand, -3 wrong APID, -4 segmented,
// -5 longer than the 1 KiB the node accepts.
GUST_EXPORT("ccsds_parse") int32_t ccsds_parse(uint32_t apid) {
  const uint32_t word0 = uint32_t(hdr[0]) << 8 | hdr[1];
  const uint32_t word1 = uint32_t(hdr[2]) << 8 | hdr[3];
  const uint32_t length = (uint32_t(hdr[4]) << 8 | hdr[5]) + 1;
  if (word0 >> 13) return -1;
  if (!((word0 >> 12) & 1)) return -2;
  if ((word0 & 0x7FF) != apid) return -3;
  if ((word1 >> 14) != 3) return -4;
  if (length > 1024) return -5;
  return int32_t(word1 & 0x3FFF);
}
}
