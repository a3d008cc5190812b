/* frame.c: two framings for byte streams. COBS (consistent overhead byte
 * stuffing) removes every zero so 0 can end a packet. HDLC-style frames are
 * delimited by 0x7E with 0x7D escapes and end in the CRC-16/X.25 FCS; the
 * receiver is a table-driven state machine (state x byte class -> action and
 * next state), fed one byte at a time from an interrupt. */
#include "frame.h"

#include <string.h>

size_t cobs_encode(const uint8_t* in, size_t n, uint8_t* out, size_t cap) {
  if (cap == 0) return 0;
  size_t code_at = 0, o = 1;
  uint8_t code = 1;
  for (size_t i = 0; i < n; ++i) {
    if (in[i] == 0) {
      out[code_at] = code;
      code = 1;
      code_at = o++;
      if (o > cap) return 0;
      continue;
    }
    if (o >= cap) return 0;
    out[o++] = in[i];
    if (++code == 0xFF) {
      out[code_at] = code;
      code = 1;
      code_at = o++;
      if (o > cap) return 0;
    }
  }
  out[code_at] = code;
  return o;
}

/* Returns the decoded length, -1 on a zero inside the block or a code that
 * runs past the input, -2 when `cap` is too small. */
long cobs_decode(const uint8_t* in, size_t n, uint8_t* out, size_t cap) {
  size_t i = 0, o = 0;
  while (i < n) {
    const uint8_t code = in[i++];
    if (code == 0) return -1;
    if (i + code - 1 > n) return -1;
    if (o + code - 1 > cap) return -2;
    for (uint8_t k = 1; k < code; ++k) {
      if (in[i] == 0) return -1;
      out[o++] = in[i++];
    }
    if (code != 0xFF && i < n) {
      if (o >= cap) return -2;
      out[o++] = 0;
    }
  }
  return (long)o;
}

/* CRC-16/X.25, reflected 0x8408, bit at a time: the FCS of RFC 1662. */
uint16_t hdlc_fcs(const uint8_t* p, size_t n) {
  uint16_t fcs = 0xFFFF;
  while (n--) {
    fcs ^= *p++;
    for (int k = 0; k < 8; ++k) fcs = (fcs & 1) ? (uint16_t)((fcs >> 1) ^ 0x8408) : (uint16_t)(fcs >> 1);
  }
  return (uint16_t)~fcs;
}

static size_t put_escaped(uint8_t* out, size_t o, size_t cap, uint8_t b) {
  if (b == HDLC_FLAG || b == HDLC_ESCAPE || b < 0x20) {
    if (o + 2 > cap) return cap + 1;
    out[o++] = HDLC_ESCAPE;
    out[o++] = b ^ 0x20;
    return o;
  }
  if (o + 1 > cap) return cap + 1;
  out[o++] = b;
  return o;
}

/* flag, the escaped payload and FCS (low byte first), flag; 0 if it does not fit. */
size_t hdlc_encode(const uint8_t* in, size_t n, uint8_t* out, size_t cap) {
  if (cap < 2) return 0;
  size_t o = 0;
  out[o++] = HDLC_FLAG;
  for (size_t i = 0; i < n && o <= cap; ++i) o = put_escaped(out, o, cap, in[i]);
  const uint16_t fcs = hdlc_fcs(in, n);
  o = o <= cap ? put_escaped(out, o, cap, (uint8_t)fcs) : o;
  o = o <= cap ? put_escaped(out, o, cap, (uint8_t)(fcs >> 8)) : o;
  if (o + 1 > cap) return 0;
  out[o++] = HDLC_FLAG;
  return o;
}

/* Byte classes and actions of the receiver. */
enum { BC_FLAG = 0, BC_ESCAPE, BC_OTHER, BC_COUNT };
enum { A_NONE = 0, A_START, A_STORE, A_STORE_XOR, A_END, A_ABORT };

typedef struct {
  uint8_t next, action;
} hdlc_transition_t;

static const hdlc_transition_t hdlc_table[HS_COUNT][BC_COUNT] = {
    /* HS_HUNT */ {{HS_DATA, A_START}, {HS_HUNT, A_NONE}, {HS_HUNT, A_NONE}},
    /* HS_DATA */ {{HS_DATA, A_END}, {HS_ESCAPED, A_NONE}, {HS_DATA, A_STORE}},
    /* HS_ESCAPED */ {{HS_HUNT, A_ABORT}, {HS_HUNT, A_ABORT}, {HS_DATA, A_STORE_XOR}},
};

void hdlc_rx_init(hdlc_rx_t* rx) { memset(rx, 0, sizeof *rx); }

static int store(hdlc_rx_t* rx, uint8_t b) {
  if (rx->len == HDLC_MAX_FRAME) {
    rx->too_long++;
    rx->state = HS_HUNT;
    rx->len = 0;
    return -1;
  }
  rx->frame[rx->len++] = b;
  return 0;
}

/* Returns the payload length when a good frame ends with this byte (the
 * payload is rx->frame), 0 otherwise. */
int hdlc_rx_byte(hdlc_rx_t* rx, uint8_t b) {
  const uint8_t cls = b == HDLC_FLAG ? BC_FLAG : b == HDLC_ESCAPE ? BC_ESCAPE : BC_OTHER;
  const hdlc_transition_t t = hdlc_table[rx->state][cls];
  rx->state = t.next;
  switch (t.action) {
    case A_START:
      rx->len = 0;
      break;
    case A_STORE:
      store(rx, b);
      break;
    case A_STORE_XOR:
      store(rx, b ^ 0x20);
      break;
    case A_END: {
      const uint16_t len = rx->len;
      rx->len = 0;
      if (len == 0) break; /* back-to-back flags */
      if (len < 3) {
        rx->bad_fcs++;
        break;
      }
      const uint16_t got = (uint16_t)(rx->frame[len - 2] | rx->frame[len - 1] << 8);
      if (hdlc_fcs(rx->frame, len - 2) != got) {
        rx->bad_fcs++;
        break;
      }
      rx->good++;
      return len - 2;
    }
    case A_ABORT:
      rx->aborted++;
      rx->len = 0;
      break;
    default:
      break;
  }
  return 0;
}

/* Feeds a block; copies the last good payload to `last` and returns its
 * length (0 if none completed). */
size_t hdlc_rx_feed(hdlc_rx_t* rx, const uint8_t* p, size_t n, uint8_t* last, size_t cap) {
  size_t got = 0;
  for (size_t i = 0; i < n; ++i) {
    const int len = hdlc_rx_byte(rx, p[i]);
    if (len > 0 && (size_t)len <= cap) {
      memcpy(last, rx->frame, (size_t)len);
      got = (size_t)len;
    }
  }
  return got;
}
