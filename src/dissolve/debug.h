// Debug information for a dissolved module (debug.cpp): the wasm DWARF line
// table carried onto the LLVM IR, so that LLVM's own DWARF describes the
// Thumb-2 code in terms of the C++ source. One compile unit, one
// DISubprogram per function that has lines, a DILocation per instruction.
#pragma once
#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/DebugLoc.h>

#include <map>
#include <memory>

#include "wasm/dwarf.h"

namespace gust::dissolve {

class DebugInfo {
 public:
  DebugInfo(llvm::Module& mod, wasm::LineTable lines);
  // Starts a function: its DISubprogram, named `name`, at the first line of
  // its body [begin, end) of file offsets; none when the body has no lines.
  void function(llvm::Function* f, const std::string& name, bool local, size_t begin, size_t end);
  // The location of the instruction at file offset `at` in the current
  // function: its row, or the last one seen when it has none.
  llvm::DebugLoc at(size_t at);
  llvm::DebugLoc entry() const { return entry_; }
  void finish();

 private:
  llvm::DIFile* file(uint32_t id);
  llvm::DIScope* scope(uint32_t file);
  llvm::LLVMContext& ctx_;
  llvm::DIBuilder dib_;
  wasm::LineTable lines_;
  std::map<uint32_t, llvm::DIFile*> files_;
  llvm::DICompileUnit* cu_ = nullptr;
  llvm::DISubprogram* sp_ = nullptr;
  uint32_t sp_file_ = 0;
  std::map<uint32_t, llvm::DILexicalBlockFile*> block_files_;  // the current function's other files
  llvm::DebugLoc entry_, last_;
};

}  // namespace gust::dissolve
