/* bench/realcode/libc/string.h: STAND-IN header for the gust builds only
 * (wasm32 has no C library here yet; see rc_libc.c beside it). */
#ifndef RC_STRING_H
#define RC_STRING_H
#include <stddef.h>
void* memcpy(void* restrict dst, const void* restrict src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
#endif
