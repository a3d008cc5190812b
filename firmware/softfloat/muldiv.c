// Multiplication and division, float and double. The product of two
// significands is exact (48 or 106 bits, the latter from four 32 x 32
// multiplies); the quotient comes one bit at a time from a restoring
// division, two bits more than the format holds, and the remainder is the
// sticky bit. Either is then rounded once.
#include "softfloat.h"

// NaN operands, infinities and zeros of a product.
static int special_mul32(uint32_t a, uint32_t b, uint32_t* out) {
  const uint32_t sign = (a ^ b) & SF_F32_SIGN;
  const uint32_t ma = a << 1, mb = b << 1;  // without the sign
  if (sf_isnan32(a)) return *out = a | SF_F32_QUIET, 1;
  if (sf_isnan32(b)) return *out = b | SF_F32_QUIET, 1;
  if (ma == SF_F32_INF << 1 || mb == SF_F32_INF << 1) return *out = (ma == 0 || mb == 0) ? SF_F32_NAN : sign | SF_F32_INF, 1;
  if (ma == 0 || mb == 0) return *out = sign, 1;
  return 0;
}

uint32_t __aeabi_fmul(uint32_t a, uint32_t b) {
  int ea = (a >> 23) & 0xff, eb = (b >> 23) & 0xff;
  uint32_t ma, mb;
  if ((unsigned)(ea - 1) < 0xfe && (unsigned)(eb - 1) < 0xfe) {  // both normal: the common path
    ma = (a & SF_F32_FRAC) | 0x00800000u;
    mb = (b & SF_F32_FRAC) | 0x00800000u;
  } else {
    uint32_t r;
    if (special_mul32(a, b, &r)) return r;
    ma = sf_norm32(a, &ea);
    mb = sf_norm32(b, &eb);
  }
  const uint64_t p = (uint64_t)ma * mb;  // 2^46 <= p < 2^48
  // sign * p * 2^(ea + eb - 300), as m = p / 2^17 (sticky) at exponent e.
  return sf_round32((a ^ b) & SF_F32_SIGN, ea + eb - 126, (uint32_t)sf_shr64(p, 17));
}

static int special_div32(uint32_t a, uint32_t b, uint32_t* out) {
  const uint32_t sign = (a ^ b) & SF_F32_SIGN;
  const uint32_t ma = a << 1, mb = b << 1;
  if (sf_isnan32(a)) return *out = a | SF_F32_QUIET, 1;
  if (sf_isnan32(b)) return *out = b | SF_F32_QUIET, 1;
  if (ma == SF_F32_INF << 1) return *out = mb == SF_F32_INF << 1 ? SF_F32_NAN : sign | SF_F32_INF, 1;
  if (mb == SF_F32_INF << 1) return *out = sign, 1;
  if (mb == 0) return *out = ma == 0 ? SF_F32_NAN : sign | SF_F32_INF, 1;
  if (ma == 0) return *out = sign, 1;
  return 0;
}

uint32_t __aeabi_fdiv(uint32_t a, uint32_t b) {
  int ea = (a >> 23) & 0xff, eb = (b >> 23) & 0xff;
  uint32_t ma, mb;
  if ((unsigned)(ea - 1) < 0xfe && (unsigned)(eb - 1) < 0xfe) {
    ma = (a & SF_F32_FRAC) | 0x00800000u;
    mb = (b & SF_F32_FRAC) | 0x00800000u;
  } else {
    uint32_t r;
    if (special_div32(a, b, &r)) return r;
    ma = sf_norm32(a, &ea);
    mb = sf_norm32(b, &eb);
  }
  int e = ea - eb + 127;
  if (ma < mb) {  // the quotient's first bit is then 1
    ma <<= 1;
    e--;
  }
  uint32_t q = 0;
  for (int i = 0; i < 26; i++) {
    q <<= 1;
    if (ma >= mb) {
      ma -= mb;
      q |= 1;
    }
    ma <<= 1;
  }
  // q = floor(a / b * 2^25) (bit 25 set): move it to bit 30, remainder sticky.
  return sf_round32((a ^ b) & SF_F32_SIGN, e, (q << 5) | (ma != 0));
}

