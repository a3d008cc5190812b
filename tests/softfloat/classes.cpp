// The operations under test, by class. See classes.h.
#include "classes.h"

#include <cstdio>

extern "C" {
#include "softfloat.h"
}

namespace sfref {

namespace {

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
  return buf;
}

uint64_t mask(int bits) { return bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1; }

// A rounded result against the reference; a NaN by wasm's rules.
std::string expect(const Rounded& ref, uint64_t r, Format f, bool operand_nan, unsigned* cases) {
  *cases |= ref.cases;
  if (f.is_nan(ref.bits)) return nan_ok(r, f, operand_nan) ? "" : operand_nan ? "a quiet NaN" : "the canonical NaN";
  return r == ref.bits ? "" : hex(ref.bits);
}

std::vector<uint64_t> specials(Format f) {
  const uint64_t s = f.sign(), inf = f.inf();
  const uint64_t one = uint64_t(f.bias) << (f.p - 1);
  return {0,
          s,
          inf,
          s | inf,
          f.canonical_nan(),
          s | f.canonical_nan(),
          inf | 1,                    // signalling
          inf | f.quiet() | 0x5a5,    // a payload
          s | inf | (f.quiet() >> 1),  // signalling, negative
          1,
          s | 1,
          (uint64_t(1) << (f.p - 1)) - 1,   // largest subnormal
          uint64_t(1) << (f.p - 1),         // smallest normal
          inf - 1,                          // largest finite
          s | (inf - 1),
          one,
          s | one,
          one + 1};
}

uint64_t pick(Gen& g, const std::vector<uint64_t>& v) { return v[size_t(g.below(int(v.size())))]; }

int clamp(int e, Format f) { return e < 0 ? 0 : e > f.max_biased() ? f.max_biased() : e; }

// Addition (or subtraction): class = exponent difference and sign relation.
void add_ops(std::vector<Op>& out, Format f, bool sub) {
  const int plain = f.p + 9;  // differences 0 .. p + 8, then two wider classes
  Op op;
  const bool d = f.bits == 64;
  op.symbol = std::string("__aeabi_") + (d ? "d" : "f") + (sub ? "sub" : "add");
  op.arg_bits = op.result_bits = f.bits;
  op.classes = 2 * (plain + 2) + 1;
  op.class_name = [=](int k) {
    if (k == 2 * (plain + 2)) return std::string("special operands");
    const int i = k / 2;
    const std::string diff = i < plain ? std::to_string(i) : i == plain ? std::to_string(f.p + 20) : "> p + 20";
    return "exponent difference " + diff + ((k & 1) ? ", opposite signs" : ", same sign");
  };
  op.make = [=](Gen& g, int k) {
    Operands o;
    o.klass = k;
    if (k == 2 * (plain + 2)) {
      const auto sp = specials(f);
      o.a = g.coin() ? pick(g, sp) : g.finite(f, g.exponent(f), g.coin());
      o.b = pick(g, sp);
      if (g.coin()) std::swap(o.a, o.b);
      return o;
    }
    const int i = k / 2;
    int diff = i < plain ? i : i == plain ? f.p + 20 : f.p + 21 + g.below(f.max_biased() - f.p - 21);
    if (diff > f.max_biased()) diff = f.max_biased();
    const int room = f.max_biased() - diff;
    int ea;
    switch (g.below(4)) {
      case 0: ea = diff + g.below(std::min(room, f.p + 4) + 1); break;      // b subnormal or small
      case 1: ea = f.max_biased() - g.below(std::min(room, 4) + 1); break;  // near overflow
      default: ea = diff + g.below(room + 1);
    }
    const bool neg = g.coin();
    bool bneg = (k & 1) ? !neg : neg;
    if (sub) bneg = !bneg;  // a - b with b's sign flipped is the same sum
    o.a = g.finite(f, ea, neg);
    o.b = g.finite(f, ea - diff, bneg);
    if (g.coin()) std::swap(o.a, o.b);
    return o;
  };
  op.check = [=](const Operands& o, uint64_t r, unsigned* cases) {
    const uint64_t b = sub ? o.b ^ f.sign() : o.b;
    return expect(add(o.a, b, f), r, f, f.is_nan(o.a) || f.is_nan(o.b), cases);
  };
  op.required = kExact | kBelowHalf | kTieEven | kTieOdd | kAboveHalf | kCarryOut | kSubnormal | kOverflow | kZero |
                kSpecial;
  if (d)
    op.host = sub ? [](uint64_t a, uint64_t b) { return __aeabi_dsub(a, b); }
                  : [](uint64_t a, uint64_t b) { return __aeabi_dadd(a, b); };
  else
    op.host = sub ? [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fsub(uint32_t(a), uint32_t(b))); }
                  : [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fadd(uint32_t(a), uint32_t(b))); };
  out.push_back(op);
}

