// Proof harnesses for the relay's framer (framer.cpp), run by `gust prove`
// against the module that ships: every byte of the stream is any byte at all.
#include <gust/prove.h>

#include "ccsds.h"

extern "C" {
GUST_DRIVER_IMPORT("ccsds_push") uint32_t framer_push(uint32_t byte);
GUST_DRIVER_IMPORT("ccsds_poll") uint32_t framer_poll();
GUST_DRIVER_IMPORT("ccsds_len") uint32_t framer_len();
GUST_DRIVER_IMPORT("ccsds_ok") uint32_t framer_ok();
GUST_DRIVER_IMPORT("ccsds_bad") uint32_t framer_bad();
GUST_DRIVER_IMPORT("ccsds_resync") uint32_t framer_resync();
GUST_DRIVER_IMPORT("ccsds_buffered") uint32_t framer_buffered();
}

namespace {

uint8_t any_byte() {
  const uint32_t v = gust_any_u32();
  gust_assume(v < 256);
  return uint8_t(v);
}

// Pushes one byte and polls until the framer wants more, counting events.
// Returns the last event seen (kNone when the byte ended no packet).
uint32_t feed(uint8_t byte, uint32_t& events) {
  gust_assert(framer_push(byte) == 1, 1);  // polled after every push, so the byte is always taken
  uint32_t last = ccsds::kNone;
  for (uint32_t e; (e = framer_poll()) != ccsds::kNone;) {
    ++events;
    last = e;
  }
  return last;
}

}  // namespace

// A marker and then 8 arbitrary bytes, exactly the shortest packet (a data
// field of just the CRC): the framer reports a good packet only when the
// header is valid and the CRC matches, a bad-CRC packet only when the header
// is valid and the CRC does not; both are reachable, and the counters agree
// with the events.
GUST_PROOF(framer_good_only_with_its_crc) {
  uint8_t b[8];
  uint32_t events = 0, last = ccsds::kNone;
  for (uint8_t m : ccsds::kMarker) feed(m, events);
  for (uint32_t i = 0; i < 8; ++i) {
    b[i] = any_byte();
    last = feed(b[i], events);
    if (i < 7) gust_assert(events == 0, 2);  // no packet before its last byte
  }
  uint16_t crc = 0xFFFF;
  for (uint32_t i = 0; i < 6; ++i) crc = ccsds::crc16_update(crc, b[i]);
  const bool header_ok = (b[0] >> 5) == 0 && b[4] == 0 && b[5] == 1;  // version 0, data length 1
  const bool crc_ok = (uint32_t(b[6]) << 8 | b[7]) == crc;
  gust_assert((last == ccsds::kGood) == (header_ok && crc_ok), 3);
  gust_assert((last == ccsds::kBadCrc) == (header_ok && !crc_ok), 4);
  if (last == ccsds::kGood) gust_assert(framer_len() == 8 && framer_buffered() == 0, 5);
  gust_assert(framer_ok() + framer_bad() == events, 6);
  gust_cover(last == ccsds::kGood, 7);
  gust_cover(last == ccsds::kBadCrc, 8);
}

// Any NEVER_TRAPS_BYTES bytes: no trap, every byte is taken, the candidate
// never holds more than what was pushed, and the counters agree with the
// events. 12 bytes hold a marker and the shortest packet.
#ifndef NEVER_TRAPS_BYTES
#define NEVER_TRAPS_BYTES 12
#endif
GUST_PROOF(framer_never_traps_on_any_bytes) {
  uint32_t events = 0;
  for (uint32_t i = 0; i < NEVER_TRAPS_BYTES; ++i) {
    feed(any_byte(), events);
    gust_assert(framer_buffered() <= i + 1, 10);
  }
  gust_assert(framer_ok() + framer_bad() == events, 11);
  gust_cover(framer_ok() == 1, 12);
  gust_cover(framer_resync() == 1, 13);
}

// A marker and a header the rules reject (any version but 0, or a length
// over the maximum), then a good packet: the header is counted as a resync
// and the good packet that follows is reported, not swallowed.
GUST_PROOF(framer_resumes_after_a_rejected_header) {
  uint32_t events = 0;
  for (uint8_t m : ccsds::kMarker) feed(m, events);
  uint8_t h[6];
  for (uint8_t& x : h) x = any_byte();
  const uint32_t total = 6 + (uint32_t(h[4]) << 8 | h[5]) + 1;
  gust_assume((h[0] >> 5) != 0 || total > 256);
  for (uint8_t x : h) feed(x, events);
  gust_assert(framer_resync() == 1, 20);
  // The shortest good packet: APID 0x123, sequence count 5, CRC of its header.
  const uint8_t good[12] = {0x1A, 0xCF, 0xFC, 0x1D, 0x01, 0x23, 0xC0, 0x05, 0x00, 0x01, 0, 0};
  uint16_t crc = 0xFFFF;
  for (uint32_t i = 4; i < 10; ++i) crc = ccsds::crc16_update(crc, good[i]);
  uint32_t last = ccsds::kNone;
  for (uint32_t i = 0; i < 10; ++i) last = feed(good[i], events);
  feed(uint8_t(crc >> 8), events);
  last = feed(uint8_t(crc), events);
  gust_assert(last == ccsds::kGood && framer_ok() == 1 && events == 1, 21);
  gust_cover(total > 256, 22);
  gust_cover((h[0] >> 5) != 0, 23);
}
