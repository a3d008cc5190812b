/* json_bench.c: benchmark glue for json.c: configuration documents from a
 * seed, tokenized and queried, then cut and damaged; not part of the
 * library. */
#include <string.h>

#include "json.h"
#include "rc.h"

static char doc[256];
static size_t doc_len;
static json_token_t tokens[48];
static json_parser_t parser;
static json_token_t parsed[48];
static int nparsed;
static const char key[] = "retries";

static size_t put_str(char* p, size_t at, const char* s) {
  const size_t n = strlen(s);
  memcpy(p + at, s, n);
  return at + n;
}

static size_t put_int(char* p, size_t at, int32_t v) {
  char tmp[12];
  int n = 0;
  uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) p[at++] = '-';
  while (n) p[at++] = tmp[--n];
  return at;
}

static const char* const keys[6] = {"\"baud\"", "\"parity\"", "\"name\"", "\"retries\"", "\"gains\"", "\"on\""};

static size_t make(uint32_t* s, char* p) {
  size_t at = put_str(p, 0, "{");
  const uint32_t nkeys = 2 + rc_next(s) % 5;
  for (uint32_t k = 0; k < nkeys; ++k) {
    if (k) at = put_str(p, at, rc_next(s) & 1 ? ", " : ",\n  ");
    const uint32_t which = rc_next(s) % 6;
    at = put_str(p, at, keys[which]);
    at = put_str(p, at, ": ");
    switch (which) {
      case 2:
        at = put_str(p, at, rc_next(s) & 1 ? "\"uart\\u0031\"" : "\"gps\\n\"");
        break;
      case 4: {
        at = put_str(p, at, "[");
        const uint32_t n = rc_next(s) % 4;
        for (uint32_t i = 0; i < n; ++i) {
          if (i) at = put_str(p, at, ",");
          at = put_int(p, at, (int32_t)rc_next(s) >> (rc_next(s) % 31));
        }
        at = put_str(p, at, "]");
        break;
      }
      case 5:
        at = put_str(p, at, rc_next(s) & 1 ? "true" : "{\"x\": null}");
        break;
      default:
        at = put_int(p, at, (int32_t)(rc_next(s) % 200000) - 1000);
    }
  }
  at = put_str(p, at, "}");
  p[at] = '\0';
  return at;
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  doc_len = make(&s, doc);
  json_init(&parser);
  const int n = json_parse(&parser, doc, doc_len, tokens, sizeof tokens / sizeof tokens[0]);
  h = rc_hash_word(h, (uint32_t)n);
  for (int i = 0; i < n; ++i) {
    h = rc_hash_word(h, tokens[i].type | (uint32_t)tokens[i].size << 8 | (uint32_t)(uint16_t)tokens[i].parent << 16);
    h = rc_hash_word(h, tokens[i].start | (uint32_t)tokens[i].end << 16);
  }
  static const char* const names[6] = {"baud", "parity", "name", "retries", "gains", "on"};
  for (int k = 0; k < 6 && n > 0; ++k) {
    const int v = json_find(doc, tokens, n, 0, names[k]);
    int32_t x = 0;
    h = rc_hash_word(h, (uint32_t)v);
    if (v >= 0) h = rc_hash_word(h, (uint32_t)json_get_int(doc, &tokens[v], &x) ^ (uint32_t)x);
  }
  json_init(&parser);
  h = rc_hash_word(h, (uint32_t)json_parse(&parser, doc, doc_len, tokens, 3));
  json_init(&parser);
  h = rc_hash_word(h, (uint32_t)json_parse(&parser, doc, rc_next(&s) % doc_len, tokens, 48));
  static const char noise[6] = {'}', '"', ':', 'x', '\\', ']'};
  doc[rc_next(&s) % doc_len] = noise[rc_next(&s) % 6];
  json_init(&parser);
  return rc_hash_word(h, (uint32_t)json_parse(&parser, doc, doc_len, tokens, 48));
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  do doc_len = make(&s, doc);
  while (doc_len < 60);
  json_init(&parser);
  nparsed = json_parse(&parser, doc, doc_len, parsed, sizeof parsed / sizeof parsed[0]);
  json_init(&parser);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)&parser;
    case 1:
      return (uintptr_t)doc;
    case 2:
      return doc_len;
    case 3:
      return (uintptr_t)tokens;
    case 4:
      return sizeof tokens / sizeof tokens[0];
    case 5:
      return (uintptr_t)parsed;
    case 6:
      return (uintptr_t)nparsed;
    case 7:
      return (uintptr_t)key;
    default:
      return 0;
  }
}
