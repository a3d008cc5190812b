// Addition and subtraction, float and double: align the smaller operand to
// the larger one's exponent (a bit shifted out stays as a sticky 1, below
// the rounding bits), add or subtract the significands exactly, round once.
#include "softfloat.h"

// Infinities and NaNs: a NaN operand comes back quietened, inf - inf is the
// canonical NaN, otherwise the infinite operand is the sum.
static uint32_t special_add32(uint32_t a, uint32_t b) {
  if (sf_isnan32(a)) return a | SF_F32_QUIET;
  if (sf_isnan32(b)) return b | SF_F32_QUIET;
  if ((a << 1) == (SF_F32_INF << 1) && (b << 1) == (SF_F32_INF << 1) && a != b) return SF_F32_NAN;
  return (a << 1) == (SF_F32_INF << 1) ? a : b;
}

uint32_t __aeabi_fadd(uint32_t a, uint32_t b) {
  if (((a >> 23) & 0xff) == 0xff || ((b >> 23) & 0xff) == 0xff) return special_add32(a, b);
  if ((a << 1) < (b << 1)) {  // |a| >= |b| from here on
    const uint32_t t = a;
    a = b;
    b = t;
  }
  int ea, eb;
  uint32_t ma = sf_sig32(a, &ea) << 7, mb = sf_sig32(b, &eb) << 7;
  mb = sf_shr32(mb, ea - eb);
  const int same_sign = ((a ^ b) & SF_F32_SIGN) == 0;
  const uint32_t m = same_sign ? ma + mb : ma - mb;
  // An exact zero: -0 only from -0 + -0 (x - x is +0 in this rounding mode).
  if (m == 0) return same_sign ? a & SF_F32_SIGN : 0;
  return sf_round32(a & SF_F32_SIGN, ea, m);
}

uint32_t __aeabi_fsub(uint32_t a, uint32_t b) { return __aeabi_fadd(a, b ^ SF_F32_SIGN); }
uint32_t __aeabi_frsub(uint32_t a, uint32_t b) { return __aeabi_fadd(b, a ^ SF_F32_SIGN); }

static uint64_t special_add64(uint64_t a, uint64_t b) {
  if (sf_isnan64(a)) return a | SF_F64_QUIET;
  if (sf_isnan64(b)) return b | SF_F64_QUIET;
  if ((a << 1) == (SF_F64_INF << 1) && (b << 1) == (SF_F64_INF << 1) && a != b) return SF_F64_NAN;
  return (a << 1) == (SF_F64_INF << 1) ? a : b;
}

uint64_t __aeabi_dadd(uint64_t a, uint64_t b) {
  if (((a >> 52) & 0x7ff) == 0x7ff || ((b >> 52) & 0x7ff) == 0x7ff) return special_add64(a, b);
  if ((a << 1) < (b << 1)) {
    const uint64_t t = a;
    a = b;
    b = t;
  }
  int ea, eb;
  uint64_t ma = sf_sig64(a, &ea) << 10, mb = sf_sig64(b, &eb) << 10;
  mb = sf_shr64(mb, ea - eb);
  const int same_sign = ((a ^ b) & SF_F64_SIGN) == 0;
  const uint64_t m = same_sign ? ma + mb : ma - mb;
  if (m == 0) return same_sign ? a & SF_F64_SIGN : 0;
  return sf_round64(a & SF_F64_SIGN, ea, m);
}

uint64_t __aeabi_dsub(uint64_t a, uint64_t b) { return __aeabi_dadd(a, b ^ SF_F64_SIGN); }
uint64_t __aeabi_drsub(uint64_t a, uint64_t b) { return __aeabi_dadd(b, a ^ SF_F64_SIGN); }
