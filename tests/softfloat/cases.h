// Operands by class for the soft-float tests: a chosen sign, biased
// exponent and a significand drawn from patterns that reach every rounding
// case (runs of ones and zeros give ties and carries, random bits the rest).
#pragma once
#include <cstdint>
#include <random>

#include "reference.h"

namespace sfref {

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t bits(int n) { return n >= 64 ? rng_() : rng_() & ((uint64_t(1) << n) - 1); }
  int below(int n) { return int(rng_() % uint64_t(n)); }
  bool coin() { return rng_() & 1; }

  // A fraction field of `f`, from one of the patterns.
  uint64_t fraction(Format f) {
    const int n = f.p - 1;
    switch (below(7)) {
      case 0: return bits(n);
      case 1: return (uint64_t(1) << n) - 1;  // all ones
      case 2: return 0;
      case 3: return uint64_t(1) << below(n);
      case 4: return bits(n) & ~((uint64_t(1) << below(n)) - 1);  // low bits clear
      case 5: return bits(n) | ((uint64_t(1) << below(n)) - 1);   // low bits set
      default: {                                                  // runs
        uint64_t v = 0;
        int at = 0;
        bool one = coin();
        while (at < n) {
          const int len = 1 + below(n / 2);
          for (int i = 0; i < len && at < n; ++i, ++at)
            if (one) v |= uint64_t(1) << at;
          one = !one;
        }
        return v;
      }
    }
  }
  // A finite value with this biased exponent (0: subnormal or zero).
  uint64_t finite(Format f, int biased, bool negative) {
    return (negative ? f.sign() : 0) | (uint64_t(biased) << (f.p - 1)) | fraction(f);
  }
  // A biased exponent: anywhere, near the bottom (subnormal results), or near the top (overflow).
  int exponent(Format f) {
    switch (below(4)) {
      case 0: return below(f.p + 4);
      case 1: return f.max_biased() - below(f.p + 4);
      default: return below(f.max_biased() + 1);
    }
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace sfref
