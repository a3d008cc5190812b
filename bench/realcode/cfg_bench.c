/* cfg_bench.c: benchmark glue for cfg.c: a configuration text of random
 * keys and values from a seed (comments, blank lines, blanks around '=',
 * a last line without '\n'), looked up, counted and rewritten, and the
 * string layer on random strings; not part of the library. */
#include "cfg.h"
#include "rc.h"

static char text[640];
static size_t text_len;
static char keys[8][16];
static char out[40];
static char a[100], b[100];

static void word(uint32_t* s, char* w, size_t n) {
  for (size_t i = 0; i < n; ++i) w[i] = (char)('a' + rc_next(s) % 26);
  w[n] = 0;
}

static void put(const char* s) {
  while (*s && text_len < sizeof text - 1) text[text_len++] = *s++;
}

static void make_text(uint32_t* s) {
  text_len = 0;
  for (int k = 0; k < 8; ++k) {
    word(s, keys[k], 4 + rc_next(s) % 10);
    if (rc_next(s) % 4 == 0) put("# a comment line\n");
    if (rc_next(s) % 5 == 0) put("\n");
    put(rc_next(s) & 1 ? "  " : "");
    put(keys[k]);
    put(rc_next(s) & 1 ? " = " : "=");
    char v[24];
    word(s, v, 1 + rc_next(s) % 20);
    put(v);
    put(rc_next(s) & 1 ? " \r\n" : "\n");
  }
  if (text_len) --text_len; /* the last line has no '\n' (or a bare '\r') */
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  make_text(&s);
  h = rc_hash_word(h, cfg_count(text, text_len));
  for (int k = 0; k < 8; ++k) {
    const long n = cfg_get(text, text_len, keys[(k + seed) & 7], out, 1 + rc_next(&s) % sizeof out);
    h = rc_hash_word(h, (uint32_t)n);
    if (n >= 0) h = rc_hash_bytes(h, out, (size_t)n);
  }
  h = rc_hash_word(h, (uint32_t)cfg_get(text, text_len, "absent", out, sizeof out));
  char v[12];
  word(&s, v, rc_next(&s) % 10);
  h = rc_hash_word(h, (uint32_t)cfg_set_inplace(text, text_len, keys[seed & 7], v));
  h = rc_hash_bytes(h, text, text_len);
  const size_t na = rc_next(&s) % (sizeof a - 1);
  word(&s, a, na);
  for (size_t i = 0; i <= na; ++i) b[i] = a[i];
  if (na && (rc_next(&s) & 1)) b[rc_next(&s) % na] ^= 1;
  h = rc_hash_word(h, (uint32_t)str_len(a));
  h = rc_hash_word(h, (uint32_t)(str_cmp(a, b) > 0) - (uint32_t)(str_cmp(a, b) < 0));
  h = rc_hash_word(h, (uint32_t)mem_eq(a, b, na));
  const char* f = (const char*)mem_find(a, 'q', na);
  h = rc_hash_word(h, f ? (uint32_t)(f - a) : 0xFFFFFFFFu);
  return h;
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  make_text(&s);
  for (int i = 0; i < 96; ++i) a[i] = b[i] = (char)('a' + i % 16); /* no 'q' */
  a[96] = b[96] = 0;
  a[95] = b[95] = 'q';
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)text;
    case 1:
      return text_len;
    case 2:
      return (uintptr_t)keys[7];
    case 3:
      return (uintptr_t)out;
    case 4:
      return sizeof out;
    case 5:
      return (uintptr_t)a;
    case 6:
      return (uintptr_t)b;
    default:
      return 0;
  }
}
