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

// The string and memory scans go a word at a time, as newlib's do: 4 bytes
// a load and a bounds check, where a byte loop pays both for every byte.
// memcmp reads all n bytes of both ranges, so its words may be unaligned
// (the Cortex-M3 loads those); strlen, strcmp and memchr stop at what they
// find, so they read aligned words only, which never cross the end of a
// region (its size is a multiple of 4: gust build and the manifest keep it
// so) even past the byte that ends the scan.
namespace {
typedef uint32_t __attribute__((may_alias, aligned(1))) any_word;  // at any address
typedef uint32_t __attribute__((may_alias)) word;                  // 4-byte aligned
constexpr uint32_t kOnes = 0x01010101u, kHighs = 0x80808080u;
// The bytes of w that are zero have their high bit set, those below the
// first zero byte do not (the lowest set bit is exact, the rest may not be).
inline uint32_t zero_bytes(uint32_t w) { return (w - kOnes) & ~w & kHighs; }
// The index of the first (lowest-addressed, little-endian) flagged byte.
inline size_t first_byte(uint32_t mask) { return size_t(__builtin_ctz(mask)) >> 3; }
inline uint32_t load_any(const unsigned char* p) { return *reinterpret_cast<const any_word*>(p); }
inline bool aligned(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 3) == 0; }
// The bytes [0, k) of a word as ones (k 0..3), and the bytes from k on (k
// 1..4): bytes a scan has not reached (before its start, after its end)
// then never look like the byte it seeks.
inline uint32_t bytes_below(unsigned k) { return k ? ~0u >> (32 - 8 * k) : 0; }
inline uint32_t bytes_from(unsigned k) { return k >= 4 ? 0 : ~0u << (8 * k); }
}  // namespace

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char *x = static_cast<const unsigned char*>(a), *y = static_cast<const unsigned char*>(b);
  // Equal words are skipped; the bytes from the first that differs are
  // compared one by one (the difference is in the next four).
  for (; n >= 4 && load_any(x) == load_any(y); n -= 4, x += 4, y += 4) {
  }
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x - *y;
  return 0;
}

// C lets a caller pass more than the object holds when the byte is found
// in it (memchr stops there), so the words are aligned, as strlen's are:
// the first and the last are masked to the range instead of read bytewise.
void* memchr(const void* s, int c, size_t n) {
  if (!n) return nullptr;
  const uint32_t pattern = static_cast<unsigned char>(c) * kOnes;
  const unsigned k = reinterpret_cast<uintptr_t>(s) & 3;
  const word* w = reinterpret_cast<const word*>(static_cast<const unsigned char*>(s) - k);
  // The words the range touches: *w up to *last.
  const size_t span = n > SIZE_MAX - 3 ? SIZE_MAX : n + k;
  const word* last = w + (span - 1) / 4;
  uint32_t x = (*w ^ pattern) | bytes_below(k);
  for (; w != last; x = *++w ^ pattern)
    if (const uint32_t m = zero_bytes(x))
      return const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(w) + first_byte(m));
  const uint32_t m = zero_bytes(x | bytes_from(unsigned((span - 1) % 4 + 1)));
  return m ? const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(w) + first_byte(m)) : nullptr;
}

size_t strlen(const char* s) {
  const unsigned k = reinterpret_cast<uintptr_t>(s) & 3;
  const word* w = reinterpret_cast<const word*>(s - k);
  uint32_t m = zero_bytes(*w | bytes_below(k));
  while (!m) m = zero_bytes(*++w);
  return size_t(reinterpret_cast<const char*>(w) - s) + first_byte(m);
}

size_t strnlen(const char* s, size_t max) {
  size_t n = 0;
  while (n < max && s[n]) ++n;
  return n;
}

int strcmp(const char* a, const char* b) {
  // At the same alignment: bytes up to a word boundary, then equal words
  // without a terminator skipped; the last loop finds where they differ.
  if (((reinterpret_cast<uintptr_t>(a) ^ reinterpret_cast<uintptr_t>(b)) & 3) == 0) {
    for (; !aligned(a) && *a && *a == *b; ++a, ++b) {
    }
    if (aligned(a)) {
      const word *x = reinterpret_cast<const word*>(a), *y = reinterpret_cast<const word*>(b);
      for (; *x == *y && !zero_bytes(*x); ++x, ++y) {
      }
      a = reinterpret_cast<const char*>(x);
      b = reinterpret_cast<const char*>(y);
    }
  }
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
