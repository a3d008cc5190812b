/* bench/realcode/rc_libc.c: STAND-IN C library for the gust builds only.
 * gust does not give drivers memcpy/memset/memmove/memcmp/strlen yet (issue 10
 * item 5, the `cxx` branch); until it does, the benchmark compiles these
 * plain byte loops into each wasm module so that the programs run today. The
 * native builds call newlib's. Delete this file (and its mention in
 * bench/realcode/run.cpp) once drivers get the real ones. */
#include <stddef.h>
#include <stdint.h>

/* The loops below are what memcpy and friends are: without this the
 * compiler would recognise them and call themselves. */
#define RC_NO_BUILTIN __attribute__((no_builtin))

RC_NO_BUILTIN void* memcpy(void* restrict dst, const void* restrict src, size_t n) {
  uint8_t* d = (uint8_t*)dst;
  const uint8_t* s = (const uint8_t*)src;
  while (n--) *d++ = *s++;
  return dst;
}

RC_NO_BUILTIN void* memmove(void* dst, const void* src, size_t n) {
  uint8_t* d = (uint8_t*)dst;
  const uint8_t* s = (const uint8_t*)src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

RC_NO_BUILTIN void* memset(void* dst, int c, size_t n) {
  uint8_t* d = (uint8_t*)dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

RC_NO_BUILTIN int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t* x = (const uint8_t*)a;
  const uint8_t* y = (const uint8_t*)b;
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x - *y;
  return 0;
}

RC_NO_BUILTIN size_t strlen(const char* s) {
  const char* p = s;
  while (*p) ++p;
  return (size_t)(p - s);
}
