// The exact reference for gust's soft-float helpers: a float or double as an
// exact rational (GMP), and the one correctly rounded result of an exact
// value (round to nearest, ties to even), with the rounding case it took.
#pragma once
#include <gmpxx.h>

#include <cstdint>

namespace sfref {

struct Format {
  int p;     // significand bits, the implicit one included
  int bias;  // the exponent bias; emax = bias, emin = 1 - bias
  int bits;  // 32 or 64
  uint64_t sign() const { return uint64_t(1) << (bits - 1); }
  uint64_t inf() const { return ((uint64_t(1) << (bits - p)) - 1) << (p - 1); }
  uint64_t quiet() const { return uint64_t(1) << (p - 2); }
  uint64_t canonical_nan() const { return inf() | quiet(); }
  bool is_nan(uint64_t x) const { return (x & ~sign()) > inf(); }
  bool is_inf(uint64_t x) const { return (x & ~sign()) == inf(); }
  bool is_zero(uint64_t x) const { return (x & ~sign()) == 0; }
  bool negative(uint64_t x) const { return x & sign(); }
  int biased_exponent(uint64_t x) const { return int((x & ~sign()) >> (p - 1)); }
  int max_biased() const { return 2 * bias; }  // the largest finite one
};
constexpr Format kF32{24, 127, 32};
constexpr Format kF64{53, 1023, 64};

// How the exact value was rounded: one of the first five, and any flags.
enum Case : unsigned {
  kExact = 1u << 0,      // representable
  kBelowHalf = 1u << 1,  // rounded down, the rest below half an ulp
  kTieEven = 1u << 2,    // exactly half, the lower neighbour even: kept
  kTieOdd = 1u << 3,     // exactly half, the lower neighbour odd: rounded up
  kAboveHalf = 1u << 4,  // rounded up, the rest above half an ulp
  kCarryOut = 1u << 5,   // rounding up reached the next power of two
  kSubnormal = 1u << 6,  // a nonzero subnormal result
  kOverflow = 1u << 7,   // beyond the largest finite value: infinity
  kUnderflow = 1u << 8,  // a nonzero value rounded to zero
  kZero = 1u << 9,       // an exact zero
  kSpecial = 1u << 10,   // a NaN or infinity operand or result by IEEE's rules alone
};
constexpr int kCaseCount = 11;
const char* case_name(int bit);

struct Rounded {
  uint64_t bits = 0;
  unsigned cases = 0;
};

mpq_class value(uint64_t bits, Format f);  // a finite value, exactly
// The nearest of `f` to q, ties to even; an exact zero takes the sign given.
Rounded round(const mpq_class& q, Format f, bool zero_negative = false);

// The IEEE results by exact arithmetic. A NaN result is reported as the
// canonical NaN with kSpecial; the caller checks wasm's NaN rules apart.
Rounded add(uint64_t a, uint64_t b, Format f);
Rounded mul(uint64_t a, uint64_t b, Format f);
Rounded div(uint64_t a, uint64_t b, Format f);
// Whether r is the correctly rounded square root of a (no tie exists: r is
// right when the exact root lies strictly between r's two midpoints), and
// whether the root is exact.
bool sqrt_ok(uint64_t a, uint64_t r, Format f, bool* exact);
// wasm's NaN rule for a result: with a NaN operand, some NaN with the quiet
// bit set; without, the canonical NaN (either sign).
bool nan_ok(uint64_t r, Format f, bool operand_nan);

}  // namespace sfref
