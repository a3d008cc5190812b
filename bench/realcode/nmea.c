/* nmea.c: NMEA 0183 parsing in the way GPS stacks on small MCUs do it: split
 * the sentence into fields in place (pointers into the caller's buffer), parse
 * fixed-point numbers without floats or libc, match the sentence type with
 * memcmp, and accumulate bytes from a UART into a line buffer. */
#include "nmea.h"

#include <string.h>

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* "$...*HH": the XOR of the bytes between '$' and '*' is HH. */
int nmea_checksum_ok(const char* s, size_t n) {
  if (n < 4 || s[0] != '$') return 0;
  uint8_t x = 0;
  size_t i = 1;
  for (; i < n && s[i] != '*'; ++i) x ^= (uint8_t)s[i];
  if (i + 2 >= n) return 0; /* no '*' or no two digits after it */
  const int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
  if (hi < 0 || lo < 0) return 0;
  return x == (uint8_t)(hi * 16 + lo);
}

/* A decimal with up to `scale_digits` fraction digits, scaled by
 * 10^scale_digits; -1 in *ok on anything but digits, one '.', a sign. */
static int32_t parse_fixed(const char* f, int scale_digits, int* ok) {
  int32_t whole = 0, frac = 0;
  int digits = 0, neg = 0, seen_dot = 0;
  if (*f == '-') {
    neg = 1;
    ++f;
  }
  for (; *f && *f != ',' && *f != '*'; ++f) {
    if (*f == '.') {
      if (seen_dot) *ok = 0;
      seen_dot = 1;
    } else if (*f >= '0' && *f <= '9') {
      if (!seen_dot)
        whole = whole * 10 + (*f - '0');
      else if (digits < scale_digits) {
        frac = frac * 10 + (*f - '0');
        ++digits;
      }
    } else {
      *ok = 0;
    }
  }
  for (; digits < scale_digits; ++digits) frac *= 10;
  int32_t scale = 1;
  for (int i = 0; i < scale_digits; ++i) scale *= 10;
  const int32_t v = whole * scale + frac;
  return neg ? -v : v;
}

static uint32_t parse_uint(const char* f, int* ok) {
  uint32_t v = 0;
  if (*f == ',' || *f == '*' || !*f) *ok = 0;
  for (; *f && *f != ',' && *f != '*'; ++f) {
    if (*f < '0' || *f > '9') {
      *ok = 0;
      break;
    }
    v = v * 10 + (uint32_t)(*f - '0');
  }
  return v;
}

/* ddmm.mmmm (or dddmm.mmmm) and a hemisphere letter, to degrees * 1e7. */
static int32_t parse_angle(const char* f, char hemi, int deg_digits, int* ok) {
  int32_t deg = 0;
  for (int i = 0; i < deg_digits; ++i) {
    if (f[i] < '0' || f[i] > '9') {
      *ok = 0;
      return 0;
    }
    deg = deg * 10 + (f[i] - '0');
  }
  const int32_t min_e5 = parse_fixed(f + deg_digits, 5, ok); /* minutes * 1e5 */
  /* minutes / 60 * 1e7 = min_e5 * 100 / 60 = min_e5 * 5 / 3 */
  int32_t v = deg * 10000000 + (min_e5 * 5) / 3;
  if (hemi == 'S' || hemi == 'W')
    v = -v;
  else if (hemi != 'N' && hemi != 'E')
    *ok = 0;
  return v;
}

static void parse_time(const char* f, nmea_time_t* t, int* ok) {
  if (strlen(f) < 6) {
    *ok = 0;
    return;
  }
  for (int i = 0; i < 6; ++i)
    if (f[i] < '0' || f[i] > '9') *ok = 0;
  t->hour = (uint8_t)((f[0] - '0') * 10 + (f[1] - '0'));
  t->minute = (uint8_t)((f[2] - '0') * 10 + (f[3] - '0'));
  t->second = (uint8_t)((f[4] - '0') * 10 + (f[5] - '0'));
  t->millis = f[6] == '.' ? (uint16_t)(parse_fixed(f + 6, 3, ok)) : 0;
  if (t->hour > 23 || t->minute > 59 || t->second > 60) *ok = 0;
}

/* Splits at ',' up to the '*': fields point into `s`, each ending at ',' or '*'. */
static int split(const char* s, const char* fields[NMEA_MAX_FIELDS]) {
  int n = 0;
  fields[n++] = s;
  for (; *s && *s != '*'; ++s)
    if (*s == ',') {
      if (n == NMEA_MAX_FIELDS) return -1;
      fields[n++] = s + 1;
    }
  return n;
}

static int empty(const char* f) { return *f == ',' || *f == '*' || *f == '\0'; }

