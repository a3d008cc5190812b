// gust's soft-float helpers: the AEABI run-time functions (and sqrt, sqrtf)
// that LLVM and gcc call for float and double arithmetic on a core without an
// FPU, correctly rounded (round to nearest, ties to even) with wasm's NaN
// rules: an operation on a NaN returns that NaN with its quiet bit set, and an
// invalid operation (inf - inf, 0 * inf, 0 / 0, sqrt of a negative) returns
// the canonical NaN. Values travel as their bits (the soft-float ABI passes a
// float as a core register and a double as a register pair, as it does
// uint32_t and uint64_t), so no code here uses a floating-point type and
// nothing here calls another helper: the same source runs on the host, where
// tests compare it with exact rational arithmetic.
//
// Internal form: a value is sign * m * 2^(e - bias - P), with e the biased
// exponent (an int, may leave the format's range) and m an integer whose top
// bit, once normalised, sits at bit P (30 for float, 62 for double). The bits
// below the format's precision (7 for float, 10 for double) are the rounding
// bits; a bit shifted out is kept as a sticky 1 in bit 0.
#pragma once
#include <stdint.h>

#define SF_F32_SIGN 0x80000000u
#define SF_F32_INF 0x7f800000u
#define SF_F32_QUIET 0x00400000u
#define SF_F32_NAN 0x7fc00000u  // canonical
#define SF_F32_FRAC 0x007fffffu

#define SF_F64_SIGN 0x8000000000000000ull
#define SF_F64_INF 0x7ff0000000000000ull
#define SF_F64_QUIET 0x0008000000000000ull
#define SF_F64_NAN 0x7ff8000000000000ull  // canonical
#define SF_F64_FRAC 0x000fffffffffffffull

static inline int sf_clz32(uint32_t x) { return x ? __builtin_clz(x) : 32; }
static inline int sf_clz64(uint64_t x) {
  const uint32_t hi = (uint32_t)(x >> 32);
  return hi ? __builtin_clz(hi) : 32 + sf_clz32((uint32_t)x);
}

// m >> n, with a 1 in bit 0 if a bit shifted out was set.
static inline uint32_t sf_shr32(uint32_t m, int n) {
  if (n <= 0) return m;
  if (n >= 32) return m != 0;
  return (m >> n) | ((m << (32 - n)) != 0);
}
static inline uint64_t sf_shr64(uint64_t m, int n) {
  if (n <= 0) return m;
  if (n >= 64) return m != 0;
  return (m >> n) | ((m << (64 - n)) != 0);
}

static inline int sf_isnan32(uint32_t a) { return (a & ~SF_F32_SIGN) > SF_F32_INF; }
static inline int sf_isnan64(uint64_t a) { return (a & ~SF_F64_SIGN) > SF_F64_INF; }

// Rounds sign * m * 2^(e - 127 - 30) to the nearest float, ties to even
// (m != 0): overflow gives infinity, a result below the normal range is
// rounded once, as a subnormal.
static inline uint32_t sf_round32(uint32_t sign, int e, uint32_t m) {
  const int lz = __builtin_clz(m);
  if (lz == 0) {
    m = sf_shr32(m, 1);
    e += 1;
  } else {
    m <<= lz - 1;
    e -= lz - 1;
  }
  if (e >= 0xff) return sign | SF_F32_INF;
  if (e < 1) {
    m = sf_shr32(m, 1 - e);
    e = 1;
  }
  const uint32_t r = m & 0x7f;
  uint32_t q = m >> 7;
  if (r > 0x40 || (r == 0x40 && (q & 1))) q++;
  // q's implicit bit (bit 23) adds one to the exponent field; a subnormal has
  // none, and a carry out of the fraction moves into the exponent.
  return sign | (((uint32_t)(e - 1) << 23) + q);
}

// The same for sign * m * 2^(e - 1023 - 62) and double.
static inline uint64_t sf_round64(uint64_t sign, int e, uint64_t m) {
  const int lz = sf_clz64(m);
  if (lz == 0) {
    m = sf_shr64(m, 1);
    e += 1;
  } else {
    m <<= lz - 1;
    e -= lz - 1;
  }
  if (e >= 0x7ff) return sign | SF_F64_INF;
  if (e < 1) {
    m = sf_shr64(m, 1 - e);
    e = 1;
  }
  const uint64_t r = m & 0x3ff;
  uint64_t q = m >> 10;
  if (r > 0x200 || (r == 0x200 && (q & 1))) q++;
  return sign | (((uint64_t)(e - 1) << 52) + q);
}

