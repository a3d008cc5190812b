// bench/objsize.h: code and data sizes of one relocatable object, per
// exported function, for the benchmarks (bench/run, bench/realcode/run):
// a function's flash is its section and every local section it reaches
// through relocations (callees, rodata), not the other exported functions.
#pragma once
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace gust::bench {

struct ObjectSizes {
  std::map<std::string, uint64_t> function_flash;               // the function and the local sections it reaches
  std::map<std::string, std::set<std::string>> function_calls;  // the undefined symbols those sections reference
  std::set<std::string> undefined;                              // every undefined symbol the object references
  uint64_t text = 0, rodata = 0, data = 0, bss = 0;
  bool ok = false;
};

inline ObjectSizes measure_object(const std::filesystem::path& path) {
  ObjectSizes out;
  auto buf = llvm::MemoryBuffer::getFile(path.string());
  if (!buf) return out;
  auto bin = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
  if (!bin) {
    llvm::consumeError(bin.takeError());
    return out;
  }
  const auto& obj = **bin;
  std::map<uint64_t, uint64_t> size;                // section index -> bytes (text and rodata)
  std::map<uint64_t, std::set<uint64_t>> reaches;   // section index -> local sections it references
  std::map<uint64_t, std::set<std::string>> calls;  // section index -> undefined symbols it references
  for (const auto& sec : obj.sections()) {
    auto name = sec.getName();
    if (!name) {
      llvm::consumeError(name.takeError());
      continue;
    }
    if (name->starts_with(".text")) out.text += sec.getSize();
    if (name->starts_with(".rodata")) out.rodata += sec.getSize();
    if (name->starts_with(".text") || name->starts_with(".rodata")) size[sec.getIndex()] = sec.getSize();
    if (name->starts_with(".data")) out.data += sec.getSize();
    if (name->starts_with(".bss")) out.bss += sec.getSize();
  }
  for (const auto& rsec : obj.sections()) {
    auto target = rsec.getRelocatedSection();
    if (!target) {
      llvm::consumeError(target.takeError());
      continue;
    }
    if (*target == obj.section_end()) continue;
    for (const auto& rel : rsec.relocations()) {
      auto sym = rel.getSymbol();
      if (sym == obj.symbol_end()) continue;
      auto flags = sym->getFlags();
      auto s = sym->getSection();
      if (!flags || !s) {
        if (!flags) llvm::consumeError(flags.takeError());
        if (!s) llvm::consumeError(s.takeError());
        continue;
      }
      if (*s == obj.section_end()) {  // undefined: an import or the runtime
        if (auto n = sym->getName()) {
          calls[(*target)->getIndex()].insert(n->str());
          out.undefined.insert(n->str());
        } else {
          llvm::consumeError(n.takeError());
        }
        continue;
      }
      // Exported functions are measured on their own, not as part of a caller.
      if ((*flags & llvm::object::SymbolRef::SF_Global) &&
          llvm::object::ELFSymbolRef(*sym).getELFType() == llvm::ELF::STT_FUNC)
        continue;
      reaches[(*target)->getIndex()].insert((*s)->getIndex());
    }
  }
  for (const auto& sym : obj.symbols()) {
    llvm::object::ELFSymbolRef es(sym);
    auto flags = sym.getFlags();
    auto name = sym.getName();
    auto s = sym.getSection();
    if (!flags || !name || !s) {
      if (!flags) llvm::consumeError(flags.takeError());
      if (!name) llvm::consumeError(name.takeError());
      if (!s) llvm::consumeError(s.takeError());
      continue;
    }
    if (es.getELFType() != llvm::ELF::STT_FUNC || !(*flags & llvm::object::SymbolRef::SF_Global) ||
        *s == obj.section_end())
      continue;
    std::set<uint64_t> seen;
    std::vector<uint64_t> todo = {(*s)->getIndex()};
    uint64_t total = 0;
    std::set<std::string> reached_calls;
    while (!todo.empty()) {
      const uint64_t i = todo.back();
      todo.pop_back();
      if (!seen.insert(i).second) continue;
      total += size[i];
      reached_calls.insert(calls[i].begin(), calls[i].end());
      for (auto j : reaches[i]) todo.push_back(j);
    }
    out.function_flash[name->str()] = total;
    out.function_calls[name->str()] = reached_calls;
  }
  out.ok = true;
  return out;
}

}  // namespace gust::bench
