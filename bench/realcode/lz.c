/* lz.c: LZSS as small devices use it: a flag byte announces eight items,
 * each a literal byte or a match in two bytes (10 bits of distance - 1,
 * 4 bits of length - LZ_MIN_MATCH). The match search walks a bounded hash
 * chain; the workspace is the caller's (no heap), cleared with memset per
 * call. The decoder checks every distance and length against what it has
 * written and against its output's capacity. */
#include "lz.h"

#include <string.h>

#define LZ_MAX_CHAIN 16

static uint32_t hash3(const uint8_t* p) {
  return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - LZ_HASH_BITS);
}

size_t lz_bound(size_t n) { return n + (n + 7) / 8 + 1; }

static void insert(lz_workspace_t* ws, const uint8_t* in, size_t pos) {
  const uint32_t h = hash3(in + pos);
  ws->prev[pos & (LZ_WINDOW - 1)] = ws->head[h];
  ws->head[h] = (uint16_t)(pos + 1);
}

/* The longest match for `pos` among the last LZ_WINDOW bytes; its length
 * (0 if under LZ_MIN_MATCH) and distance in *dist. */
static size_t longest_match(const lz_workspace_t* ws, const uint8_t* in, size_t n, size_t pos, size_t* dist) {
  size_t best = 0;
  uint32_t cand = ws->head[hash3(in + pos)];
  const size_t limit = n - pos < LZ_MAX_MATCH ? n - pos : LZ_MAX_MATCH;
  for (int chain = 0; cand && chain < LZ_MAX_CHAIN; ++chain) {
    const size_t c = cand - 1;
    if (c >= pos || pos - c > LZ_WINDOW) break;
    if (in[c + best] == in[pos + best]) { /* cheap reject before the scan */
      size_t len = 0;
      while (len < limit && in[c + len] == in[pos + len]) ++len;
      if (len > best) {
        best = len;
        *dist = pos - c;
        if (len == limit) break;
      }
    }
    const uint32_t next = ws->prev[c & (LZ_WINDOW - 1)];
    if (next == 0 || next - 1 >= c + 1) break; /* chains only go back */
    cand = next;
  }
  return best >= LZ_MIN_MATCH ? best : 0;
}

/* Returns the compressed size, 0 when `cap` is too small. */
size_t lz_compress(const uint8_t* in, size_t n, uint8_t* out, size_t cap, lz_workspace_t* ws, lz_stats_t* st) {
  memset(ws, 0, sizeof *ws);
  memset(st, 0, sizeof *st);
  if (n > 0xFFFF) return 0;
  size_t o = 0, pos = 0, flag_at = 0;
  unsigned items = 8;
  while (pos < n) {
    if (items == 8) {
      if (o >= cap) return 0;
      flag_at = o++;
      out[flag_at] = 0;
      items = 0;
    }
    size_t dist = 0, len = n - pos >= LZ_MIN_MATCH ? longest_match(ws, in, n, pos, &dist) : 0;
    if (len) {
      if (o + 2 > cap) return 0;
      const uint32_t code = (uint32_t)(dist - 1) << 4 | (uint32_t)(len - LZ_MIN_MATCH);
      out[o++] = (uint8_t)(code >> 8);
      out[o++] = (uint8_t)code;
      out[flag_at] |= (uint8_t)(1u << items);
      st->matches++;
      if (len > st->longest) st->longest = (uint32_t)len;
      for (size_t k = 0; k < len; ++k, ++pos)
        if (n - pos >= LZ_MIN_MATCH) insert(ws, in, pos);
    } else {
      if (o >= cap) return 0;
      out[o++] = in[pos];
      st->literals++;
      if (n - pos >= LZ_MIN_MATCH) insert(ws, in, pos);
      ++pos;
    }
    ++items;
  }
  return o;
}

/* Returns the decompressed size, or -1 on a corrupt stream or a full output. */
long lz_decompress(const uint8_t* in, size_t n, uint8_t* out, size_t cap) {
  size_t i = 0, o = 0;
  while (i < n) {
    const uint8_t flags = in[i++];
    for (unsigned item = 0; item < 8 && i < n; ++item) {
      if (flags & (1u << item)) {
        if (i + 2 > n) return -1;
        const uint32_t code = (uint32_t)in[i] << 8 | in[i + 1];
        i += 2;
        const size_t dist = (code >> 4) + 1, len = (code & 15) + LZ_MIN_MATCH;
        if (dist > o || len > cap - o) return -1;
        if (dist >= len) {
          memcpy(out + o, out + o - dist, len);
        } else {
          for (size_t k = 0; k < len; ++k) out[o + k] = out[o + k - dist]; /* overlapping: a run */
        }
        o += len;
      } else {
        if (o >= cap) return -1;
        out[o++] = in[i++];
      }
    }
  }
  return (long)o;
}