// Multiplication and division: class = where the result's exponent lands.
void muldiv_ops(std::vector<Op>& out, Format f, bool is_div) {
  Op op;
  const bool d = f.bits == 64;
  op.symbol = std::string("__aeabi_") + (d ? "d" : "f") + (is_div ? "div" : "mul");
  op.arg_bits = op.result_bits = f.bits;
  op.classes = 6;
  op.class_name = [](int k) {
    static const char* n[] = {"normal result", "result near the subnormal range", "result near overflow",
                              "a subnormal operand", "special operands", "result near a power of two"};
    return std::string(n[k]);
  };
  op.make = [=](Gen& g, int k) {
    Operands o;
    o.klass = k;
    const int bias = f.bias, mx = f.max_biased();
    // The result's biased exponent is about ea + eb - bias (mul) or ea - eb + bias (div).
    auto partner = [&](int ea, int target) { return clamp(is_div ? ea - target + bias : target + bias - ea, f); };
    int ea = 1 + g.below(mx), eb;
    switch (k) {
      case 0: eb = partner(ea, 1 + g.below(mx)); break;
      case 1: eb = partner(ea, g.below(2 * f.p + 6) - f.p - 2); break;
      case 2: eb = partner(ea, mx - 2 + g.below(5)); break;
      case 3:
        eb = 0;
        if (g.coin()) std::swap(ea, eb);
        break;
      case 5: {
        // b close to 2^t / a (mul) or a few ulps from a (div): a result a hair
        // from a power of two, which rounds up into the next binade or not.
        o.a = g.finite(f, f.bias / 2 + g.below(f.bias), g.coin());
        if (is_div) {
          o.b = o.a + uint64_t(g.below(5)) - 2;
        } else {
          mpq_class t(1);
          mpq_div_2exp(t.get_mpq_t(), t.get_mpq_t(), g.below(f.bias / 2));
          o.b = round(t / value(o.a, f), f).bits + uint64_t(g.below(5)) - 2;
        }
        return o;
      }
      default: {
        const auto sp = specials(f);
        o.a = pick(g, sp);
        o.b = g.coin() ? pick(g, sp) : g.finite(f, g.exponent(f), g.coin());
        if (g.coin()) std::swap(o.a, o.b);
        return o;
      }
    }
    o.a = g.finite(f, ea, g.coin());
    o.b = g.finite(f, eb, g.coin());
    return o;
  };
  op.check = [=](const Operands& o, uint64_t r, unsigned* cases) {
    return expect(is_div ? div(o.a, o.b, f) : mul(o.a, o.b, f), r, f, f.is_nan(o.a) || f.is_nan(o.b), cases);
  };
  op.required = kExact | kBelowHalf | kTieEven | kTieOdd | kAboveHalf | kCarryOut | kSubnormal | kOverflow |
                kUnderflow | kZero | kSpecial;
  // A quotient of two p-bit significands is never exactly halfway (but into a
  // subnormal), nor within half an ulp below a power of two.
  if (is_div) op.required &= ~(kTieEven | kTieOdd | kCarryOut);
  if (d)
    op.host = is_div ? [](uint64_t a, uint64_t b) { return __aeabi_ddiv(a, b); }
                     : [](uint64_t a, uint64_t b) { return __aeabi_dmul(a, b); };
  else
    op.host = is_div ? [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fdiv(uint32_t(a), uint32_t(b))); }
                     : [](uint64_t a, uint64_t b) { return uint64_t(__aeabi_fmul(uint32_t(a), uint32_t(b))); };
  out.push_back(op);
}

