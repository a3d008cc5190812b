/* The C runtime's string and memory scans (runtime/runtime.cpp), each behind
 * an export, for runtime_test.cpp to run dissolved on the emulated core. */
#include <gust/abi.h>
#include <string.h>

GUST_EXPORT("t_strlen") unsigned t_strlen(const char* s) { return (unsigned)strlen(s); }
GUST_EXPORT("t_strcmp") int t_strcmp(const char* a, const char* b) { return strcmp(a, b); }
GUST_EXPORT("t_memcmp") int t_memcmp(const void* a, const void* b, unsigned n) { return memcmp(a, b, n); }
GUST_EXPORT("t_memchr") int t_memchr(const void* s, int c, unsigned n) {
  const char* p = (const char*)memchr(s, c, n);
  return p ? (int)(p - (const char*)s) : -1;
}
