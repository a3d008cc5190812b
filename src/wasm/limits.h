// The implementation limits of gust's front half: one table of caps that the
// decoder enforces, so that every input is dissolved or refused in bounded
// time and memory. A refusal is an Error of kind Limit (beyond what gust
// takes on, not invalid WebAssembly) naming the cap, the value and the
// offset where the input passed it.
//
// The caps come from measurement: tests/limits_measure.cpp builds worst-case
// modules (tests/limits_modules.cpp) and prints each one's verdict, time and
// peak memory; tests/limits_test.cpp refuses every family just over its cap
// and keeps the heaviest at it under 1 GiB. The binding one is the code's cost (kMaxCodeCost): LLVM's
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

// Each with what it bounds and what was measured at it (CPU time and peak
// RSS of decode + validate + dissolve on the worst family that presses it).

// Decoding is linear; this bounds what the decoder holds (debug-info custom
// sections of real builds fit).
inline constexpr Cap kMaxModuleBytes{"bytes in the module", 16u << 20};
inline constexpr Cap kMaxTypes{"function types", 10000};  // 10,000: 0.01 s
// C guarantees 127 parameters. Every function declared with a type holds an
// LLVM argument per value: 9,999 imports of 2 x 256 take 141 MiB.
inline constexpr Cap kMaxTypeArity{"parameters (or results) of one function type", 256};
inline constexpr Cap kMaxImports{"imports", 10000};
// Each an LLVM function and an ELF section: 8,192 empty exported ones take
// 2.3 s and 262 MiB.
inline constexpr Cap kMaxFunctions{"functions, imported and defined", 10000};
// Entries are pointer slots in SRAM (8 KiB holds 2,048): 65,536 take 0.06 s.
inline constexpr Cap kMaxTables{"tables, imported and defined", 100};
inline constexpr Cap kMaxTableEntries{"table entries (the defined tables' minimum sizes, summed)", 65536};
// Each an LLVM global; the code that touches them is bounded by kMaxCodeCost.
inline constexpr Cap kMaxGlobals{"globals, imported and defined", 10000};
inline constexpr Cap kMaxExports{"exports", 10000};
inline constexpr Cap kMaxElemSegments{"element segments", 10000};
inline constexpr Cap kMaxElemItems{"element segment items, summed over the segments", 65536};
// Linear (10,000 segments: 0.04 s; 1 MiB: 0.05 s), and more than the 128 KiB
// of flash could never be stored anyway.
inline constexpr Cap kMaxDataSegments{"data segments", 10000};
inline constexpr Cap kMaxDataBytes{"data segment bytes, summed over the segments", 1u << 20};
// Twice the flash; the cost of what is in it is kMaxCodeCost's. Bodies are
// read several times (validator, lowering), so one is kept to 2.5 times the
// spec suite's largest.
inline constexpr Cap kMaxCodeBytes{"bytes of code (the code section)", 256u << 10};
inline constexpr Cap kMaxBodyBytes{"bytes in one function body", 64u << 10};
// Each local is an alloca and a store until mem2reg, about 270 bytes: the
// reported 1.6 KB module of functions at 50,000 locals each took 23 s and
// 2.9 GB; at these caps 10 such functions take 1.0 s and 183 MiB.
inline constexpr Cap kMaxFunctionLocals{"locals of one function, its parameters included", 50000};
inline constexpr Cap kMaxModuleLocals{"locals summed over the functions, parameters included", 1u << 19};
// 1,024 nested blocks: 0.2 s; 4,096: 25 s.
inline constexpr Cap kMaxNesting{"blocks, loops and ifs open at once in a function", 1024};
// Loop passes run at every level: 64 nested loops take 0.09 s, 256 take
// 6.5 s; 1,606 locals set 32 loops deep and live after them, 1.2 s.
inline constexpr Cap kMaxLoopNesting{"loops open at once in a function", 32};
// Cheap while the labels carry nothing (65,144 labels: 0.37 s); the values
// a label carries count in kMaxCodeCost.
inline constexpr Cap kMaxBrTableLabels{"labels of one br_table", 65536};
// The bound on the optimiser's work over the whole module. At it: i64
// division 3.6 s, values merged after 64 nested ifs 3.7 s and 247 MiB,
// same-base loads 1.6 s, a br_table of labels carrying values 2.6 s; every
// cap at once, 5.8 s and 298 MiB.
inline constexpr Cap kMaxCodeCost{
    "cost units of the module's code (an instruction 1, one that can trap 4, and 1 more for each value a call, "
    "block or branch carries)",
    8192};

// Every cap, for the tests and for listing them.
inline constexpr const Cap* kCaps[] = {
    &kMaxModuleBytes,  &kMaxTypes,         &kMaxTypeArity, &kMaxImports,        &kMaxFunctions,    &kMaxTables,
    &kMaxTableEntries, &kMaxGlobals,       &kMaxExports,   &kMaxElemSegments,   &kMaxElemItems,    &kMaxDataSegments,
    &kMaxDataBytes,    &kMaxCodeBytes,     &kMaxBodyBytes, &kMaxFunctionLocals, &kMaxModuleLocals, &kMaxNesting,
    &kMaxLoopNesting,  &kMaxBrTableLabels, &kMaxCodeCost,
};

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
