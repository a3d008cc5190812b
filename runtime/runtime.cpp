// The C and C++ runtime of every driver, in wasm: the memory and string
// functions that compilers and libc++ call (memcpy for a struct copy,
// wmemchr for std::find over 32-bit values), the pieces of the Itanium C++
// ABI that global objects and virtual functions reach, and the reactor entry
// _initialize that boot calls once to run the global constructors. gust
// compiles it with each driver (compile.cpp) and wasm-ld keeps only what the
// driver calls. Built with bulk memory: memcpy, memmove and memset are one
// memory.copy or memory.fill each, which the dissolver lowers to one bounds
// check and the native routine.
#include <stddef.h>
#include <stdint.h>

// wasm-ld defines it: the global constructors in link order.
extern "C" void __wasm_call_ctors(void);

extern "C" {

// The reactor's entry (WASI's name for it): gust build exports it from a
// module that has global constructors, and boot calls it once per such
// instance, in manifest order, before the app starts. Referencing
// __wasm_call_ctors here also tells wasm-ld not to run the constructors
// again at the start of every export.
void _initialize(void) { __wasm_call_ctors(); }

void* memcpy(void* __restrict dst, const void* __restrict src, size_t n) {
  __builtin_memcpy(dst, src, n);  // memory.copy
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  __builtin_memmove(dst, src, n);  // memory.copy, which allows overlap
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  __builtin_memset(dst, c, n);  // memory.fill
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char *x = static_cast<const unsigned char*>(a), *y = static_cast<const unsigned char*>(b);
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x - *y;
  return 0;
}

void* memchr(const void* s, int c, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(s);
  for (; n; --n, ++p)
    if (*p == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p);
  return nullptr;
}

size_t strlen(const char* s) {
  const char* p = s;
  while (*p) ++p;
  return size_t(p - s);
}

size_t strnlen(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n]) ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  for (; *a && *a == *b; ++a, ++b) {
  }
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n; --n, ++a, ++b) {
    if (*a != *b) return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
    if (!*a) return 0;
  }
  return 0;
}

char* strchr(const char* s, int c) {
  for (;; ++s) {
    if (*s == static_cast<char>(c)) return const_cast<char*>(s);
    if (!*s) return nullptr;
  }
}

// wchar_t is 32 bits on wasm32: libc++'s char_traits<wchar_t>, and its
// std::find and std::count over 32-bit integers, call these.
wchar_t* wmemchr(const wchar_t* s, wchar_t c, size_t n) {
  for (; n; --n, ++s)
    if (*s == c) return const_cast<wchar_t*>(s);
  return nullptr;
}

int wmemcmp(const wchar_t* a, const wchar_t* b, size_t n) {
  for (; n; --n, ++a, ++b)
    if (*a != *b) return *a < *b ? -1 : 1;
  return 0;
}

wchar_t* wmemcpy(wchar_t* __restrict dst, const wchar_t* __restrict src, size_t n) {
  __builtin_memcpy(dst, src, n * sizeof(wchar_t));
  return dst;
}

wchar_t* wmemmove(wchar_t* dst, const wchar_t* src, size_t n) {
  __builtin_memmove(dst, src, n * sizeof(wchar_t));
  return dst;
}

wchar_t* wmemset(wchar_t* dst, wchar_t c, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = c;
  return dst;
}

size_t wcslen(const wchar_t* s) {
  const wchar_t* p = s;
  while (*p) ++p;
  return size_t(p - s);
}

// A driver never exits: the destructors of global objects never run, so
// registering one keeps nothing (and costs no memory).
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
int atexit(void (*)(void)) { return 0; }

// Function-local statics with a dynamic initialiser. A driver's code runs on
// one core; the guard's first byte says "done" (Itanium ABI 3.3.2).
int __cxa_guard_acquire(uint64_t* guard) { return *reinterpret_cast<volatile uint8_t*>(guard) == 0; }
void __cxa_guard_release(uint64_t* guard) { *reinterpret_cast<volatile uint8_t*>(guard) = 1; }
void __cxa_guard_abort(uint64_t*) {}

// What cannot happen in a correct program traps: a pure virtual call, and
// abort (libc++ calls it where a hosted build would throw, for example
// std::optional::value() on an empty optional, since drivers have no
// exceptions).
[[noreturn]] void __cxa_pure_virtual(void) { __builtin_trap(); }
[[noreturn]] void __cxa_deleted_virtual(void) { __builtin_trap(); }
[[noreturn]] void abort(void) { __builtin_trap(); }
}