// A finite nonzero value's significand with its implicit bit (bit 23 or 52),
// and its biased exponent (1 for a subnormal, whose significand is smaller).
static inline uint32_t sf_sig32(uint32_t a, int* e) {
  const int ea = (a >> 23) & 0xff;
  *e = ea ? ea : 1;
  return ea ? (a & SF_F32_FRAC) | 0x00800000u : a & SF_F32_FRAC;
}
static inline uint64_t sf_sig64(uint64_t a, int* e) {
  const int ea = (a >> 52) & 0x7ff;
  *e = ea ? ea : 1;
  return ea ? (a & SF_F64_FRAC) | 0x0010000000000000ull : a & SF_F64_FRAC;
}

// The same, normalised: the top bit at 23 or 52, the exponent lowered to match.
static inline uint32_t sf_norm32(uint32_t a, int* e) {
  uint32_t m = sf_sig32(a, e);
  const int s = __builtin_clz(m) - 8;
  *e -= s;
  return m << s;
}
static inline uint64_t sf_norm64(uint64_t a, int* e) {
  uint64_t m = sf_sig64(a, e);
  const int s = sf_clz64(m) - 11;
  *e -= s;
  return m << s;
}

// The helpers, by their AEABI names.
uint32_t __aeabi_fadd(uint32_t a, uint32_t b);
uint32_t __aeabi_fsub(uint32_t a, uint32_t b);
uint32_t __aeabi_frsub(uint32_t a, uint32_t b);
uint32_t __aeabi_fmul(uint32_t a, uint32_t b);
uint32_t __aeabi_fdiv(uint32_t a, uint32_t b);
uint32_t sqrtf_bits(uint32_t a);
uint64_t __aeabi_dadd(uint64_t a, uint64_t b);
uint64_t __aeabi_dsub(uint64_t a, uint64_t b);
uint64_t __aeabi_drsub(uint64_t a, uint64_t b);
uint64_t __aeabi_dmul(uint64_t a, uint64_t b);
uint64_t __aeabi_ddiv(uint64_t a, uint64_t b);
uint64_t sqrt_bits(uint64_t a);

int __aeabi_fcmpeq(uint32_t a, uint32_t b);
int __aeabi_fcmplt(uint32_t a, uint32_t b);
int __aeabi_fcmple(uint32_t a, uint32_t b);
int __aeabi_fcmpge(uint32_t a, uint32_t b);
int __aeabi_fcmpgt(uint32_t a, uint32_t b);
int __aeabi_fcmpun(uint32_t a, uint32_t b);
int __aeabi_dcmpeq(uint64_t a, uint64_t b);
int __aeabi_dcmplt(uint64_t a, uint64_t b);
int __aeabi_dcmple(uint64_t a, uint64_t b);
int __aeabi_dcmpge(uint64_t a, uint64_t b);
int __aeabi_dcmpgt(uint64_t a, uint64_t b);
int __aeabi_dcmpun(uint64_t a, uint64_t b);

uint32_t __aeabi_i2f(int32_t x);
uint32_t __aeabi_ui2f(uint32_t x);
uint32_t __aeabi_l2f(int64_t x);
uint32_t __aeabi_ul2f(uint64_t x);
uint64_t __aeabi_i2d(int32_t x);
uint64_t __aeabi_ui2d(uint32_t x);
uint64_t __aeabi_l2d(int64_t x);
uint64_t __aeabi_ul2d(uint64_t x);
uint64_t __aeabi_f2d(uint32_t a);
uint32_t __aeabi_d2f(uint64_t a);
int32_t __aeabi_f2iz(uint32_t a);
uint32_t __aeabi_f2uiz(uint32_t a);
int64_t __aeabi_f2lz(uint32_t a);
uint64_t __aeabi_f2ulz(uint32_t a);
int32_t __aeabi_d2iz(uint64_t a);
uint32_t __aeabi_d2uiz(uint64_t a);
int64_t __aeabi_d2lz(uint64_t a);
uint64_t __aeabi_d2ulz(uint64_t a);
