// Bounds-check motion (checks.cpp): widening over straight lines, hoisting
// out of counted loops, after LLVM's pipeline and before the cleanup.
#pragma once
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>

#include "dissolve/dissolve.h"

namespace gust::dissolve {

struct CheckMotion {
  unsigned widened = 0;  // later checks subsumed by an earlier, widened one
  unsigned hoisted = 0;  // loop checks replaced by one before the loop
  bool any() const { return widened || hoisted; }
};

// A block that calls gust_trap (any code) and ends there: a check's failure
// path, for check motion and for the compares' form (check_form.cpp).
bool is_any_trap_block(const llvm::BasicBlock* bb);

CheckMotion move_checks(llvm::Module& mod, const Options& opts, llvm::FunctionAnalysisManager& fam);

}  // namespace gust::dissolve
