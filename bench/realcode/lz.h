/* lz.h: an LZSS-style compressor (hash chains over a caller-owned
 * workspace) and its decompressor, for logs and firmware blobs. */
#ifndef LZ_H
#define LZ_H
#include <stddef.h>
#include <stdint.h>

#define LZ_WINDOW_BITS 10
#define LZ_WINDOW (1u << LZ_WINDOW_BITS)
#define LZ_HASH_BITS 8
#define LZ_MIN_MATCH 3
#define LZ_MAX_MATCH 18

typedef struct {
  uint16_t head[1u << LZ_HASH_BITS]; /* last position + 1 of each hash, 0 none */
  uint16_t prev[LZ_WINDOW];          /* previous position + 1 with the same hash */
} lz_workspace_t;

typedef struct {
  uint32_t literals, matches, longest;
} lz_stats_t;

size_t lz_compress(const uint8_t* in, size_t n, uint8_t* out, size_t cap, lz_workspace_t* ws, lz_stats_t* st);
long lz_decompress(const uint8_t* in, size_t n, uint8_t* out, size_t cap);
size_t lz_bound(size_t n);
#endif
