/* lz_bench.c: benchmark glue for lz.c: compressible text from a seed, round
 * trips and corrupted streams; not part of the library. */
#include "lz.h"
#include "rc.h"

static lz_workspace_t ws;
static lz_stats_t stats;
static uint8_t text[320];
static uint8_t packed[384];
static uint8_t unpacked[320];
static size_t text_len, packed_len;

static const char* const words[8] = {"sensor ", "temp=", "21.5 ", "ok ", "\n", "volt=", "3.30 ", "err "};

static size_t make(uint32_t* s, uint8_t* p, size_t cap) {
  size_t n = 0;
  const size_t want = 64 + rc_next(s) % (cap - 80);
  while (n < want) {
    const uint32_t r = rc_next(s);
    if ((r & 3) == 0) {
      p[n++] = (uint8_t)(r >> 8);
      continue;
    }
    for (const char* w = words[(r >> 4) & 7]; *w && n < cap; ++w) p[n++] = (uint8_t)*w;
  }
  return n;
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  text_len = make(&s, text, sizeof text);
  packed_len = lz_compress(text, text_len, packed, sizeof packed, &ws, &stats);
  h = rc_hash_word(h, (uint32_t)packed_len);
  h = rc_hash_bytes(h, packed, packed_len);
  h = rc_hash_word(h, stats.literals ^ stats.matches << 12 ^ stats.longest << 24);
  const long back = lz_decompress(packed, packed_len, unpacked, sizeof unpacked);
  h = rc_hash_word(h, (uint32_t)back);
  h = rc_hash_bytes(h, unpacked, text_len);
  h = rc_hash_word(h, (uint32_t)lz_compress(text, text_len, packed, packed_len / 2, &ws, &stats));
  packed_len = lz_compress(text, text_len, packed, sizeof packed, &ws, &stats);
  packed[rc_next(&s) % packed_len] ^= (uint8_t)(1u << (rc_next(&s) & 7));
  const long bad = lz_decompress(packed, packed_len, unpacked, sizeof unpacked);
  h = rc_hash_word(h, (uint32_t)bad);
  if (bad > 0) h = rc_hash_bytes(h, unpacked, (size_t)bad);
  return rc_hash_word(h, (uint32_t)lz_decompress(packed, packed_len, unpacked, 16));
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  text_len = make(&s, text, sizeof text);
  packed_len = lz_compress(text, text_len, packed, sizeof packed, &ws, &stats);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)text;
    case 1:
      return text_len;
    case 2:
      return (uintptr_t)packed;
    case 3:
      return sizeof packed;
    case 4:
      return (uintptr_t)&ws;
    case 5:
      return (uintptr_t)&stats;
    case 6:
      return packed_len;
    case 7:
      return (uintptr_t)unpacked;
    case 8:
      return sizeof unpacked;
    default:
      return 0;
  }
}
