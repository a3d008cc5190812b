/* cfg.h: a key=value configuration store over caller text (one entry a
 * line, '#' comments, blanks around '=' ignored) and the thin string layer
 * such code sits on (str_len, str_cmp, mem_eq, mem_find: the portability
 * wrappers embedded code bases keep over the C library). */
#ifndef CFG_H
#define CFG_H
#include <stddef.h>
#include <stdint.h>

size_t str_len(const char* s);
int str_cmp(const char* a, const char* b);
int mem_eq(const void* a, const void* b, size_t n);
const void* mem_find(const void* p, int c, size_t n);

/* The value of `key` in text[0, len), copied with a NUL into out[0, cap):
 * its length, -1 if the key is absent, -2 if out is too small. */
long cfg_get(const char* text, size_t len, const char* key, char* out, size_t cap);
/* Entries (non-blank, non-comment lines with an '='). */
unsigned cfg_count(const char* text, size_t len);
/* Overwrites the value of `key` in place when the new one fits the old
 * one's width (padded with blanks): 0, or -1 absent, -2 too long. */
int cfg_set_inplace(char* text, size_t len, const char* key, const char* value);
#endif
