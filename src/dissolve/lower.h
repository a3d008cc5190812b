// Internal interface between the lowering and the object emitter.
#pragma once
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <memory>

#include "dissolve/dissolve.h"

namespace gust::dissolve {

// wasm -> LLVM IR. The result has no target set; emit() sets it.
[[nodiscard]] Result<std::unique_ptr<llvm::Module>> lower(const wasm::Module& m, const Options& opts,
                                                          llvm::LLVMContext& ctx);

// LLVM IR -> optimised IR -> Thumb-2 ELF object. The bounds-check motion
// acts on the region of each prefix in `regions` (empty: opts.prefix's),
// several for a fused module (fuse.cpp).
[[nodiscard]] Result<Output> emit(llvm::Module& mod, const Options& opts, const std::vector<std::string>& regions = {});

}  // namespace gust::dissolve