void sqrt_op(std::vector<Op>& out, Format f) {
  Op op;
  const bool d = f.bits == 64;
  op.symbol = d ? "sqrt" : "sqrtf";
  op.args = 1;
  op.arg_bits = op.result_bits = f.bits;
  op.classes = 4;
  op.class_name = [](int k) {
    static const char* n[] = {"normal operand", "subnormal operand", "perfect square", "special operand"};
    return std::string(n[k]);
  };
  op.make = [=](Gen& g, int k) {
    Operands o;
    o.klass = k;
    switch (k) {
      case 0: o.a = g.finite(f, 1 + g.below(f.max_biased()), false); break;
      case 1: o.a = g.finite(f, 0, false); break;
      case 2: {
        const uint64_t m = g.bits(f.p / 2) | 1;
        mpz_class sq(static_cast<unsigned long>(m));
        sq *= sq;
        mpq_class q(sq);
        const int shift = 2 * (g.below(f.bias) - f.bias / 2);
        if (shift >= 0)
          mpq_mul_2exp(q.get_mpq_t(), q.get_mpq_t(), shift);
        else
          mpq_div_2exp(q.get_mpq_t(), q.get_mpq_t(), -shift);
        o.a = round(q, f).bits;
        break;
      }
      default: o.a = g.coin() ? pick(g, specials(f)) : g.finite(f, g.exponent(f), true);
    }
    return o;
  };
  op.check = [=](const Operands& o, uint64_t r, unsigned* cases) -> std::string {
    bool exact = false;
    if (f.is_nan(o.a) || (f.negative(o.a) && !f.is_zero(o.a))) {
      *cases |= kSpecial;
      return nan_ok(r, f, f.is_nan(o.a)) ? "" : "a NaN by wasm's rules";
    }
    const bool ok = sqrt_ok(o.a, r, f, &exact);
    if (ok && !exact && !f.is_inf(o.a) && !f.is_zero(o.a)) {  // which way it rounded
      const mpq_class y = value(r, f);
      *cases |= y * y < value(o.a, f) ? kBelowHalf : kAboveHalf;
    }
    if (exact) *cases |= kExact;
    return ok ? "" : "the correctly rounded root";
  };
  op.required = kExact | kBelowHalf | kAboveHalf | kSpecial;
  op.host = d ? [](uint64_t a, uint64_t) { return sqrt_bits(a); }
              : [](uint64_t a, uint64_t) { return uint64_t(sqrtf_bits(uint32_t(a))); };
  out.push_back(op);
}

// Integer to float: class = the integer's bit length.
void int_to_float(std::vector<Op>& out, const char* sym, int ibits, bool is_signed, Format f,
                  std::function<uint64_t(uint64_t)> fn) {
  Op op;
  op.symbol = sym;
  op.args = 1;
  op.arg_bits = ibits;
  op.result_bits = f.bits;
  op.classes = ibits + 1;
  op.class_name = [](int k) { return "magnitude of " + std::to_string(k) + " bits"; };
  op.make = [=](Gen& g, int k) {
    Operands o;
    o.klass = k;
    const int len = is_signed ? std::min(k, ibits - 1) : k;
    uint64_t m = 0;
    if (len > 0) {
      const uint64_t frac = g.fraction(kF64) | (g.fraction(kF64) << 52);
      m = (uint64_t(1) << (len - 1)) | (frac & mask(len - 1));
    }
    if (is_signed && k == ibits) m = uint64_t(1) << (ibits - 1);  // the most negative
    const bool neg = is_signed && (k == ibits || g.coin());
    o.a = (neg ? 0 - m : m) & mask(ibits);
    return o;
  };
  op.check = [=](const Operands& o, uint64_t r, unsigned* cases) {
    mpz_class z(static_cast<unsigned long>(o.a >> 32));
    z = (z << 32) + static_cast<unsigned long>(o.a & 0xffffffffu);
    if (is_signed && (o.a >> (ibits - 1)) & 1) z -= mpz_class(1) << ibits;
    return expect(round(mpq_class(z), f), r, f, false, cases);
  };
  op.required = kExact | kZero | (f.p < ibits ? kBelowHalf | kAboveHalf | kTieEven | kTieOdd | kCarryOut : 0);
  op.host = [fn](uint64_t a, uint64_t) { return fn(a); };
  out.push_back(op);
}

