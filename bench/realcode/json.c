/* json.c: a JSON tokenizer as config parsers on MCUs are written (after
 * jsmn): one pass, no allocation, tokens into the caller's array, a parent
 * link per token so the caller can walk the tree; strings checked for
 * escapes, primitives for their first byte. Lookups match keys with strlen
 * and memcmp. */
#include "json.h"

#include <string.h>

void json_init(json_parser_t* p) {
  p->pos = 0;
  p->next = 0;
  p->super = -1;
}

static json_token_t* alloc(json_parser_t* p, json_token_t* t, unsigned n) {
  if ((unsigned)p->next >= n) return 0;
  json_token_t* k = &t[p->next++];
  k->type = JT_UNDEFINED;
  k->start = k->end = 0;
  k->size = 0;
  k->parent = -1;
  return k;
}

/* Byte classes of a primitive's first character: '-', digits, t, f, n. */
static int primitive_start(char c) { return c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n'; }

static int parse_primitive(json_parser_t* p, const char* js, size_t len, json_token_t* t, unsigned n) {
  const uint16_t start = p->pos;
  for (; p->pos < len; p->pos++) {
    const char c = js[p->pos];
    if (c == ',' || c == ']' || c == '}' || c == ':' || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
    if (c < 32 || c >= 127) {
      p->pos = start;
      return JE_INVAL;
    }
  }
  json_token_t* k = alloc(p, t, n);
  if (!k) {
    p->pos = start;
    return JE_NOMEM;
  }
  k->type = JT_PRIMITIVE;
  k->start = start;
  k->end = p->pos;
  k->parent = p->super;
  p->pos--;
  return 0;
}

static int parse_string(json_parser_t* p, const char* js, size_t len, json_token_t* t, unsigned n) {
  const uint16_t start = p->pos;
  for (p->pos++; p->pos < len; p->pos++) {
    const char c = js[p->pos];
    if (c == '"') {
      json_token_t* k = alloc(p, t, n);
      if (!k) {
        p->pos = start;
        return JE_NOMEM;
      }
      k->type = JT_STRING;
      k->start = (uint16_t)(start + 1);
      k->end = p->pos;
      k->parent = p->super;
      return 0;
    }
    if (c == '\\' && p->pos + 1 < len) {
      p->pos++;
      switch (js[p->pos]) {
        case '"':
        case '/':
        case '\\':
        case 'b':
        case 'f':
        case 'r':
        case 'n':
        case 't':
          break;
        case 'u':
          for (int i = 0; i < 4; ++i) {
            p->pos++;
            const char h = p->pos < len ? js[p->pos] : 0;
            if (!((h >= '0' && h <= '9') || (h >= 'A' && h <= 'F') || (h >= 'a' && h <= 'f'))) {
              p->pos = start;
              return JE_INVAL;
            }
          }
          break;
        default:
          p->pos = start;
          return JE_INVAL;
      }
    }
  }
  p->pos = start;
  return JE_PART;
}

/* Returns the number of tokens, or a json_error. */
int json_parse(json_parser_t* p, const char* js, size_t len, json_token_t* t, unsigned n) {
  if (len > 0xFFFF) return JE_INVAL;
  for (; p->pos < len && js[p->pos]; p->pos++) {
    const char c = js[p->pos];
    switch (c) {
      case '{':
      case '[': {
        json_token_t* k = alloc(p, t, n);
        if (!k) return JE_NOMEM;
        if (p->super != -1) {
          t[p->super].size++;
          k->parent = p->super;
        }
        k->type = c == '{' ? JT_OBJECT : JT_ARRAY;
        k->start = p->pos;
        p->super = (int16_t)(p->next - 1);
        break;
      }
      case '}':
      case ']': {
        const uint8_t want = c == '}' ? JT_OBJECT : JT_ARRAY;
        if (p->super == -1) return JE_INVAL;
        json_token_t* k = &t[p->super];
        if (k->type != want || k->end) return JE_INVAL;
        k->end = (uint16_t)(p->pos + 1);
        p->super = k->parent;
        break;
      }
      case '"': {
        const int r = parse_string(p, js, len, t, n);
        if (r < 0) return r;
        if (p->super != -1) t[p->super].size++;
        break;
      }
      case '\t':
      case '\r':
      case '\n':
      case ' ':
        break;
      case ':':
        /* The key just read becomes the parent of its value. */
        p->super = (int16_t)(p->next - 1);
        break;
      case ',':
        if (p->super != -1 && t[p->super].type != JT_ARRAY && t[p->super].type != JT_OBJECT)
          p->super = t[p->super].parent;
        break;
      default:
        if (!primitive_start(c)) return JE_INVAL;
        if (p->super != -1 && t[p->super].type == JT_OBJECT) return JE_INVAL; /* a primitive key */
        {
          const int r = parse_primitive(p, js, len, t, n);
          if (r < 0) return r;
        }
        if (p->super != -1) t[p->super].size++;
        break;
    }
    /* After a value that followed a key, the key's container is the parent again. */
    if ((c == '"' || primitive_start(c) || c == '}' || c == ']') && p->super != -1 && t[p->super].type == JT_STRING)
      p->super = t[p->super].parent;
  }
  for (int i = p->next - 1; i >= 0; --i)
    if ((t[i].type == JT_OBJECT || t[i].type == JT_ARRAY) && t[i].end == 0) return JE_PART;
  return p->next;
}

int json_eq(const char* js, const json_token_t* t, const char* s) {
  const size_t n = strlen(s);
  return t->type == JT_STRING && (size_t)(t->end - t->start) == n && memcmp(js + t->start, s, n) == 0;
}

/* The index after token i and everything under it. */
int json_skip(const json_token_t* t, int ntok, int i) {
  int pending = 1;
  while (pending > 0 && i < ntok) {
    pending += t[i].size;
    --pending;
    ++i;
  }
  return i;
}

/* The value token of `key` in the object at index `object`, or -1. */
int json_find(const char* js, const json_token_t* t, int ntok, int object, const char* key) {
  if (object < 0 || object >= ntok || t[object].type != JT_OBJECT) return -1;
  int i = object + 1;
  for (unsigned k = 0; k < t[object].size && i < ntok; ++k) {
    if (json_eq(js, &t[i], key) && i + 1 < ntok) return i + 1;
    i = json_skip(t, ntok, i);
  }
  return -1;
}

/* A primitive that is a decimal int32 (no fraction, no exponent). */
int json_get_int(const char* js, const json_token_t* t, int32_t* out) {
  if (t->type != JT_PRIMITIVE) return -1;
  const char* c = js + t->start;
  const char* e = js + t->end;
  int neg = 0;
  if (c < e && *c == '-') {
    neg = 1;
    ++c;
  }
  if (c == e) return -1;
  int64_t v = 0;
  for (; c < e; ++c) {
    if (*c < '0' || *c > '9') return -1;
    v = v * 10 + (*c - '0');
    if (v > 2147483648LL) return -1;
  }
  if (!neg && v > 2147483647LL) return -1;
  *out = (int32_t)(neg ? -v : v);
  return 0;
}
