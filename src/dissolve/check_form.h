// The instruction form of compares against constants (check_form.cpp),
// chosen after LLVM's IR pipeline and before instruction selection.
#pragma once
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

namespace gust::dissolve {

// Rewrites each 32-bit `x >u C` (and <u, >s, <s) whose every use is a
// branch to a trap: when C is not a compare immediate of the target and
// C + 1 (C - 1 for <) is, as the negated compare against that immediate
// with the branches' targets swapped; either way with the immediate behind
// a no-op bitcast, one compare at each branch. Returns how many.
unsigned shape_compares(llvm::Module& mod, llvm::TargetMachine& tm);

}  // namespace gust::dissolve
