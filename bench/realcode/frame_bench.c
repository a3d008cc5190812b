/* frame_bench.c: benchmark glue for frame.c: packets from a seed through
 * COBS and HDLC, with line noise; not part of the library. */
#include "frame.h"
#include "rc.h"

static uint8_t packet[100];
static uint8_t coded[300];
static uint8_t back[120];
static hdlc_rx_t rx;
static size_t packet_len, coded_len;

static size_t make(uint32_t* s, uint8_t* p) {
  const size_t n = 1 + rc_next(s) % (sizeof packet - 1);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t r = rc_next(s);
    p[i] = (r & 3) == 0 ? 0 : (r & 7) == 1 ? HDLC_FLAG : (r & 7) == 2 ? HDLC_ESCAPE : (uint8_t)(r >> 8);
  }
  return n;
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  packet_len = make(&s, packet);
  coded_len = cobs_encode(packet, packet_len, coded, sizeof coded);
  h = rc_hash_word(h, (uint32_t)coded_len);
  h = rc_hash_bytes(h, coded, coded_len);
  h = rc_hash_word(h, (uint32_t)cobs_decode(coded, coded_len, back, sizeof back));
  h = rc_hash_bytes(h, back, packet_len);
  coded[rc_next(&s) % coded_len] = (uint8_t)(rc_next(&s) & 1 ? 0 : 0xFF);
  h = rc_hash_word(h, (uint32_t)cobs_decode(coded, coded_len, back, sizeof back));
  h = rc_hash_word(h, (uint32_t)cobs_decode(coded, coded_len, back, 8));
  hdlc_rx_init(&rx);
  for (int k = 0; k < 2; ++k) {
    coded_len = hdlc_encode(packet, packet_len, coded, sizeof coded);
    h = rc_hash_word(h, (uint32_t)coded_len);
    if (k == 1 && coded_len > 2) coded[1 + rc_next(&s) % (coded_len - 2)] ^= (uint8_t)rc_next(&s);
    const size_t got = hdlc_rx_feed(&rx, coded, coded_len, back, sizeof back);
    h = rc_hash_word(h, (uint32_t)got);
    h = rc_hash_bytes(h, back, got);
  }
  h = rc_hash_word(h, (uint32_t)hdlc_encode(packet, packet_len, coded, packet_len));
  return rc_hash_word(h, rx.good ^ rx.bad_fcs << 8 ^ rx.too_long << 16 ^ rx.aborted << 24);
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  packet_len = make(&s, packet);
  if (packet_len < 64) packet_len = 64;
  coded_len = hdlc_encode(packet, packet_len, coded, sizeof coded);
  hdlc_rx_init(&rx);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)packet;
    case 1:
      return packet_len;
    case 2:
      return (uintptr_t)coded;
    case 3:
      return sizeof coded;
    case 4:
      return (uintptr_t)back;
    case 5:
      return sizeof back;
    case 6:
      return (uintptr_t)&rx;
    case 7:
      return coded_len;
    default:
      return 0;
  }
}
