// The stack half of the SRAM oracle: worst-case stack depth from the call
// graph of the linked image. Frame sizes come from LLVM's .stack_sizes
// section (dissolved code) and gcc's -fstack-usage files (native code); call
// edges from the objects' relocations; roots from the vector table, each
// interrupt adding the Cortex-M exception frame.
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/LEB128.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "compose/compose.h"

namespace gust::compose {

namespace {

using llvm::object::ELF32LEObjectFile;

struct Fn {
  std::string name, component;
  std::optional<uint64_t> frame;   // bytes, if known
  bool dynamic = false;            // gcc: a frame of dynamic size
  std::vector<std::string> calls;  // callee names (resolved globally, or local to the object)
  bool indirect = false;           // calls through a pointer: its callees are unknown
  std::string object;
};

constexpr unsigned R_ARM_ABS32 = 2, R_ARM_THM_CALL = 10, R_ARM_THM_JUMP24 = 30, R_ARM_THM_JUMP19 = 51,
                   R_ARM_THM_JUMP11 = 102, R_ARM_THM_JUMP8 = 103;

// gcc's .su lines: "file.c:12:6:name<TAB>16<TAB>static".
void read_su(const fs::path& su, std::map<std::string, std::pair<uint64_t, bool>>& out) {
  std::ifstream in(su);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string where, size, kind;
    std::getline(ls, where, '\t');
    std::getline(ls, size, '\t');
    std::getline(ls, kind, '\t');
    const std::string fn = where.substr(where.rfind(':') + 1);
    out[fn] = {std::stoull(size),
               kind.find("dynamic") != std::string::npos && kind.find("bounded") == std::string::npos};
  }
}

// gcc -fcallgraph-info writes a VCG graph; an indirect call is an edge to a
// node titled "__indirect_call" (or, for some versions, its label), from the
// calling function's node "file.c:line:col:name".
void read_ci_indirect(const fs::path& ci, std::set<std::string>& out) {
  std::ifstream in(ci);
  for (std::string line; std::getline(in, line);) {
    if (line.find("edge:") == std::string::npos || line.find("__indirect_call") == std::string::npos) continue;
    const size_t s = line.find("sourcename: \"");
    if (s == std::string::npos) continue;
    const size_t b = s + 13, e = line.find('"', b);
    const std::string src = line.substr(b, e - b);
    out.insert(src.substr(src.rfind(':') + 1));
  }
}

}  // namespace

