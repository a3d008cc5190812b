// The implementation limits of gust's front half: one table of caps that the
// decoder enforces, so that every input is dissolved or refused in bounded
// time and memory. A refusal is an Error of kind Limit (beyond what gust
// takes on, not invalid WebAssembly) naming the cap, the value and the
// offset where the input passed it.
//
// The caps come from measurement: tests/limits_measure.cpp builds worst-case
// modules (tests/limits_modules.cpp) and prints each one's verdict, time and
// peak memory; tests/limits_test.cpp keeps every family at its cap under
// 1 GiB. The binding one is the code's cost (kMaxCodeCost): LLVM's
// optimiser is superlinear in a function's size (dominating-condition
// analysis over trap checks, the machine outliner over repetitive code, phis
// of values live across loops), and the inliner merges small functions into
// one, so only a bound over the whole module bounds the work. Each cap is far
// above what the spec suite and the drivers use (the suite's largest: 958
// instructions and 201 trapping ones in a module, 26 KB of code, 479
// functions, 100 locals in a function, nesting 41, loops 20 deep, a br_table
// of 24,616 labels, a table of 1,000; a UART driver has about 100 bytes of
// code).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "module.h"
#include "reader.h"

namespace gust::wasm {

struct Cap {
  const char* what;  // the quantity, as a refusal names it
  uint64_t value;    // the most gust accepts
};

// id, what, value
#define GUST_WASM_CAPS(X)                                                                                            \
  X(kMaxModuleBytes, "bytes in the module", 16u << 20)                                                               \
  X(kMaxTypes, "function types", 10000)                                                                              \
  X(kMaxTypeArity, "parameters (or results) of one function type", 256)                                             \
  X(kMaxImports, "imports", 10000)                                                                                   \
  X(kMaxFunctions, "functions, imported and defined", 10000)                                                         \
  X(kMaxTables, "tables, imported and defined", 100)                                                                 \
  X(kMaxTableEntries, "table entries (the defined tables' minimum sizes, summed)", 65536)                            \
  X(kMaxGlobals, "globals, imported and defined", 10000)                                                             \
  X(kMaxExports, "exports", 10000)                                                                                   \
  X(kMaxElemSegments, "element segments", 10000)                                                                     \
  X(kMaxElemItems, "element segment items, summed over the segments", 65536)                                        \
  X(kMaxDataSegments, "data segments", 10000)                                                                        \
  X(kMaxDataBytes, "data segment bytes, summed over the segments", 1u << 20)                                         \
  X(kMaxCodeBytes, "bytes of code (the code section)", 256u << 10)                                                   \
  X(kMaxBodyBytes, "bytes in one function body", 64u << 10)                                                          \
  X(kMaxFunctionLocals, "locals of one function, its parameters included", 50000)                                    \
  X(kMaxModuleLocals, "locals summed over the functions, parameters included", 1u << 19)                             \
  X(kMaxNesting, "blocks, loops and ifs open at once in a function", 1024)                                           \
  X(kMaxLoopNesting, "loops open at once in a function", 32)                                                         \
  X(kMaxBrTableLabels, "labels of one br_table", 65536)                                                              \
  X(kMaxCodeCost, "cost units of the module's code (an instruction 1, one that can trap 4, and 1 more for each value " \
                  "a call, block or branch carries)",                                                                \
    8192)

#define GUST_WASM_CAP_DECLARE(id, text, n) inline constexpr Cap id{text, n};
GUST_WASM_CAPS(GUST_WASM_CAP_DECLARE)
#undef GUST_WASM_CAP_DECLARE

// Every cap, for the tests and for listing them.
#define GUST_WASM_CAP_ENTRY(id, text, n) &id,
inline constexpr const Cap* kCaps[] = {GUST_WASM_CAPS(GUST_WASM_CAP_ENTRY)};
#undef GUST_WASM_CAP_ENTRY

// Throws a Failure of kind Limit at `offset` when `value` passes the cap.
void check_cap(const Cap& cap, uint64_t value, size_t offset);

// An instruction that the dissolver guards with a trap check: a memory
// access, a division, a float-to-int truncation, call_indirect, a bulk
// memory or table operation.
bool can_trap(Op op);

// The code's cost and shape, instruction by instruction over the module's
// bodies, as the decoder reads them: nesting, loop nesting, br_table labels
// and the module's running cost. Reads only what decoding has produced: the
// types, and `func_types`, the type index of each function in the function
// index space (imports first). Indices not yet validated carry nothing.
class CodeBudget {
 public:
  CodeBudget(const Module& m, std::vector<uint32_t> func_types) : m_(m), func_types_(std::move(func_types)) {}
  // Before the first instruction of a body of function type `type`.
  void begin_function(uint32_t type);
  // After reading `in`; throws a Failure of kind Limit past a cap.
  void step(const Instr& in);
  uint64_t cost() const { return cost_; }

 private:
  struct Label {
    uint32_t arity;  // values a branch to it carries
    bool loop;
  };
  uint32_t label_arity(uint32_t depth) const;
  uint32_t type_values(uint32_t type) const;

  const Module& m_;
  std::vector<uint32_t> func_types_;
  std::vector<Label> labels_;  // the function's own first
  uint32_t loops_ = 0;
  uint32_t results_ = 0;  // of the function, for return
  uint64_t cost_ = 0;
};

}  // namespace gust::wasm
