// The seam check's refusal in the words of the driver's source: each
// violation names the C++ function behind the import or export (demangled,
// from the name section wasm-ld writes, which the driver compile keeps) and
// the WIT item it should match with its file:line; a missing export names
// the driver's function of the nearest name, when there is one, as the
// likely misspelling. No scratch path and no bare function index appear.
#include <llvm/Demangle/Demangle.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <algorithm>
#include <set>

#include "compose/stages.h"

namespace gust::compose {

namespace {

// The name a C++ programmer wrote: a mangled symbol demangled
// (_ZN3foo3barEv -> foo::bar()), a C name as it is.
std::string source_name(const std::string& symbol) { return llvm::demangle(symbol); }

// The identifier of a demangled name: foo::bar(unsigned char) -> bar.
std::string identifier(const std::string& name) {
  std::string s = name.substr(0, name.find('('));
  const size_t colons = s.rfind("::");
  return colons == std::string::npos ? s : s.substr(colons + 2);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// The driver's function whose name is nearest `want`, within a fifth of
// its length (at least 2 edits), or "" when none is that near; a name in
// `taken` (a function the world's exports already use) is no candidate.
std::string nearest(const std::string& want, const std::vector<std::string>& candidates,
                    const std::set<std::string>& taken) {
  std::string best;
  size_t best_d = std::max<size_t>(2, want.size() / 5) + 1;
  for (const auto& c : candidates) {
    const std::string id = identifier(c);
    if (id == want || taken.count(id)) continue;  // the same name is not a misspelling
    const size_t d = edit_distance(id, want);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

}  // namespace

std::vector<std::string> defined_functions(const fs::path& wasm_object) {
  std::vector<std::string> out;
  auto buf = llvm::MemoryBuffer::getFile(wasm_object.string());
  if (!buf) return out;
  auto obj = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
  if (!obj) {
    llvm::consumeError(obj.takeError());
    return out;
  }
  for (const auto& sym : (*obj)->symbols()) {
    auto type = sym.getType();
    auto flags = sym.getFlags();
    auto name = sym.getName();
    if (!type || !flags || !name) {
      if (!type) llvm::consumeError(type.takeError());
      if (!flags) llvm::consumeError(flags.takeError());
      if (!name) llvm::consumeError(name.takeError());
      continue;
    }
    if (*type == llvm::object::SymbolRef::ST_Function && !(*flags & llvm::object::SymbolRef::SF_Undefined))
      out.push_back(source_name(name->str()));
  }
  return out;
}

std::string seam_message(const wasm::Module& m, const std::vector<wit::SeamViolation>& vs, const wit::Package& pkg,
                         const wit::World& w,
                         const std::string& wit_file, const std::vector<std::string>& driver_functions) {
  const std::string& world = w.name;
  const auto names = function_names(m);
  auto cxx = [&](uint32_t f) -> std::string {
    auto it = names.find(f);
    if (it == names.end() || it->second.rfind("export ", 0) == 0) return "";
    return source_name(it->second);
  };
  std::set<std::string> world_exports, taken;
  for (const wit::Func* f : wit::world_exports(pkg, w)) world_exports.insert(wit::export_name(*f));
  for (const auto& e : m.exports)
    if (e.kind == wasm::ExternKind::Func && world_exports.count(e.name)) {
      taken.insert(e.name);
      taken.insert(identifier(cxx(e.index)));
    }
  // One line per violation, as the seam check words it, with the C++
  // function first and the WIT item after.
  std::string msg = "the module does not fit world " + world + " of " + wit_file + ": " + std::to_string(vs.size()) +
                    " seam violation" + (vs.size() == 1 ? "" : "s");
  for (const auto& v : vs) {
    std::string line = "\n  ";
    const std::string fn = v.func ? cxx(*v.func) : "";
    std::string text = v.str();
    if (v.offset) line += text.substr(0, 10), text = text.substr(10);  // "0000001d: " first
    if (!fn.empty()) line += "the C++ function " + fn + ", ";
    line += text;
    if (!v.wit_item.empty()) line += "; it should match " + v.wit_item;
    if (!v.export_name.empty() && v.found.empty()) {
      // Missing: the likely misspelling among the driver's exports and
      // functions (one it defines but does not export, or exports by another
      // name), and how to define it.
      std::vector<std::string> candidates = driver_functions;
      for (const auto& e : m.exports)
        if (e.kind == wasm::ExternKind::Func) candidates.push_back(e.name);
      const std::string near = nearest(v.export_name, candidates, taken);
      if (!near.empty()) line += "; the driver defines " + near + ": a misspelling of " + v.export_name + "?";
      line += "; define " + v.export_name + " as <gust/driver-" + world.substr(world.rfind('-') + 1) +
              ".h> declares it (that exports it as \"" + v.export_name + "\")";
    }
    msg += line;
  }
  return msg;
}

}  // namespace gust::compose
