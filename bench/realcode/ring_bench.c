/* ring_bench.c: benchmark glue for ring.c (inputs from a seed, a hash of
 * every result); not part of the library. */
#include "rc.h"
#include "ring.h"

static uint8_t storage[256];
static ring_t ring;
static uint8_t block[96];
static uint8_t out[128];
static char line[48];

static void fill(uint32_t* s, uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t v = rc_next(s);
    p[i] = (v & 7) == 0 ? '\n' : (uint8_t)(' ' + (v >> 8) % 90);
  }
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  h = rc_hash_word(h, (uint32_t)ring_init(&ring, storage, 100)); /* not a power of two */
  ring_init(&ring, storage, sizeof storage);
  for (int round = 0; round < 24; ++round) {
    const uint32_t op = rc_next(&s) % 6, n = rc_next(&s) % sizeof block;
    fill(&s, block, n);
    switch (op) {
      case 0:
        h = rc_hash_word(h, ring_write(&ring, block, n));
        break;
      case 1:
        for (uint32_t i = 0; i < n; ++i) h = rc_hash_word(h, (uint32_t)ring_put(&ring, block[i]));
        break;
      case 2:
        h = rc_hash_word(h, ring_read(&ring, out, n));
        h = rc_hash_bytes(h, out, n < sizeof out ? n : sizeof out);
        break;
      case 3: {
        uint8_t b = 0;
        for (uint32_t i = 0; i < n % 8; ++i) h = rc_hash_word(h, (uint32_t)ring_get(&ring, &b) + b);
        break;
      }
      case 4:
        h = rc_hash_word(h, ring_read_line(&ring, line, sizeof line));
        h = rc_hash_bytes(h, line, sizeof line);
        break;
      default:
        h = rc_hash_word(h, (uint32_t)ring_find(&ring, block[0]));
        h = rc_hash_word(h, ring_peek(&ring, out, n, n % 5));
        h = rc_hash_bytes(h, out, sizeof out);
        break;
    }
    h = rc_hash_word(h, ring_used(&ring) ^ (ring.overruns << 16));
  }
  ring_flush(&ring);
  return rc_hash_word(h, ring_used(&ring));
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  ring_init(&ring, storage, sizeof storage);
  fill(&s, block, sizeof block);
  block[70] = '\n';
  ring_write(&ring, block, 80);
  ring.tail = ring.head = 200; /* wrapped: head and tail near the end */
  ring_write(&ring, block, 80);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)&ring;
    case 1:
      return (uintptr_t)block;
    case 2:
      return (uintptr_t)out;
    case 3:
      return (uintptr_t)line;
    default:
      return 0;
  }
}
