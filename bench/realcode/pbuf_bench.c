/* pbuf_bench.c: benchmark glue for pbuf.c: messages from a seed, encoded,
 * damaged and decoded; not part of the library. */
#include <string.h>

#include "pbuf.h"
#include "rc.h"

static tlm_message_t msg, back;
static uint8_t wire[192];
static size_t wire_len;

static void make(uint32_t* s, tlm_message_t* m) {
  memset(m, 0, sizeof *m);
  m->header.node_id = rc_next(s) >> (rc_next(s) % 32);
  m->header.sequence = rc_next(s) % 100000;
  m->header.priority = (uint8_t)(rc_next(s) % 8);
  const uint32_t nl = rc_next(s) % (TLM_NAME_MAX + 1);
  for (uint32_t i = 0; i < nl; ++i) m->name[i] = (char)('a' + rc_next(s) % 26);
  m->nsamples = rc_next(s) % (TLM_MAX_SAMPLES + 1);
  for (uint32_t i = 0; i < m->nsamples; ++i) {
    m->samples[i].value = (int32_t)rc_next(s) >> (rc_next(s) % 31);
    m->samples[i].timestamp = rc_next(s);
    m->samples[i].channel = (uint8_t)rc_next(s);
  }
  m->checksum = rc_next(s);
}

static uint32_t hash_msg(uint32_t h, const tlm_message_t* m) {
  h = rc_hash_word(h, m->header.node_id);
  h = rc_hash_word(h, m->header.sequence ^ (uint32_t)m->header.priority << 24);
  h = rc_hash_bytes(h, m->name, strlen(m->name));
  h = rc_hash_word(h, m->nsamples);
  for (uint32_t i = 0; i < m->nsamples && i < TLM_MAX_SAMPLES; ++i) {
    h = rc_hash_word(h, (uint32_t)m->samples[i].value);
    h = rc_hash_word(h, m->samples[i].timestamp ^ m->samples[i].channel);
  }
  return rc_hash_word(h, m->checksum);
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  make(&s, &msg);
  const size_t n = tlm_encode(&msg, wire, sizeof wire);
  h = rc_hash_word(h, (uint32_t)n);
  h = rc_hash_bytes(h, wire, n);
  h = rc_hash_word(h, (uint32_t)tlm_decode(&back, wire, n));
  h = hash_msg(h, &back);
  h = rc_hash_word(h, (uint32_t)tlm_encode(&msg, wire, n / 2)); /* too small: 0 */
  if (n) {
    tlm_encode(&msg, wire, sizeof wire);
    wire[rc_next(&s) % n] = (uint8_t)rc_next(&s);
    h = rc_hash_word(h, (uint32_t)tlm_decode(&back, wire, n));
    h = hash_msg(h, &back);
    h = rc_hash_word(h, (uint32_t)tlm_decode(&back, wire, rc_next(&s) % n));
  }
  return h;
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  make(&s, &msg);
  msg.nsamples = 6;
  msg.name[0] = 'x';
  wire_len = tlm_encode(&msg, wire, sizeof wire);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)&msg;
    case 1:
      return (uintptr_t)wire;
    case 2:
      return sizeof wire;
    case 3:
      return (uintptr_t)&back;
    case 4:
      return wire_len;
    default:
      return 0;
  }
}
