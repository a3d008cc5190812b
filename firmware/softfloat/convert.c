// Conversions: integers to float and double (rounded to nearest even when
// the integer has more bits than the significand), float <-> double (a NaN
// keeps its payload's top bits and is quietened, so the canonical NaN stays
// canonical), and float and double to integers, truncating. wasm's trapping
// truncations reach the latter only in range (the dissolver checks first);
// the saturating ones may pass anything, so out of range saturates and a
// NaN gives 0.
#include "softfloat.h"

// m * 2^0 is m * 2^(157 - 157) for sf_round32 and m * 2^(1085 - 1085) for sf_round64.
static uint32_t u64_to_f32(uint32_t sign, uint64_t m) {
  if (m == 0) return sign;
  const int k = 33 - sf_clz64(m);  // shift the top bit to 30 or below
  return k > 0 ? sf_round32(sign, 157 + k, (uint32_t)sf_shr64(m, k)) : sf_round32(sign, 157, (uint32_t)m);
}

static uint64_t u64_to_f64(uint64_t sign, uint64_t m) { return m ? sf_round64(sign, 1085, m) : sign; }

uint32_t __aeabi_i2f(int32_t x) { return u64_to_f32(x < 0 ? SF_F32_SIGN : 0, x < 0 ? 0u - (uint32_t)x : (uint32_t)x); }
uint32_t __aeabi_ui2f(uint32_t x) { return u64_to_f32(0, x); }
uint32_t __aeabi_l2f(int64_t x) { return u64_to_f32(x < 0 ? SF_F32_SIGN : 0, x < 0 ? 0u - (uint64_t)x : (uint64_t)x); }
uint32_t __aeabi_ul2f(uint64_t x) { return u64_to_f32(0, x); }
uint64_t __aeabi_i2d(int32_t x) { return u64_to_f64(x < 0 ? SF_F64_SIGN : 0, x < 0 ? 0u - (uint32_t)x : (uint32_t)x); }
uint64_t __aeabi_ui2d(uint32_t x) { return u64_to_f64(0, x); }
uint64_t __aeabi_l2d(int64_t x) { return u64_to_f64(x < 0 ? SF_F64_SIGN : 0, x < 0 ? 0u - (uint64_t)x : (uint64_t)x); }
uint64_t __aeabi_ul2d(uint64_t x) { return u64_to_f64(0, x); }

uint64_t __aeabi_f2d(uint32_t a) {
  const uint64_t sign = (uint64_t)(a & SF_F32_SIGN) << 32;
  const uint32_t biased = (a >> 23) & 0xff;
  if (biased - 1 < 0xfe)  // normal: the exponent rebiased, the fraction widened
    return sign | ((uint64_t)(biased + 1023 - 127) << 52) | ((uint64_t)(a & SF_F32_FRAC) << 29);
  if (((a >> 23) & 0xff) == 0xff) {
    if ((a & SF_F32_FRAC) == 0) return sign | SF_F64_INF;
    return sign | SF_F64_INF | SF_F64_QUIET | ((uint64_t)(a & SF_F32_FRAC) << 29);
  }
  if ((a << 1) == 0) return sign;
  int ea;
  const uint32_t m = sf_sig32(a, &ea);  // a = m * 2^(ea - 150), exact in a double
  return sf_round64(sign, ea - 150 + 1085, m);
}

uint32_t __aeabi_d2f(uint64_t a) {
  const uint32_t sign = (uint32_t)(a >> 32) & SF_F32_SIGN;
  const uint32_t e = ((uint32_t)(a >> 52) & 0x7ff) - (1023 - 127);
  if (e - 1 < 0xfe) {  // a normal float: round the fraction's low 29 bits away
    const uint64_t m = (a & SF_F64_FRAC) | 0x0010000000000000ull;
    uint32_t q = (uint32_t)(m >> 29);
    const uint32_t r = (uint32_t)m & 0x1fffffffu;
    if (r > 0x10000000u || (r == 0x10000000u && (q & 1))) q++;
    return sign | (((e - 1) << 23) + q);  // a carry moves into the exponent, to infinity at the top
  }
  if (((a >> 52) & 0x7ff) == 0x7ff) {
    if ((a & SF_F64_FRAC) == 0) return sign | SF_F32_INF;
    return sign | SF_F32_INF | SF_F32_QUIET | (uint32_t)((a & SF_F64_FRAC) >> 29);
  }
  if ((a << 1) == 0) return sign;
  int ea;
  const uint64_t m = sf_sig64(a, &ea);  // a = m * 2^(ea - 1075); m / 2^22 has its top bit at 30 or below
  return sf_round32(sign, ea - 1075 + 22 + 157, (uint32_t)sf_shr64(m, 22));
}

// |a| truncated, saturated at 2^64 - 1 (a NaN gives 0).
static uint64_t mag32(uint32_t a) {
  if (sf_isnan32(a)) return 0;
  const int ea = (a >> 23) & 0xff;
  if (ea < 127) return 0;
  if (ea >= 127 + 64) return UINT64_MAX;
  const uint64_t m = (a & SF_F32_FRAC) | 0x00800000u;
  return ea >= 150 ? m << (ea - 150) : m >> (150 - ea);
}

static uint64_t mag64(uint64_t a) {
  if (sf_isnan64(a)) return 0;
  const int ea = (a >> 52) & 0x7ff;
  if (ea < 1023) return 0;
  if (ea >= 1023 + 64) return UINT64_MAX;
  const uint64_t m = (a & SF_F64_FRAC) | 0x0010000000000000ull;
  return ea >= 1075 ? m << (ea - 1075) : m >> (1075 - ea);
}

static int32_t to_i32(int negative, uint64_t m) {
  if (negative) return m >= 0x80000000u ? INT32_MIN : -(int32_t)m;
  return m > INT32_MAX ? INT32_MAX : (int32_t)m;
}
static uint32_t to_u32(int negative, uint64_t m) { return negative ? 0 : m > UINT32_MAX ? UINT32_MAX : (uint32_t)m; }
static int64_t to_i64(int negative, uint64_t m) {
  if (negative) return m >= 0x8000000000000000ull ? INT64_MIN : -(int64_t)m;
  return m > INT64_MAX ? INT64_MAX : (int64_t)m;
}
static uint64_t to_u64(int negative, uint64_t m) { return negative ? 0 : m; }

int32_t __aeabi_f2iz(uint32_t a) { return to_i32(a >> 31, mag32(a)); }
uint32_t __aeabi_f2uiz(uint32_t a) { return to_u32(a >> 31, mag32(a)); }
int64_t __aeabi_f2lz(uint32_t a) { return to_i64(a >> 31, mag32(a)); }
uint64_t __aeabi_f2ulz(uint32_t a) { return to_u64(a >> 31, mag32(a)); }
int32_t __aeabi_d2iz(uint64_t a) { return to_i32(a >> 63, mag64(a)); }
uint32_t __aeabi_d2uiz(uint64_t a) { return to_u32(a >> 63, mag64(a)); }
int64_t __aeabi_d2lz(uint64_t a) { return to_i64(a >> 63, mag64(a)); }
uint64_t __aeabi_d2ulz(uint64_t a) { return to_u64(a >> 63, mag64(a)); }
