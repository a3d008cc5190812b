// The place choice of a load as two predicated loads (predload.cpp), after
// LLVM's pipeline and the check motion's cleanup.
#pragma once
#include <llvm/IR/Module.h>

namespace gust::dissolve {

// Turns each load of a pointer chosen by a select between two globals into
// a branch on the select's condition with one load in each arm; returns how
// many loads it split.
unsigned predicate_place_loads(llvm::Module& mod);

}  // namespace gust::dissolve
