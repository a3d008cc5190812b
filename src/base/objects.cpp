// Reading back what the toolchain produced: symbols and relocations of an
// object (through LLVM's object library), and per-file sizes from a GNU ld map.
#include "base/objects.h"

#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <set>
#include <sstream>

namespace gust::base {

Result<ObjectFacts> read_object(const fs::path& file) {
  auto fail = [&](const std::string& msg) {
    Error e;
    e.where = file.string();
    e.message = msg;
    return e;
  };
  auto buf = llvm::MemoryBuffer::getFile(file.string());
  if (!buf) return fail("cannot read: " + buf.getError().message());
  auto obj = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
  if (!obj) return fail("not an object file: " + llvm::toString(obj.takeError()));
  ObjectFacts facts;
  for (const auto& sec : (*obj)->sections()) {
    auto name = sec.getName();
    if (!name) continue;
    if (sec.isText() || sec.isData() || sec.isBSS() || name->starts_with(".rodata"))
      facts.section_sizes[name->str()] += sec.getSize();
  }
  std::set<std::string> undefined;
  for (const auto& sec : (*obj)->sections()) {
    for (const auto& rel : sec.relocations()) {
      auto sym = rel.getSymbol();
      if (sym == (*obj)->symbol_end()) continue;
      auto flags = sym->getFlags();
      if (!flags || !(*flags & llvm::object::SymbolRef::SF_Undefined)) continue;
      auto name = sym->getName();
      if (name) undefined.insert(name->str());
    }
  }
  facts.undefined.assign(undefined.begin(), undefined.end());
  for (const auto& sym : (*obj)->symbols()) {
    auto flags = sym.getFlags();
    if (!flags || (*flags & llvm::object::SymbolRef::SF_Undefined) || !(*flags & llvm::object::SymbolRef::SF_Global))
      continue;
    auto name = sym.getName();
    if (name) facts.defined_globals.push_back(name->str());
  }
  return facts;
}

// GNU ld lists each input section under "Linker script and memory map" as
//   " .text.name  0xADDR  0xSIZE  file"     or, when the name is long,
//   " .text.name"  then  "             0xADDR  0xSIZE  file".
std::vector<MapEntry> parse_map(const std::string& text) {
  std::vector<MapEntry> out;
  std::istringstream in(text);
  std::string line, pending;
  bool in_map = false;
  while (std::getline(in, line)) {
    if (!in_map) {
      in_map = line.rfind("Linker script and memory map", 0) == 0;
      continue;
    }
    if (line.size() < 2 || line[0] != ' ') {
      pending.clear();
      continue;
    }
    std::istringstream ls(line);
    std::vector<std::string> tok;
    for (std::string t; ls >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    if (line[1] != ' ' && tok.size() == 1 && tok[0][0] == '.') {
      pending = tok[0];
      continue;
    }
    std::string section;
    size_t i = 0;
    if (line[1] != ' ' && (tok[0][0] == '.' || tok[0] == "COMMON")) {
      section = tok[0];
      i = 1;
    } else if (!pending.empty()) {
      section = pending;
    }
    pending.clear();
    if (section.empty() || tok.size() < i + 3 || tok[i].rfind("0x", 0) != 0 || tok[i + 1].rfind("0x", 0) != 0) continue;
    MapEntry e;
    e.section = section;
    e.address = std::stoull(tok[i], nullptr, 16);
    e.size = std::stoull(tok[i + 1], nullptr, 16);
    for (size_t k = i + 2; k < tok.size(); ++k) e.file += (k > i + 2 ? " " : "") + tok[k];
    if (e.size) out.push_back(e);
  }
  return out;
}

}  // namespace gust::base