// Float to float.
void float_to_float(std::vector<Op>& out, Format from, Format to) {
  Op op;
  const bool widen = to.bits > from.bits;
  op.symbol = widen ? "__aeabi_f2d" : "__aeabi_d2f";
  op.args = 1;
  op.arg_bits = from.bits;
  op.result_bits = to.bits;
  op.classes = 5;
  op.class_name = [](int k) {
    static const char* n[] = {"any exponent", "result near the subnormal range", "result near overflow",
                              "subnormal operand", "special operand"};
    return std::string(n[k]);
  };
  op.make = [=](Gen& g, int k) {
    Operands o;
    o.klass = k;
    const int shift = from.bias - to.bias;  // the target's exponent e sits at e + shift in the source
    switch (k) {
      case 0: o.a = g.finite(from, g.exponent(from), g.coin()); break;
      case 1: o.a = g.finite(from, clamp(shift - to.p - 2 + g.below(to.p + 6), from), g.coin()); break;
      case 2: o.a = g.finite(from, clamp(shift + to.max_biased() - 1 + g.below(3), from), g.coin()); break;
      case 3: o.a = g.finite(from, 0, g.coin()); break;
      default: o.a = pick(g, specials(from));
    }
    return o;
  };
  op.check = [=](const Operands& o, uint64_t r, unsigned* cases) {
    if (from.is_nan(o.a)) {
      *cases |= kSpecial;
      // The payload's top bits carry over and the quiet bit is set.
      const uint64_t frac = o.a & (from.quiet() * 2 - 1);
      const uint64_t want = (from.negative(o.a) ? to.sign() : 0) | to.inf() | to.quiet() |
                            (widen ? frac << (to.p - from.p) : frac >> (from.p - to.p));
      return r == want ? std::string() : hex(want);
    }
    if (from.is_inf(o.a)) {
      *cases |= kSpecial;
      const uint64_t want = (from.negative(o.a) ? to.sign() : 0) | to.inf();
      return r == want ? std::string() : hex(want);
    }
    return expect(round(value(o.a, from), to, from.negative(o.a)), r, to, false, cases);
  };
  op.required = widen ? kExact | kZero | kSpecial
                      : kExact | kBelowHalf | kTieEven | kTieOdd | kAboveHalf | kCarryOut | kSubnormal | kOverflow |
                            kUnderflow | kZero | kSpecial;
  if (widen)
    op.host = [](uint64_t a, uint64_t) { return __aeabi_f2d(uint32_t(a)); };
  else
    op.host = [](uint64_t a, uint64_t) { return uint64_t(__aeabi_d2f(a)); };
  out.push_back(op);
}

