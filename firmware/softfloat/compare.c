// Comparisons, float and double: IEEE's, where a NaN is unordered with
// everything and -0 equals +0. Each returns 0 or 1, as LLVM expects of the
// AEABI's __aeabi_[fd]cmp{eq,lt,le,ge,gt,un}.
#include "softfloat.h"

// -1, 0, 1 for less, equal, greater; 2 for unordered. The bits of a
// non-NaN, read as sign and magnitude, order as the values do.
static int cmp32(uint32_t a, uint32_t b) {
  if (sf_isnan32(a) || sf_isnan32(b)) return 2;
  const int32_t ka = (a & SF_F32_SIGN) ? -(int32_t)(a & ~SF_F32_SIGN) : (int32_t)a;
  const int32_t kb = (b & SF_F32_SIGN) ? -(int32_t)(b & ~SF_F32_SIGN) : (int32_t)b;
  return ka < kb ? -1 : ka > kb;
}

static int cmp64(uint64_t a, uint64_t b) {
  if (sf_isnan64(a) || sf_isnan64(b)) return 2;
  const int64_t ka = (a & SF_F64_SIGN) ? -(int64_t)(a & ~SF_F64_SIGN) : (int64_t)a;
  const int64_t kb = (b & SF_F64_SIGN) ? -(int64_t)(b & ~SF_F64_SIGN) : (int64_t)b;
  return ka < kb ? -1 : ka > kb;
}

int __aeabi_fcmpeq(uint32_t a, uint32_t b) { return cmp32(a, b) == 0; }
int __aeabi_fcmplt(uint32_t a, uint32_t b) { return cmp32(a, b) == -1; }
int __aeabi_fcmple(uint32_t a, uint32_t b) { return (unsigned)(cmp32(a, b) + 1) <= 1; }
int __aeabi_fcmpge(uint32_t a, uint32_t b) { return (unsigned)cmp32(a, b) <= 1; }
int __aeabi_fcmpgt(uint32_t a, uint32_t b) { return cmp32(a, b) == 1; }
int __aeabi_fcmpun(uint32_t a, uint32_t b) { return cmp32(a, b) == 2; }

int __aeabi_dcmpeq(uint64_t a, uint64_t b) { return cmp64(a, b) == 0; }
int __aeabi_dcmplt(uint64_t a, uint64_t b) { return cmp64(a, b) == -1; }
int __aeabi_dcmple(uint64_t a, uint64_t b) { return (unsigned)(cmp64(a, b) + 1) <= 1; }
int __aeabi_dcmpge(uint64_t a, uint64_t b) { return (unsigned)cmp64(a, b) <= 1; }
int __aeabi_dcmpgt(uint64_t a, uint64_t b) { return cmp64(a, b) == 1; }
int __aeabi_dcmpun(uint64_t a, uint64_t b) { return cmp64(a, b) == 2; }
