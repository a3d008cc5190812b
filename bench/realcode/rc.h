/* bench/realcode/rc.h: what every program's benchmark glue shares: a seeded
 * generator for inputs and a hash of outputs, so each build's results can be
 * compared word for word. Not part of any library under test. */
#ifndef RC_H
#define RC_H
#include <stddef.h>
#include <stdint.h>

/* xorshift32: the same sequence on every target, no library needed. */
static inline uint32_t rc_next(uint32_t* s) {
  uint32_t x = *s ? *s : 0x9E3779B9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

/* FNV-1a over bytes and words: order-sensitive, cheap on every build. */
static inline uint32_t rc_hash_bytes(uint32_t h, const void* p, size_t n) {
  const uint8_t* b = (const uint8_t*)p;
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 16777619u;
  return h;
}
static inline uint32_t rc_hash_word(uint32_t h, uint32_t w) {
  for (int i = 0; i < 4; ++i) h = (h ^ ((w >> (8 * i)) & 0xFFu)) * 16777619u;
  return h;
}
#define RC_HASH_INIT 2166136261u

/* The glue every program defines (bench/realcode/<name>_bench.c):
 *   rc_check(seed)   runs the whole workload on inputs drawn from the seed
 *                    and returns a hash of every output;
 *   rc_prepare(seed) sets the inputs of the measured calls up again;
 *   rc_arg(i)        the i-th pointer or value those calls take (an address
 *                    in the build's own address space: a linear-memory
 *                    offset under gust). */
uint32_t rc_check(uint32_t seed);
void rc_prepare(uint32_t seed);
uintptr_t rc_arg(uint32_t i);
#endif