// Float to integer, truncating: class = the magnitude's bit length; the
// last class is out of range and NaN (saturating).
void float_to_int(std::vector<Op>& out, const char* sym, Format f, int ibits, bool is_signed,
                  std::function<uint64_t(uint64_t)> fn) {
  Op op;
  op.symbol = sym;
  op.args = 1;
  op.arg_bits = f.bits;
  op.result_bits = ibits;
  op.classes = ibits + 2;
  op.class_name = [=](int k) {
    return k == ibits + 1 ? std::string("out of range or NaN") : "magnitude below 2^" + std::to_string(k);
  };
  op.make = [=](Gen& g, int k) {
    Operands o;
    o.klass = k;
    if (k == ibits + 1) {
      o.a = g.coin() ? pick(g, specials(f)) : g.finite(f, f.bias + ibits + g.below(f.bias - ibits), g.coin());
      return o;
    }
    // |a| < 2^k: exponent below bias + k; unsigned ones may be negative above -1.
    const int e = k == 0 ? g.below(f.bias) : f.bias + k - 1;
    const bool neg = is_signed ? g.coin() : (k == 0 && g.coin());
    o.a = g.finite(f, e, neg);
    return o;
  };
  op.check = [=](const Operands& o, uint64_t r, unsigned* cases) {
    mpz_class want;
    if (f.is_nan(o.a)) {
      want = 0;
      *cases |= kSpecial;
    } else {
      const mpz_class lo = is_signed ? -(mpz_class(1) << (ibits - 1)) : mpz_class(0);
      const mpz_class hi = is_signed ? (mpz_class(1) << (ibits - 1)) - 1 : (mpz_class(1) << ibits) - 1;
      if (f.is_inf(o.a)) {
        want = f.negative(o.a) ? lo : hi;
        *cases |= kSpecial;
      } else {
        const mpq_class q = value(o.a, f);
        mpz_tdiv_q(want.get_mpz_t(), q.get_num_mpz_t(), q.get_den_mpz_t());
        *cases |= mpq_class(want) == q ? kExact : kBelowHalf;
        if (want < lo) want = lo, *cases |= kOverflow;
        if (want > hi) want = hi, *cases |= kOverflow;
      }
    }
    if (want < 0) want += mpz_class(1) << ibits;
    const uint64_t w = uint64_t(mpz_class(want >> 32).get_ui()) << 32 | mpz_class(want & 0xffffffffu).get_ui();
    return (r & mask(ibits)) == w ? std::string() : hex(w);
  };
  op.required = kExact | kBelowHalf | kOverflow | kSpecial;
  op.host = [fn, ibits](uint64_t a, uint64_t) { return fn(a) & mask(ibits); };
  out.push_back(op);
}

// Comparisons: class = unrelated values, equal values, neighbours, zeros and NaNs.
void compare_op(std::vector<Op>& out, Format f, const char* name, int (*pred)(int),
                std::function<uint64_t(uint64_t, uint64_t)> fn) {
  Op op;
  op.symbol = std::string("__aeabi_") + (f.bits == 64 ? "d" : "f") + "cmp" + name;
  op.arg_bits = f.bits;
  op.result_bits = 32;
  op.classes = 4;
  op.class_name = [](int k) {
    static const char* n[] = {"unrelated", "equal", "neighbours", "zeros, infinities and NaNs"};
    return std::string(n[k]);
  };
  op.make = [=](Gen& g, int k) {
    Operands o;
    o.klass = k;
    o.a = g.finite(f, g.exponent(f), g.coin());
    switch (k) {
      case 0: o.b = g.finite(f, g.exponent(f), g.coin()); break;
      case 1: o.b = o.a; break;
      case 2: o.b = (o.a & ~f.sign()) == f.inf() - 1 ? o.a - 1 : o.a + 1; break;
      default:
        o.a = pick(g, specials(f));
        o.b = g.coin() ? pick(g, specials(f)) : o.a;
    }
    if (g.coin()) std::swap(o.a, o.b);
    return o;
  };
  op.check = [=](const Operands& o, uint64_t r, unsigned* cases) {
    int c;  // -1, 0, 1, 2 = unordered
    if (f.is_nan(o.a) || f.is_nan(o.b)) {
      c = 2;
      *cases |= kSpecial;
    } else {
      auto v = [&](uint64_t x) {
        return f.is_inf(x) ? mpq_class(f.negative(x) ? -1 : 1) * (mpq_class(mpz_class(1) << 2000)) : value(x, f);
      };
      const mpq_class a = v(o.a), b = v(o.b);
      c = a < b ? -1 : a > b ? 1 : 0;
      *cases |= c == 0 ? kExact : kBelowHalf;
    }
    const uint64_t want = uint64_t(pred(c));
    return (r & 0xffffffffu) == want ? std::string() : hex(want);
  };
  op.required = kExact | kBelowHalf | kSpecial;
  op.host = fn;
  out.push_back(op);
}

}  // namespace

