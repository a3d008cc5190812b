// The exact reference: rationals from GMP, rounding by integer comparison.
#include "reference.h"

namespace sfref {

const char* case_name(int bit) {
  static const char* names[kCaseCount] = {"exact",    "below-half", "tie-even",  "tie-odd", "above-half", "carry-out",
                                          "subnormal", "overflow",   "underflow", "zero",    "special"};
  return names[bit];
}

mpq_class value(uint64_t bits, Format f) {
  const uint64_t frac = bits & ((uint64_t(1) << (f.p - 1)) - 1);
  const int e = f.biased_exponent(bits);
  mpz_class m;
  mpz_import(m.get_mpz_t(), 1, 1, sizeof frac, 0, 0, &frac);
  if (e) m += mpz_class(1) << (f.p - 1);
  // value = m * 2^(max(e, 1) - bias - (p - 1))
  const long shift = long(e ? e : 1) - f.bias - (f.p - 1);
  mpq_class q(m);
  if (shift >= 0)
    mpq_mul_2exp(q.get_mpq_t(), q.get_mpq_t(), shift);
  else
    mpq_div_2exp(q.get_mpq_t(), q.get_mpq_t(), -shift);
  if (f.negative(bits)) q = -q;
  return q;
}

// floor(log2(a)) for a > 0.
static long floor_log2(const mpq_class& a) {
  const long nb = long(mpz_sizeinbase(a.get_num_mpz_t(), 2)), db = long(mpz_sizeinbase(a.get_den_mpz_t(), 2));
  long e = nb - db;
  mpq_class p(1);
  if (e >= 0)
    mpq_mul_2exp(p.get_mpq_t(), p.get_mpq_t(), e);
  else
    mpq_div_2exp(p.get_mpq_t(), p.get_mpq_t(), -e);
  return a >= p ? e : e - 1;
}

Rounded round(const mpq_class& q, Format f, bool zero_negative) {
  Rounded r;
  if (q == 0) {
    r.bits = zero_negative ? f.sign() : 0;
    r.cases = kZero;
    return r;
  }
  const uint64_t sign = q < 0 ? f.sign() : 0;
  const mpq_class a = abs(q);
  const long emin = 1 - f.bias;
  long e = std::max(floor_log2(a), emin);
  // a / 2^(e - (p - 1)): the integer part is the significand before rounding.
  mpq_class s = a;
  const long k = (f.p - 1) - e;
  if (k >= 0)
    mpq_mul_2exp(s.get_mpq_t(), s.get_mpq_t(), k);
  else
    mpq_div_2exp(s.get_mpq_t(), s.get_mpq_t(), -k);
  mpz_class n;
  mpz_fdiv_q(n.get_mpz_t(), s.get_num_mpz_t(), s.get_den_mpz_t());
  const mpq_class rest = s - mpq_class(n);
  const mpq_class half(1, 2);
  if (rest == 0)
    r.cases = kExact;
  else if (rest < half)
    r.cases = kBelowHalf;
  else if (rest > half) {
    r.cases = kAboveHalf;
    n += 1;
  } else if (mpz_odd_p(n.get_mpz_t())) {
    r.cases = kTieOdd;
    n += 1;
  } else {
    r.cases = kTieEven;
  }
  const mpz_class top = mpz_class(1) << f.p, implicit = mpz_class(1) << (f.p - 1);
  if (n == top) {
    n = implicit;
    e += 1;
    r.cases |= kCarryOut;
  }
  if (e > f.bias) {
    r.bits = sign | f.inf();
    r.cases |= kOverflow;
    return r;
  }
  if (n == 0) {
    r.bits = sign;
    r.cases |= kUnderflow;
    return r;
  }
  auto to_u64 = [](const mpz_class& z) {
    return uint64_t(mpz_class(z >> 32).get_ui()) << 32 | mpz_class(z & 0xffffffffu).get_ui();
  };
  if (n < implicit) {  // subnormal: e is emin, the exponent field 0
    r.bits = sign | to_u64(n);
    r.cases |= kSubnormal;
    return r;
  }
  const uint64_t frac = to_u64(n - implicit);
  // A carry out of the largest subnormal lands here with e == emin: that is a normal result.
  r.bits = sign | (uint64_t(e + f.bias) << (f.p - 1)) | frac;
  return r;
}

static Rounded special(uint64_t bits) { return {bits, kSpecial}; }

Rounded add(uint64_t a, uint64_t b, Format f) {
  if (f.is_nan(a) || f.is_nan(b)) return special(f.canonical_nan());
  if (f.is_inf(a) && f.is_inf(b)) return special(a == b ? a : f.canonical_nan());
  if (f.is_inf(a)) return special(a);
  if (f.is_inf(b)) return special(b);
  // An exact zero is -0 only from -0 + -0.
  return round(value(a, f) + value(b, f), f, f.negative(a) && f.negative(b));
}

Rounded mul(uint64_t a, uint64_t b, Format f) {
  const bool neg = f.negative(a) != f.negative(b);
  if (f.is_nan(a) || f.is_nan(b)) return special(f.canonical_nan());
  if (f.is_inf(a) || f.is_inf(b))
    return special(f.is_zero(a) || f.is_zero(b) ? f.canonical_nan() : (neg ? f.sign() : 0) | f.inf());
  return round(value(a, f) * value(b, f), f, neg);
}

Rounded div(uint64_t a, uint64_t b, Format f) {
  const bool neg = f.negative(a) != f.negative(b);
  const uint64_t sign = neg ? f.sign() : 0;
  if (f.is_nan(a) || f.is_nan(b)) return special(f.canonical_nan());
  if (f.is_inf(a)) return special(f.is_inf(b) ? f.canonical_nan() : sign | f.inf());
  if (f.is_inf(b)) return special(sign);
  if (f.is_zero(b)) return special(f.is_zero(a) ? f.canonical_nan() : sign | f.inf());
  return round(value(a, f) / value(b, f), f, neg);
}

bool sqrt_ok(uint64_t a, uint64_t r, Format f, bool* exact) {
  *exact = false;
  if (f.is_nan(a)) return f.is_nan(r);
  if (f.is_zero(a)) return r == a;
  if (f.negative(a)) return f.is_nan(r);
  if (f.is_inf(a)) return r == a;
  if (f.negative(r) || f.is_nan(r) || f.is_inf(r) || f.is_zero(r)) return false;
  const mpq_class x = value(a, f), y = value(r, f);
  if (y * y == x) return *exact = true;
  // The midpoints between r and its neighbours (r's ulp below a power of two is half).
  const mpq_class up = value(r + 1, f), down = value(r - 1, f);
  const mpq_class hi = (y + up) / 2, lo = (y + down) / 2;
  return lo * lo < x && x < hi * hi;
}

bool nan_ok(uint64_t r, Format f, bool operand_nan) {
  if (!f.is_nan(r)) return false;
  if (operand_nan) return (r & f.quiet()) != 0;
  return (r & ~f.sign()) == f.canonical_nan();
}

}  // namespace sfref