static int special_mul64(uint64_t a, uint64_t b, uint64_t* out) {
  const uint64_t sign = (a ^ b) & SF_F64_SIGN;
  const uint64_t ma = a << 1, mb = b << 1;
  if (sf_isnan64(a)) return *out = a | SF_F64_QUIET, 1;
  if (sf_isnan64(b)) return *out = b | SF_F64_QUIET, 1;
  if (ma == SF_F64_INF << 1 || mb == SF_F64_INF << 1) return *out = (ma == 0 || mb == 0) ? SF_F64_NAN : sign | SF_F64_INF, 1;
  if (ma == 0 || mb == 0) return *out = sign, 1;
  return 0;
}

// The high 64 bits of a * b, and whether the low 64 are nonzero.
static uint64_t mul_hi64(uint64_t a, uint64_t b, int* low_nonzero) {
  const uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
  const uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
  const uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
  *low_nonzero = (uint32_t)ll != 0 || (uint32_t)mid != 0;
  return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

uint64_t __aeabi_dmul(uint64_t a, uint64_t b) {
  int ea = (a >> 52) & 0x7ff, eb = (b >> 52) & 0x7ff, low;
  uint64_t ma, mb;
  if ((unsigned)(ea - 1) < 0x7fe && (unsigned)(eb - 1) < 0x7fe) {
    ma = (a & SF_F64_FRAC) | 0x0010000000000000ull;
    mb = (b & SF_F64_FRAC) | 0x0010000000000000ull;
  } else {
    uint64_t r;
    if (special_mul64(a, b, &r)) return r;
    ma = sf_norm64(a, &ea);
    mb = sf_norm64(b, &eb);
  }
  // (ma << 10) * (mb << 11) < 2^127: its high word has its top bit at 61 or 62.
  const uint64_t hi = mul_hi64(ma << 10, mb << 11, &low);
  return sf_round64((a ^ b) & SF_F64_SIGN, ea + eb - 1022, hi | (uint64_t)low);
}

static int special_div64(uint64_t a, uint64_t b, uint64_t* out) {
  const uint64_t sign = (a ^ b) & SF_F64_SIGN;
  const uint64_t ma = a << 1, mb = b << 1;
  if (sf_isnan64(a)) return *out = a | SF_F64_QUIET, 1;
  if (sf_isnan64(b)) return *out = b | SF_F64_QUIET, 1;
  if (ma == SF_F64_INF << 1) return *out = mb == SF_F64_INF << 1 ? SF_F64_NAN : sign | SF_F64_INF, 1;
  if (mb == SF_F64_INF << 1) return *out = sign, 1;
  if (mb == 0) return *out = ma == 0 ? SF_F64_NAN : sign | SF_F64_INF, 1;
  if (ma == 0) return *out = sign, 1;
  return 0;
}

uint64_t __aeabi_ddiv(uint64_t a, uint64_t b) {
  int ea = (a >> 52) & 0x7ff, eb = (b >> 52) & 0x7ff;
  uint64_t ma, mb;
  if ((unsigned)(ea - 1) < 0x7fe && (unsigned)(eb - 1) < 0x7fe) {
    ma = (a & SF_F64_FRAC) | 0x0010000000000000ull;
    mb = (b & SF_F64_FRAC) | 0x0010000000000000ull;
  } else {
    uint64_t r;
    if (special_div64(a, b, &r)) return r;
    ma = sf_norm64(a, &ea);
    mb = sf_norm64(b, &eb);
  }
  int e = ea - eb + 1023;
  if (ma < mb) {
    ma <<= 1;
    e--;
  }
  uint64_t q = 0;
  for (int i = 0; i < 55; i++) {
    q <<= 1;
    if (ma >= mb) {
      ma -= mb;
      q |= 1;
    }
    ma <<= 1;
  }
  return sf_round64((a ^ b) & SF_F64_SIGN, e, (q << 8) | (ma != 0));
}
