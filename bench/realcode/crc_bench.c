/* crc_bench.c: benchmark glue for crc.c; not part of the library. */
#include "crc.h"
#include "rc.h"

static uint8_t data[130];
static crc32_ctx_t ctx;

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  const uint32_t n = 1 + rc_next(&s) % 120;
  for (uint32_t i = 0; i < n; ++i) data[i] = (uint8_t)rc_next(&s);
  const uint32_t whole = crc32(data, n);
  h = rc_hash_word(h, whole);
  h = rc_hash_word(h, whole == crc32_bitwise(data, n));
  const uint32_t cut = rc_next(&s) % (n + 1);
  crc32_init(&ctx);
  crc32_update(&ctx, data, cut);
  crc32_update(&ctx, data + cut, n - cut);
  h = rc_hash_word(h, (crc32_final(&ctx) == whole) | (ctx.length << 1));
  h = rc_hash_word(h, crc16_ccitt(0xFFFFu, data, n));
  h = rc_hash_word(h, crc8_smbus(0, data, n));
  const size_t sealed = crc16_frame_seal(data, n);
  h = rc_hash_word(h, (uint32_t)crc16_frame_ok(data, sealed));
  data[rc_next(&s) % sealed] ^= (uint8_t)(1u << (rc_next(&s) & 7));
  h = rc_hash_word(h, (uint32_t)crc16_frame_ok(data, sealed));
  h = rc_hash_word(h, (uint32_t)crc8_find_sync(data, n, 4, (uint8_t)(seed & 0xFF)));
  return h;
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  for (uint32_t i = 0; i < 128; ++i) data[i] = (uint8_t)rc_next(&s);
  crc32_init(&ctx);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)&ctx;
    case 1:
      return (uintptr_t)data;
    default:
      return 0;
  }
}