int nmea_parse(const char* sentence, nmea_fix_t* fix) {
  const size_t n = strlen(sentence);
  if (n < 7 || n > NMEA_MAX_SENTENCE) return NMEA_ERR_FRAME;
  if (!nmea_checksum_ok(sentence, n)) return NMEA_ERR_CHECKSUM;
  const char* f[NMEA_MAX_FIELDS];
  const int nf = split(sentence + 1, f);
  if (nf < 1) return NMEA_ERR_FIELD;
  int ok = 1;
  /* Talker ID (GP, GN, GL...) then the type. */
  const char* type = f[0] + 2;
  if (memcmp(type, "GGA", 3) == 0) {
    if (nf < 15) return NMEA_ERR_FIELD;
    parse_time(f[1], &fix->time, &ok);
    if (!empty(f[2])) {
      fix->pos.lat_e7 = parse_angle(f[2], *f[3], 2, &ok);
      fix->pos.lon_e7 = parse_angle(f[4], *f[5], 3, &ok);
    }
    fix->quality = (uint8_t)parse_uint(f[6], &ok);
    fix->satellites = (uint8_t)parse_uint(f[7], &ok);
    fix->hdop_e2 = parse_fixed(f[8], 2, &ok);
    fix->alt_mm = parse_fixed(f[9], 3, &ok);
    return ok ? NMEA_GGA : NMEA_ERR_FIELD;
  }
  if (memcmp(type, "RMC", 3) == 0) {
    if (nf < 12) return NMEA_ERR_FIELD;
    parse_time(f[1], &fix->time, &ok);
    fix->valid = *f[2] == 'A';
    if (!empty(f[3])) {
      fix->pos.lat_e7 = parse_angle(f[3], *f[4], 2, &ok);
      fix->pos.lon_e7 = parse_angle(f[5], *f[6], 3, &ok);
    }
    fix->speed_mkn = parse_fixed(f[7], 3, &ok);
    fix->course_e2 = parse_fixed(f[8], 2, &ok);
    fix->date = parse_uint(f[9], &ok);
    return ok ? NMEA_RMC : NMEA_ERR_FIELD;
  }
  if (memcmp(type, "VTG", 3) == 0) {
    if (nf < 9) return NMEA_ERR_FIELD;
    fix->course_e2 = parse_fixed(f[1], 2, &ok);
    fix->speed_mkn = parse_fixed(f[5], 3, &ok);
    return ok ? NMEA_VTG : NMEA_ERR_FIELD;
  }
  return NMEA_UNKNOWN;
}

void nmea_reader_init(nmea_reader_t* r) { memset(r, 0, sizeof *r); }

/* One byte from the UART: a complete line is parsed into `fix`; returns the
 * sentence kind or an error when a line ends, NMEA_NONE otherwise. */
int nmea_feed(nmea_reader_t* r, char c, nmea_fix_t* fix) {
  if (c == '$') {
    r->len = 0;
    r->overflow = 0;
  }
  if (c == '\r') return NMEA_NONE;
  if (c == '\n') {
    r->line[r->len] = '\0';
    const int overflow = r->overflow;
    r->len = 0;
    r->overflow = 0;
    if (overflow) {
      r->errors++;
      return NMEA_ERR_FRAME;
    }
    const int k = nmea_parse(r->line, fix);
    if (k < 0)
      r->errors++;
    else
      r->sentences++;
    return k;
  }
  if (r->len < NMEA_MAX_SENTENCE)
    r->line[r->len++] = c;
  else
    r->overflow = 1;
  return NMEA_NONE;
}

static size_t put_uint(char* out, size_t at, size_t cap, uint32_t v, int width) {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v && n < 10);
  while (n < width && n < 10) tmp[n++] = '0';
  while (n && at < cap) out[at++] = tmp[--n];
  return at;
}

static const char hexdigits[] = "0123456789ABCDEF";

/* Writes a GGA sentence (time and fix only, no position) with its checksum;
 * returns its length, 0 if `cap` is too small. */
size_t nmea_format_gga(const nmea_fix_t* fix, char* out, size_t cap) {
  static const char head[] = "$GPGGA,";
  if (cap < 40) return 0;
  memcpy(out, head, sizeof head - 1);
  size_t at = sizeof head - 1;
  at = put_uint(out, at, cap, fix->time.hour, 2);
  at = put_uint(out, at, cap, fix->time.minute, 2);
  at = put_uint(out, at, cap, fix->time.second, 2);
  out[at++] = ',';
  at = put_uint(out, at, cap, fix->quality, 1);
  out[at++] = ',';
  at = put_uint(out, at, cap, fix->satellites, 2);
  uint8_t x = 0;
  for (size_t i = 1; i < at; ++i) x ^= (uint8_t)out[i];
  out[at++] = '*';
  out[at++] = hexdigits[x >> 4];
  out[at++] = hexdigits[x & 15];
  out[at] = '\0';
  return at;
}
