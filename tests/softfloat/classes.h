// The soft-float operations under test, each with its exact reference and
// its class-by-class operand generator; the host test runs them against the
// helpers compiled for the host, the emulator test against the same helpers
// compiled for the Cortex-M3.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cases.h"

namespace sfref {

struct Operands {
  uint64_t a = 0, b = 0;
  int klass = 0;  // the generator's class (for add: exponent difference * 2 + opposite signs)
};

// One operation: its AEABI symbol, argument and result formats, the number
// of operands, how to check a result, and the classes its operands come in.
struct Op {
  std::string symbol;
  int args = 2;           // 1 or 2
  int arg_bits = 64;      // 32 or 64 per argument
  int result_bits = 64;   // 32 or 64
  int classes = 1;        // klass ranges over [0, classes)
  std::function<std::string(int)> class_name;
  std::function<Operands(Gen&, int klass)> make;
  // Empty if r is right for the operands; else what was expected. Adds the rounding cases to *cases.
  std::function<std::string(const Operands&, uint64_t r, unsigned* cases)> check;
  unsigned required = 0;  // the rounding cases the classes must reach
  std::function<uint64_t(uint64_t, uint64_t)> host;  // the helper compiled for the host
};

std::vector<Op> ops();

}  // namespace sfref
