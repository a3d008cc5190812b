/* cfg.c: see cfg.h. Lines are found with memchr, keys compared with memcmp
 * after strlen, values copied with memcpy: the C library does the work. */
#include "cfg.h"

#include <string.h>

size_t str_len(const char* s) { return strlen(s); }
int str_cmp(const char* a, const char* b) { return strcmp(a, b); }
int mem_eq(const void* a, const void* b, size_t n) { return memcmp(a, b, n) == 0; }
const void* mem_find(const void* p, int c, size_t n) { return memchr(p, c, n); }

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

typedef struct {
  const char *key, *value;
  size_t key_len, value_len;
} entry_t;

/* The entry on the line [p, end): 1 if it has one. */
static int parse_line(const char* p, const char* end, entry_t* e) {
  while (p < end && blank(*p)) ++p;
  if (p == end || *p == '#') return 0;
  const char* eq = (const char*)memchr(p, '=', (size_t)(end - p));
  if (!eq) return 0;
  const char* k_end = eq;
  while (k_end > p && blank(k_end[-1])) --k_end;
  const char* v = eq + 1;
  while (v < end && blank(*v)) ++v;
  const char* v_end = end;
  while (v_end > v && blank(v_end[-1])) --v_end;
  e->key = p;
  e->key_len = (size_t)(k_end - p);
  e->value = v;
  e->value_len = (size_t)(v_end - v);
  return 1;
}

/* Calls f on every entry until it returns nonzero; returns that, or 0. */
static long each_entry(const char* text, size_t len, long (*f)(const entry_t*, void*), void* ctx) {
  const char* p = text;
  const char* end = text + len;
  while (p < end) {
    const char* nl = (const char*)memchr(p, '\n', (size_t)(end - p));
    const char* line_end = nl ? nl : end;
    entry_t e;
    if (parse_line(p, line_end, &e)) {
      long r = f(&e, ctx);
      if (r) return r;
    }
    p = line_end + 1;
  }
  return 0;
}

typedef struct {
  const char* key;
  size_t key_len;
  const entry_t* found;
  entry_t copy;
} lookup_t;

static long match(const entry_t* e, void* ctx) {
  lookup_t* l = (lookup_t*)ctx;
  if (e->key_len != l->key_len || memcmp(e->key, l->key, l->key_len) != 0) return 0;
  l->copy = *e;
  l->found = &l->copy;
  return 1;
}

static const entry_t* lookup(const char* text, size_t len, const char* key, lookup_t* l) {
  l->key = key;
  l->key_len = strlen(key);
  l->found = 0;
  each_entry(text, len, match, l);
  return l->found;
}

long cfg_get(const char* text, size_t len, const char* key, char* out, size_t cap) {
  lookup_t l;
  const entry_t* e = lookup(text, len, key, &l);
  if (!e) return -1;
  if (e->value_len + 1 > cap) return -2;
  memcpy(out, e->value, e->value_len);
  out[e->value_len] = 0;
  return (long)e->value_len;
}

static long count_one(const entry_t* e, void* ctx) {
  (void)e;
  ++*(unsigned*)ctx;
  return 0;
}

unsigned cfg_count(const char* text, size_t len) {
  unsigned n = 0;
  each_entry(text, len, count_one, &n);
  return n;
}

int cfg_set_inplace(char* text, size_t len, const char* key, const char* value) {
  lookup_t l;
  const entry_t* e = lookup(text, len, key, &l);
  if (!e) return -1;
  const size_t n = strlen(value);
  if (n > e->value_len) return -2;
  char* at = text + (e->value - text);
  memcpy(at, value, n);
  memset(at + n, ' ', e->value_len - n);
  return 0;
}
