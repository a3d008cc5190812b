// Square roots, float and double: the root of the significand (scaled to an
// even exponent) one bit at a time, two bits more than the format holds; a
// nonzero remainder is the sticky bit. wasm's f32.sqrt and f64.sqrt reach
// these through libm's names, sqrtf and sqrt.
#include "softfloat.h"

uint32_t sqrtf_bits(uint32_t a) {
  if (sf_isnan32(a)) return a | SF_F32_QUIET;
  if ((a << 1) == 0) return a;  // sqrt(-0) is -0
  if (a & SF_F32_SIGN) return SF_F32_NAN;
  if (a == SF_F32_INF) return a;
  int ea;
  uint32_t ma = sf_norm32(a, &ea);  // a = ma * 2^(ea - 150)
  if ((ea - 150) & 1) {
    ma <<= 1;
    ea--;
  }
  // The root of ma * 2^28 (27 bits), two bits of the radicand a step from
  // the top of x (ma has at most 26 bits; the radicand's low 28 are zero).
  uint32_t root = 0, rem = 0, x = ma << 6;
  for (int i = 0; i < 27; i++) {
    rem = (rem << 2) | (x >> 30);
    x <<= 2;
    const uint32_t t = (root << 2) | 1;
    root <<= 1;
    if (rem >= t) {
      rem -= t;
      root |= 1;
    }
  }
  return sf_round32(0, (ea - 178) / 2 + 157, root | (rem != 0));
}

uint64_t sqrt_bits(uint64_t a) {
  if (sf_isnan64(a)) return a | SF_F64_QUIET;
  if ((a << 1) == 0) return a;
  if (a & SF_F64_SIGN) return SF_F64_NAN;
  if (a == SF_F64_INF) return a;
  int ea;
  uint64_t ma = sf_norm64(a, &ea);  // a = ma * 2^(ea - 1075)
  if ((ea - 1075) & 1) {
    ma <<= 1;
    ea--;
  }
  // The root of ma * 2^56 (55 bits), as above (ma has at most 54 bits).
  uint64_t root = 0, rem = 0, x = ma << 10;
  for (int i = 0; i < 55; i++) {
    rem = (rem << 2) | (x >> 62);
    x <<= 2;
    const uint64_t t = (root << 2) | 1;
    root <<= 1;
    if (rem >= t) {
      rem -= t;
      root |= 1;
    }
  }
  return sf_round64(0, (ea - 1131) / 2 + 1085, root | (rem != 0));
}

#if defined(__arm__)
// libm's names in the image (the soft-float ABI passes a double as a
// uint64_t). Declared under other C names: gcc knows sqrt's C type.
uint32_t gust_sqrtf_alias(uint32_t) __asm__("sqrtf") __attribute__((alias("sqrtf_bits")));
uint64_t gust_sqrt_alias(uint64_t) __asm__("sqrt") __attribute__((alias("sqrt_bits")));
#endif
