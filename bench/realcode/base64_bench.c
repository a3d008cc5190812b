/* base64_bench.c: benchmark glue for base64.c: random bytes from a seed,
 * both alphabets, padded and not, then damaged text; not part of the
 * library. */
#include "base64.h"
#include "rc.h"

static uint8_t data[96];
static char text[140];
static uint8_t back[100];
static size_t data_len;

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  data_len = rc_next(&s) % sizeof data;
  for (size_t i = 0; i < data_len; ++i) data[i] = (uint8_t)rc_next(&s);
  const int alphabet = (int)(rc_next(&s) & 1), pad = (int)(rc_next(&s) & 1);
  const size_t n = b64_encode(data, data_len, text, sizeof text, alphabet, pad);
  h = rc_hash_word(h, (uint32_t)n);
  h = rc_hash_bytes(h, text, n);
  h = rc_hash_word(h, (uint32_t)b64_decode_str(text, back, sizeof back));
  h = rc_hash_bytes(h, back, data_len);
  h = rc_hash_word(h, (uint32_t)b64_decode(text, n, back, data_len / 2));
  h = rc_hash_word(h, (uint32_t)b64_encode(data, data_len, text, n / 2 + 1, alphabet, pad));
  b64_encode(data, data_len, text, sizeof text, alphabet, pad);
  if (n) {
    static const char noise[8] = {'!', ' ', '\n', '=', '*', 'A', '-', '\x80'};
    text[rc_next(&s) % n] = noise[rc_next(&s) & 7];
    h = rc_hash_word(h, (uint32_t)b64_decode_str(text, back, sizeof back));
  }
  return h;
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  data_len = 90;
  for (size_t i = 0; i < data_len; ++i) data[i] = (uint8_t)rc_next(&s);
  b64_encode(data, data_len, text, sizeof text, 0, 1);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)data;
    case 1:
      return data_len;
    case 2:
      return (uintptr_t)text;
    case 3:
      return sizeof text;
    case 4:
      return (uintptr_t)back;
    case 5:
      return sizeof back;
    default:
      return 0;
  }
}
