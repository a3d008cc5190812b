/* base64.c: base64 as config and provisioning code on small devices carries
 * it: const alphabets and one 256-entry reverse table for both (so decoding
 * accepts either), whitespace skipped, padding optional, and an early exit
 * with the offending offset on any other byte. */
#include "base64.h"

#include <string.h>

static const char alphabets[2][65] = {
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
};

/* 0..63 a digit, 64 padding, 65 whitespace, 255 invalid. */
/* clang-format off */
#define X 255
#define W 65
static const uint8_t reverse[256] = {
    X, X, X, X, X, X, X, X,  X, W,  W, X, X, W,  X, X, X, X, X, X, X, X, X, X, X,  X, X, X, X, X, X, X,
    W, X, X, X, X, X, X, X,  X, X,  X, 62, X, 62, X, 63, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, 64, X, X,
    X, 0, 1, 2, 3, 4, 5, 6,  7, 8,  9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X, X, X, X, X, X, X, X,  X, X,  X, X, X, X,  X, X, X, X, X, X, X, X, X, X, X,  X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,  X, X,  X, X, X, X,  X, X, X, X, X, X, X, X, X, X, X,  X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,  X, X,  X, X, X, X,  X, X, X, X, X, X, X, X, X, X, X,  X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,  X, X,  X, X, X, X,  X, X, X, X, X, X, X, X, X, X, X,  X, X, X, X, X, X, X,
};
#undef X
#undef W
/* clang-format on */

size_t b64_encoded_size(size_t n, int pad) { return pad ? (n + 2) / 3 * 4 : (n * 4 + 2) / 3; }

/* Returns the characters written (NUL-terminated), 0 if `cap` is too small. */
size_t b64_encode(const uint8_t* in, size_t n, char* out, size_t cap, int alphabet, int pad) {
  const size_t need = b64_encoded_size(n, pad);
  if (need + 1 > cap) return 0;
  const char* a = alphabets[alphabet & 1];
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = a[v >> 18];
    out[o++] = a[(v >> 12) & 63];
    out[o++] = a[(v >> 6) & 63];
    out[o++] = a[v & 63];
  }
  if (n - i == 1) {
    const uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = a[v >> 18];
    out[o++] = a[(v >> 12) & 63];
    if (pad) {
      out[o++] = '=';
      out[o++] = '=';
    }
  } else if (n - i == 2) {
    const uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = a[v >> 18];
    out[o++] = a[(v >> 12) & 63];
    out[o++] = a[(v >> 6) & 63];
    if (pad) out[o++] = '=';
  }
  out[o] = '\0';
  return o;
}

/* Returns the bytes decoded; on a bad byte -(its offset + 1); -(n + 1) when
 * the output is too small or the digits end in an impossible place. */
long b64_decode(const char* in, size_t n, uint8_t* out, size_t cap) {
  uint32_t acc = 0;
  unsigned digits = 0, pads = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t d = reverse[(uint8_t)in[i]];
    if (d == 65) continue;
    if (d == 255) return -(long)(i + 1);
    if (d == 64) {
      ++pads;
      continue;
    }
    if (pads) return -(long)(i + 1); /* a digit after padding */
    acc = acc << 6 | d;
    if (++digits == 4) {
      if (o + 3 > cap) return -(long)(n + 1);
      out[o++] = (uint8_t)(acc >> 16);
      out[o++] = (uint8_t)(acc >> 8);
      out[o++] = (uint8_t)acc;
      digits = 0;
      acc = 0;
    }
  }
  if (digits == 1 || pads > 2) return -(long)(n + 1);
  if (digits == 2) {
    if (o + 1 > cap) return -(long)(n + 1);
    out[o++] = (uint8_t)(acc >> 4);
  } else if (digits == 3) {
    if (o + 2 > cap) return -(long)(n + 1);
    out[o++] = (uint8_t)(acc >> 10);
    out[o++] = (uint8_t)(acc >> 2);
  }
  return (long)o;
}

long b64_decode_str(const char* in, uint8_t* out, size_t cap) { return b64_decode(in, strlen(in), out, cap); }
