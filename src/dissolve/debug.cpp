// The wasm module's source lines as LLVM debug information (see debug.h).
// LLVM keeps it through optimisation (inlined functions become inlined
// subroutines) and writes it as the object's DWARF; codegen does not look at
// it, so the loadable bytes are the same with and without.
#include "dissolve/debug.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/IR/Module.h>

namespace gust::dissolve {

DebugInfo::DebugInfo(llvm::Module& mod, wasm::LineTable lines)
    : ctx_(mod.getContext()), dib_(mod), lines_(std::move(lines)) {
  const uint32_t main_file = lines_.ranges_.empty() ? 0 : lines_.ranges_.front().src.file;
  cu_ = dib_.createCompileUnit(llvm::dwarf::DW_LANG_C_plus_plus_14, file(main_file), "gust dissolve", true, "", 0);
  mod.addModuleFlag(llvm::Module::Warning, "Dwarf Version", 4);
  mod.addModuleFlag(llvm::Module::Warning, "Debug Info Version", llvm::DEBUG_METADATA_VERSION);
}

llvm::DIFile* DebugInfo::file(uint32_t id) {
  auto it = files_.find(id);
  if (it != files_.end()) return it->second;
  const std::string path = id < lines_.files.size() ? lines_.files[id] : "<unknown>";
  const size_t slash = path.rfind('/');
  llvm::DIFile* f = slash == std::string::npos ? dib_.createFile(path, "")
                                               : dib_.createFile(path.substr(slash + 1), path.substr(0, slash));
  files_[id] = f;
  return f;
}

llvm::DIScope* DebugInfo::scope(uint32_t f) {
  if (f == sp_file_) return sp_;
  llvm::DILexicalBlockFile*& b = block_files_[f];
  if (!b) b = dib_.createLexicalBlockFile(sp_, file(f));
  return b;
}

void DebugInfo::function(llvm::Function* f, const std::string& name, bool local, size_t begin, size_t end) {
  sp_ = nullptr;
  block_files_.clear();
  entry_ = last_ = llvm::DebugLoc();
  const auto extent = lines_.extent(begin, end);
  if (!extent) return;
  sp_file_ = extent->file;
  auto flags = llvm::DISubprogram::SPFlagDefinition | llvm::DISubprogram::SPFlagOptimized;
  if (local) flags |= llvm::DISubprogram::SPFlagLocalToUnit;
  llvm::DISubroutineType* type = dib_.createSubroutineType(dib_.getOrCreateTypeArray({}));
  sp_ = dib_.createFunction(file(sp_file_), name, "", file(sp_file_), extent->first, type, extent->first,
                            llvm::DINode::FlagPrototyped, flags);
  f->setSubprogram(sp_);
  entry_ = last_ = llvm::DILocation::get(ctx_, extent->first, 0, sp_);
}

llvm::DebugLoc DebugInfo::at(size_t at) {
  if (!sp_) return llvm::DebugLoc();
  if (auto src = lines_.at(at); src && src->line)
    last_ = llvm::DILocation::get(ctx_, src->line, src->column, scope(src->file));
  return last_;
}

void DebugInfo::finish() { dib_.finalize(); }

}  // namespace gust::dissolve