std::vector<Op> ops() {
  std::vector<Op> v;
  for (Format f : {kF32, kF64}) {
    add_ops(v, f, false);
    add_ops(v, f, true);
    muldiv_ops(v, f, false);
    muldiv_ops(v, f, true);
    sqrt_op(v, f);
  }
  int_to_float(v, "__aeabi_i2f", 32, true, kF32, [](uint64_t a) { return uint64_t(__aeabi_i2f(int32_t(a))); });
  int_to_float(v, "__aeabi_ui2f", 32, false, kF32, [](uint64_t a) { return uint64_t(__aeabi_ui2f(uint32_t(a))); });
  int_to_float(v, "__aeabi_l2f", 64, true, kF32, [](uint64_t a) { return uint64_t(__aeabi_l2f(int64_t(a))); });
  int_to_float(v, "__aeabi_ul2f", 64, false, kF32, [](uint64_t a) { return uint64_t(__aeabi_ul2f(a)); });
  int_to_float(v, "__aeabi_i2d", 32, true, kF64, [](uint64_t a) { return __aeabi_i2d(int32_t(a)); });
  int_to_float(v, "__aeabi_ui2d", 32, false, kF64, [](uint64_t a) { return __aeabi_ui2d(uint32_t(a)); });
  int_to_float(v, "__aeabi_l2d", 64, true, kF64, [](uint64_t a) { return __aeabi_l2d(int64_t(a)); });
  int_to_float(v, "__aeabi_ul2d", 64, false, kF64, [](uint64_t a) { return __aeabi_ul2d(a); });
  float_to_float(v, kF32, kF64);
  float_to_float(v, kF64, kF32);
  float_to_int(v, "__aeabi_f2iz", kF32, 32, true, [](uint64_t a) { return uint64_t(__aeabi_f2iz(uint32_t(a))); });
  float_to_int(v, "__aeabi_f2uiz", kF32, 32, false, [](uint64_t a) { return uint64_t(__aeabi_f2uiz(uint32_t(a))); });
  float_to_int(v, "__aeabi_f2lz", kF32, 64, true, [](uint64_t a) { return uint64_t(__aeabi_f2lz(uint32_t(a))); });
  float_to_int(v, "__aeabi_f2ulz", kF32, 64, false, [](uint64_t a) { return __aeabi_f2ulz(uint32_t(a)); });
  float_to_int(v, "__aeabi_d2iz", kF64, 32, true, [](uint64_t a) { return uint64_t(__aeabi_d2iz(a)); });
  float_to_int(v, "__aeabi_d2uiz", kF64, 32, false, [](uint64_t a) { return uint64_t(__aeabi_d2uiz(a)); });
  float_to_int(v, "__aeabi_d2lz", kF64, 64, true, [](uint64_t a) { return uint64_t(__aeabi_d2lz(a)); });
  float_to_int(v, "__aeabi_d2ulz", kF64, 64, false, [](uint64_t a) { return __aeabi_d2ulz(a); });
  static int (*const preds[])(int) = {
      [](int c) { return int(c == 0); },           [](int c) { return int(c == -1); },
      [](int c) { return int(c == -1 || c == 0); }, [](int c) { return int(c == 0 || c == 1); },
      [](int c) { return int(c == 1); },           [](int c) { return int(c == 2); }};
  static const char* names[] = {"eq", "lt", "le", "ge", "gt", "un"};
  using F32Cmp = int (*)(uint32_t, uint32_t);
  using F64Cmp = int (*)(uint64_t, uint64_t);
  static const F32Cmp f32s[] = {__aeabi_fcmpeq, __aeabi_fcmplt, __aeabi_fcmple,
                                __aeabi_fcmpge, __aeabi_fcmpgt, __aeabi_fcmpun};
  static const F64Cmp f64s[] = {__aeabi_dcmpeq, __aeabi_dcmplt, __aeabi_dcmple,
                                __aeabi_dcmpge, __aeabi_dcmpgt, __aeabi_dcmpun};
  for (int i = 0; i < 6; ++i) {
    const F32Cmp g = f32s[i];
    const F64Cmp h = f64s[i];
    compare_op(v, kF32, names[i], preds[i], [g](uint64_t a, uint64_t b) { return uint64_t(g(uint32_t(a), uint32_t(b))); });
    compare_op(v, kF64, names[i], preds[i], [h](uint64_t a, uint64_t b) { return uint64_t(h(a, b)); });
  }
  return v;
}

}  // namespace sfref
