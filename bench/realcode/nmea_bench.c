/* nmea_bench.c: benchmark glue for nmea.c: sentences built from a seed
 * (valid, corrupted, truncated, unknown), fed byte by byte; not part of the
 * library. */
#include <string.h>

#include "nmea.h"
#include "rc.h"

static nmea_reader_t reader;
static nmea_fix_t fix;
static char sentence[96];
static char formatted[64];

static size_t put(char* p, size_t at, uint32_t v, int width) {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n < width) tmp[n++] = '0';
  while (n) p[at++] = tmp[--n];
  return at;
}

static size_t seal(char* p, size_t at) {
  static const char hex[] = "0123456789ABCDEF";
  uint8_t x = 0;
  for (size_t i = 1; i < at; ++i) x ^= (uint8_t)p[i];
  p[at++] = '*';
  p[at++] = hex[x >> 4];
  p[at++] = hex[x & 15];
  p[at] = '\0';
  return at;
}

/* A sentence: GGA, RMC, VTG or an unknown one, with seeded fields. */
static size_t make(uint32_t* s, char* p) {
  const uint32_t kind = rc_next(s) % 4;
  size_t at = 0;
  static const char* const heads[4] = {"$GPGGA,", "$GNRMC,", "$GPVTG,", "$GPXYZ,"};
  const size_t hl = strlen(heads[kind]);
  memcpy(p, heads[kind], hl);
  at = hl;
  if (kind == 2) {
    at = put(p, at, rc_next(s) % 360, 1);
    p[at++] = '.';
    at = put(p, at, rc_next(s) % 100, 2);
    memcpy(p + at, ",T,,M,", 6);
    at += 6;
    at = put(p, at, rc_next(s) % 200, 1);
    p[at++] = '.';
    at = put(p, at, rc_next(s) % 1000, 3);
    memcpy(p + at, ",N,0.0,K,A", 10);
    return seal(p, at + 10);
  }
  at = put(p, at, rc_next(s) % 24, 2);
  at = put(p, at, rc_next(s) % 60, 2);
  at = put(p, at, rc_next(s) % 60, 2);
  p[at++] = '.';
  at = put(p, at, rc_next(s) % 100, 2);
  p[at++] = ',';
  if (kind == 1) {
    p[at++] = (rc_next(s) & 1) ? 'A' : 'V';
    p[at++] = ',';
  }
  at = put(p, at, rc_next(s) % 90, 2);
  at = put(p, at, rc_next(s) % 60, 2);
  p[at++] = '.';
  at = put(p, at, rc_next(s) % 100000, 5);
  p[at++] = ',';
  p[at++] = (rc_next(s) & 1) ? 'N' : 'S';
  p[at++] = ',';
  at = put(p, at, rc_next(s) % 180, 3);
  at = put(p, at, rc_next(s) % 60, 2);
  p[at++] = '.';
  at = put(p, at, rc_next(s) % 100000, 5);
  p[at++] = ',';
  p[at++] = (rc_next(s) & 1) ? 'E' : 'W';
  p[at++] = ',';
  if (kind == 1) {
    at = put(p, at, rc_next(s) % 100, 1);
    p[at++] = '.';
    at = put(p, at, rc_next(s) % 100, 2);
    p[at++] = ',';
    at = put(p, at, rc_next(s) % 360, 1);
    memcpy(p + at, ".5,", 3);
    at += 3;
    at = put(p, at, rc_next(s) % 311299, 6);
    memcpy(p + at, ",,,A", 4);
    return seal(p, at + 4);
  }
  at = put(p, at, rc_next(s) % 9, 1);
  p[at++] = ',';
  at = put(p, at, rc_next(s) % 24, 2);
  p[at++] = ',';
  at = put(p, at, rc_next(s) % 10, 1);
  p[at++] = '.';
  at = put(p, at, rc_next(s) % 10, 1);
  p[at++] = ',';
  at = put(p, at, rc_next(s) % 3000, 1);
  p[at++] = '.';
  at = put(p, at, rc_next(s) % 10, 1);
  memcpy(p + at, ",M,46.9,M,,", 11);
  return seal(p, at + 11);
}

static uint32_t hash_fix(uint32_t h, const nmea_fix_t* f) {
  h = rc_hash_word(h, f->time.hour | f->time.minute << 8 | (uint32_t)f->time.second << 16);
  h = rc_hash_word(h, f->time.millis);
  h = rc_hash_word(h, (uint32_t)f->pos.lat_e7);
  h = rc_hash_word(h, (uint32_t)f->pos.lon_e7);
  h = rc_hash_word(h, f->quality | f->satellites << 8 | (uint32_t)f->valid << 16);
  h = rc_hash_word(h, (uint32_t)f->hdop_e2);
  h = rc_hash_word(h, (uint32_t)f->alt_mm);
  h = rc_hash_word(h, (uint32_t)f->speed_mkn);
  h = rc_hash_word(h, (uint32_t)f->course_e2);
  return rc_hash_word(h, f->date);
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  nmea_reader_init(&reader);
  memset(&fix, 0, sizeof fix);
  for (int k = 0; k < 6; ++k) {
    size_t n = make(&s, sentence);
    const uint32_t damage = rc_next(&s) % 8;
    if (damage == 0) sentence[1 + rc_next(&s) % (n - 1)] ^= 0x04; /* a bit error */
    if (damage == 1) n = rc_next(&s) % n;                         /* a cut line */
    for (size_t i = 0; i < n; ++i) h = rc_hash_word(h, (uint32_t)nmea_feed(&reader, sentence[i], &fix));
    h = rc_hash_word(h, (uint32_t)nmea_feed(&reader, '\r', &fix));
    h = rc_hash_word(h, (uint32_t)nmea_feed(&reader, '\n', &fix));
    h = hash_fix(h, &fix);
  }
  const size_t fl = nmea_format_gga(&fix, formatted, sizeof formatted);
  h = rc_hash_bytes(h, formatted, fl);
  h = rc_hash_word(h, (uint32_t)nmea_parse(formatted, &fix));
  return rc_hash_word(h, reader.sentences | reader.errors << 16);
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  while (make(&s, sentence) && memcmp(sentence, "$GPGGA", 6) != 0) {
  }
  nmea_reader_init(&reader);
  memset(&fix, 0, sizeof fix);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)sentence;
    case 1:
      return (uintptr_t)&fix;
    case 2:
      return (uintptr_t)&reader;
    case 3:
      return (uintptr_t)formatted;
    default:
      return 0;
  }
}