Result<StackReport> analyze_stack(const std::vector<std::pair<fs::path, std::string>>& objects, const Chip& chip,
                                  const std::map<std::string, uint64_t>& bounds) {
  std::map<std::string, Fn> global_fns;                        // strong definitions win over weak
  std::map<std::string, std::map<std::string, Fn>> local_fns;  // object -> local functions
  std::map<std::string, bool> weak_def;                        // whether the definition kept so far is weak
  std::vector<std::string> vector_roots;                       // in vector table order
  std::string reset_root;
  for (const auto& [path, component] : objects) {
    auto buf = llvm::MemoryBuffer::getFile(path.string());
    if (!buf) return Error::make(Error::Kind::Tool, "cannot read object", path.string());
    auto bin = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
    if (!bin) return Error::make(Error::Kind::Tool, "not an object file", path.string());
    auto* obj = llvm::dyn_cast<ELF32LEObjectFile>(bin->get());
    if (!obj) return Error::make(Error::Kind::Tool, "not a 32-bit ELF object", path.string());

    std::map<std::string, std::pair<uint64_t, bool>> su;
    fs::path su_path = path;
    su_path.replace_extension(".su");
    if (fs::exists(su_path)) read_su(su_path, su);
    // Functions that call through a pointer: gcc's call graph (-fcallgraph-info)
    // for native code, the .gust.indirect section for dissolved code.
    std::set<std::string> indirect;
    fs::path ci_path = path;
    ci_path.replace_extension(".ci");
    if (fs::exists(ci_path)) read_ci_indirect(ci_path, indirect);

    // Functions by section, and frames from .stack_sizes.
    std::map<uint64_t, std::vector<std::string>> fns_in_section;  // section index -> function names
    std::map<std::string, Fn> fns;
    std::map<std::string, bool> is_global;
    std::set<std::string> fns_weak;
    for (const auto& sym : obj->symbols()) {
      llvm::object::ELFSymbolRef es(sym);
      if (es.getELFType() != llvm::ELF::STT_FUNC) continue;
      auto flags = sym.getFlags();
      if (!flags || (*flags & llvm::object::SymbolRef::SF_Undefined)) continue;
      auto name = sym.getName();
      auto sec = sym.getSection();
      if (!name || !sec || *sec == obj->section_end()) continue;
      Fn f;
      f.name = name->str();
      f.component = component;
      f.object = path.string();
      if (auto it = su.find(f.name); it != su.end()) {
        f.frame = it->second.first;
        f.dynamic = it->second.second;
      }
      fns_in_section[(*sec)->getIndex()].push_back(f.name);
      is_global[f.name] = *flags & llvm::object::SymbolRef::SF_Global;
      if (*flags & llvm::object::SymbolRef::SF_Weak) fns_weak.insert(f.name);
      fns[f.name] = f;
    }
    // Aliases (boot's weak gust_isr_N = gust_default_isr) share their target's frame.
    std::map<std::pair<uint64_t, uint64_t>, std::string> at_address;
    for (const auto& sym : obj->symbols()) {
      llvm::object::ELFSymbolRef es(sym);
      auto name = sym.getName();
      auto sec = sym.getSection();
      auto value = sym.getValue();
      if (!name || !sec || !value || *sec == obj->section_end() || !fns.count(name->str())) continue;
      const auto key = std::make_pair(uint64_t((*sec)->getIndex()), *value);
      auto it = at_address.find(key);
      if (it == at_address.end() || !fns[it->second].frame) at_address[key] = name->str();
    }
    for (const auto& sym : obj->symbols()) {
      auto name = sym.getName();
      auto sec = sym.getSection();
      auto value = sym.getValue();
      if (!name || !sec || !value || *sec == obj->section_end() || !fns.count(name->str())) continue;
      Fn& f = fns[name->str()];
      const Fn& twin = fns[at_address[{uint64_t((*sec)->getIndex()), *value}]];
      if (!f.frame && twin.frame) {
        f.frame = twin.frame;
        f.dynamic = twin.dynamic;
      }
    }
    // A relocation names a symbol, or a section whose function it means.
    auto resolve = [&](const llvm::object::SymbolRef& sym) -> std::string {
      llvm::object::ELFSymbolRef es(sym);
      if (es.getELFType() == llvm::ELF::STT_SECTION) {
        auto sec = sym.getSection();
        if (sec && *sec != obj->section_end() && fns_in_section.count((*sec)->getIndex()))
          return fns_in_section[(*sec)->getIndex()][0];
        return "";
      }
      auto n = sym.getName();
      return n ? n->str() : "";
    };
    // Relocations are read from each relocation section, applied to its target.
    for (const auto& rsec : obj->sections()) {
      auto target_sec = rsec.getRelocatedSection();
      if (!target_sec || *target_sec == obj->section_end()) continue;
      const auto& sec = **target_sec;
      auto sname = sec.getName();
      if (!sname) continue;
      if (*sname == ".stack_sizes") {
        auto contents = sec.getContents();
        if (!contents) continue;
        for (const auto& rel : rsec.relocations()) {
          auto sym = rel.getSymbol();
          if (sym == obj->symbol_end()) continue;
          const std::string target = resolve(*sym);
          const uint64_t at = rel.getOffset() + 4;
          unsigned len = 0;
          const uint64_t size = llvm::decodeULEB128(reinterpret_cast<const uint8_t*>(contents->data()) + at, &len);
          if (fns.count(target)) fns[target].frame = size;
        }
        continue;
      }
      const bool vectors = *sname == ".isr_vector";
      if (!sec.isText() && !vectors) continue;
      const auto& here = fns_in_section[sec.getIndex()];
      for (const auto& rel : rsec.relocations()) {
        const unsigned type = unsigned(rel.getType());
        auto sym = rel.getSymbol();
        if (sym == obj->symbol_end()) continue;
        const std::string target = resolve(*sym);
        if (target.empty()) continue;
        if (vectors && type == R_ARM_ABS32) {
          // Entry 0 is the initial SP, entry 1 the reset handler, then exceptions.
          if (rel.getOffset() == 4)
            reset_root = target;
          else if (rel.getOffset() > 4)
            vector_roots.push_back(target);
          continue;
        }
        if (type != R_ARM_THM_CALL && type != R_ARM_THM_JUMP24 && type != R_ARM_THM_JUMP19 &&
            type != R_ARM_THM_JUMP11 && type != R_ARM_THM_JUMP8)
          continue;
        for (const auto& f : here) fns[f].calls.push_back(target);
      }
    }
    for (const auto& sec : obj->sections()) {
      auto sname = sec.getName();
      auto contents = sec.getContents();
      if (!sname || *sname != ".gust.indirect" || !contents) continue;
      std::string all = contents->str();
      for (size_t at = 0; at < all.size();) {
        const size_t end = all.find('\0', at);
        indirect.insert(all.substr(at, end - at));
        at = end == std::string::npos ? all.size() : end + 1;
      }
    }
    for (const auto& name : indirect)
      if (fns.count(name)) fns[name].indirect = true;
    for (auto& [name, f] : fns) {
      if (!is_global[name]) {
        local_fns[path.string()][name] = f;
        continue;
      }
      // A strong definition replaces a weak one (boot's default handlers).
      const bool this_weak = fns_weak.count(name) != 0;
      auto it = global_fns.find(name);
      if (it == global_fns.end() || (weak_def[name] && !this_weak)) {
        global_fns[name] = f;
        weak_def[name] = this_weak;
      }
    }
  }

  StackReport rep;
  std::map<std::string, uint64_t> memo;
  std::set<std::string> visiting;
  std::function<std::optional<uint64_t>(const Fn&, std::vector<const Fn*>&)> worst;
  auto lookup = [&](const std::string& name, const std::string& object) -> const Fn* {
    auto l = local_fns.find(object);
    if (l != local_fns.end() && l->second.count(name)) return &l->second.at(name);
    auto g = global_fns.find(name);
    return g == global_fns.end() ? nullptr : &g->second;
  };
  std::map<std::string, std::vector<const Fn*>> paths;
  worst = [&](const Fn& f, std::vector<const Fn*>& path) -> std::optional<uint64_t> {
    const std::string key = f.object + "#" + f.name;
    if (auto b = bounds.find(f.name); b != bounds.end()) {
      path = {&f};
      return b->second;
    }
    if (auto m = memo.find(key); m != memo.end()) {
      path = paths[key];
      return m->second;
    }
    if (visiting.count(key)) {
      rep.unbounded.push_back("recursion through " + f.name);
      return std::nullopt;
    }
    if (f.indirect) {
      rep.unbounded.push_back(f.name + " makes an indirect call");
      return std::nullopt;
    }
    if (!f.frame || f.dynamic) {
      rep.unbounded.push_back(f.name + ": no static frame size");
      return std::nullopt;
    }
    visiting.insert(key);
    uint64_t deepest = 0;
    std::vector<const Fn*> best;
    bool ok = true;
    for (const auto& callee : f.calls) {
      const Fn* c = lookup(callee, f.object);
      if (!c) {
        rep.unbounded.push_back(f.name + " calls " + callee + ", whose stack is unknown");
        ok = false;
        continue;
      }
      std::vector<const Fn*> sub;
      auto w = worst(*c, sub);
      if (!w) {
        ok = false;
        continue;
      }
      if (*w > deepest) {
        deepest = *w;
        best = sub;
      }
    }
    visiting.erase(key);
    if (!ok) return std::nullopt;
    path = {&f};
    path.insert(path.end(), best.begin(), best.end());
    memo[key] = *f.frame + deepest;
    paths[key] = path;
    return memo[key];
  };

  auto add_shares = [&](const std::vector<const Fn*>& path) {
    for (const Fn* f : path) {
      auto b = bounds.find(f->name);
      rep.by_component[f->component] += b != bounds.end() ? b->second : f->frame.value_or(0);
      rep.path.push_back(f->name);
    }
  };
  if (reset_root.empty() || !global_fns.count(reset_root)) {
    rep.unbounded.push_back("no reset handler in the vector table");
    return rep;
  }
  std::vector<const Fn*> main_path;
  auto main_depth = worst(global_fns.at(reset_root), main_path);
  // Interrupts share one priority here, so at most one preempts the thread.
  uint64_t isr_depth = 0;
  std::vector<const Fn*> isr_path;
  std::set<std::string> seen;
  for (const auto& v : vector_roots) {
    if (!seen.insert(v).second || !global_fns.count(v)) continue;
    std::vector<const Fn*> p;
    auto d = worst(global_fns.at(v), p);
    if (d && *d + chip.exception_frame > isr_depth) {
      isr_depth = *d + chip.exception_frame;
      isr_path = p;
    }
  }
  if (!main_depth || !rep.unbounded.empty()) return rep;
  rep.bounded = true;
  rep.thread_bytes = *main_depth;
  rep.interrupt_bytes = isr_depth;
  rep.total = *main_depth + isr_depth;
  add_shares(main_path);
  if (!isr_path.empty()) {
    rep.path.push_back("(interrupt: +" + std::to_string(chip.exception_frame) + " B exception frame)");
    add_shares(isr_path);
    rep.by_component[isr_path.front()->component] += chip.exception_frame;
  }
  return rep;
}

}  // namespace gust::compose
