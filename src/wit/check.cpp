// The seam check: a decoded wasm module against a WIT world, before it is
// dissolved. An import the world does not grant, or one whose type differs
// from the WIT's lowering, would bind to bridge code that reads registers the
// wasm caller never set; so each one is refused, all of them at once.
#include <cstdio>

#include "wit/wit.h"

namespace gust::wit {

namespace {

// A name from the module, quoted as in wasm text, with every byte that could
// forge a line of the report escaped.
std::string quoted(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string q = "\"";
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      q += '\\';
      q += hex[c >> 4];
      q += hex[c & 15];
    } else {
      q += char(c);
    }
  }
  return q + "\"";
}

std::string limits_text(const wasm::Limits& l) {
  std::string s = std::to_string(l.min);
  if (l.max) s += " " + std::to_string(*l.max);
  return s;
}

std::string table_text(const wasm::TableType& t) {
  return "(table " + limits_text(t.limits) + " " + wasm::name(t.elem) + ")";
}
std::string memory_text(const wasm::Limits& l) { return "(memory " + limits_text(l) + ")"; }
std::string global_text(const wasm::GlobalType& g) {
  const std::string t = wasm::name(g.type);
  return g.mutable_ ? "(global (mut " + t + "))" : "(global " + t + ")";
}

// What an import or export is, in wasm text: (func ...), (memory 1), ...
std::string extern_text(const wasm::Module& m, const wasm::Import& im) {
  switch (im.kind) {
    case wasm::ExternKind::Func:
      if (im.func_type < m.types.size()) return func_text(m.types[im.func_type]);
      return "(func (type " + std::to_string(im.func_type) + "))";
    case wasm::ExternKind::Table:
      return table_text(im.table);
    case wasm::ExternKind::Memory:
      return memory_text(im.memory);
    case wasm::ExternKind::Global:
      return global_text(im.global);
  }
  return "?";
}

// An index out of its space is left to the validator; say only the kind.
std::string export_text(const wasm::Module& m, const wasm::Export& e) {
  switch (e.kind) {
    case wasm::ExternKind::Func:
      return e.index < m.num_funcs() ? func_text(m.func_type(e.index)) : "(func)";
    case wasm::ExternKind::Table:
      return e.index < m.num_tables() ? table_text(m.table_type(e.index)) : "(table)";
    case wasm::ExternKind::Memory:
      return e.index < m.num_memories() ? memory_text(m.memory_limits(e.index)) : "(memory)";
    case wasm::ExternKind::Global:
      return e.index < m.num_globals() ? global_text(m.global_type(e.index)) : "(global)";
  }
  return "?";
}

// Why two function types differ, in the words of issue 9's findings: a
// reference or a second result at the seam is an attack, not a typo.
std::string mismatch(const wasm::FuncType& found) {
  for (const auto* ts : {&found.params, &found.results})
    for (auto t : *ts)
      if (wasm::is_ref(t)) return "wrong type: a reference type cannot cross the seam";
  if (found.results.size() > 1) return "wrong type: a multi-value result cannot cross the seam";
  return "wrong type";
}

std::string list(const std::vector<std::string>& names, const std::string& prefix = "") {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + prefix + names[i];
  return s.empty() ? "none" : s;
}

struct Checker {
  const wasm::Module& m;
  const Package& pkg;
  const World& w;
  const std::string& wit_file;
  std::vector<SeamViolation> out;

  const Func* resolve(const wasm::Import& im, std::string& why) const;
  void check_import(uint32_t index, const wasm::Import& im);
  void exports();
};

// The WIT function an import names, or why it names none the world grants.
const Func* Checker::resolve(const wasm::Import& im, std::string& why) const {
  std::vector<std::string> modules;
  for (const auto& g : w.imports) modules.push_back(pkg.name + "/" + g);
  for (const auto& l : w.links) modules.push_back(l.module());
  const std::string granted = list(modules);
  // A named import, or another package's interface: the module is the name.
  for (const auto& l : w.links) {
    if (im.module != l.module()) continue;
    const Interface* iface = pkg.find(l.iface);
    if (!iface) {
      why = "interface " + l.iface.qualified() + " is not loaded";
      return nullptr;
    }
    std::vector<std::string> names;
    for (const auto& f : iface->funcs) {
      if (f.name == im.name) return &f;
      names.push_back(f.name);
    }
    why = quoted(l.module()) + " is a " + l.iface.qualified() + ", which has no function " + quoted(im.name) +
          " (it has " + list(names) + ")";
    return nullptr;
  }
  const std::string pkg_prefix = pkg.name + "/";
  if (im.module.rfind(pkg_prefix, 0) != 0) {
    why = "module " + quoted(im.module) + " is not an interface of " + pkg.name + " (world " + w.name + " grants " +
          granted + ")";
    return nullptr;
  }
  const std::string iname = im.module.substr(pkg_prefix.size());
  const Interface* iface = pkg.interface(iname);
  if (!iface) {
    why =
        "package " + pkg.name + " has no interface " + quoted(iname) + " (world " + w.name + " grants " + granted + ")";
    return nullptr;
  }
  bool is_granted = false;
  for (const auto& g : w.imports) is_granted = is_granted || g == iname;
  if (!is_granted) {
    why = "interface " + iname + " is not granted to world " + w.name + " (it grants " + granted + ")";
    return nullptr;
  }
  std::vector<std::string> names;
  for (const auto& f : iface->funcs) {
    if (f.name == im.name) return &f;
    names.push_back(f.name);
  }
  why = "interface " + iname + " has no function " + quoted(im.name) + " (it has " + list(names) + ")";
  return nullptr;
}

void Checker::check_import(uint32_t index, const wasm::Import& im) {
  SeamViolation v;
  v.what = "import " + std::to_string(index) + " " + quoted(im.module) + " " + quoted(im.name);
  v.found = extern_text(m, im);
  v.offset = im.offset;
  std::string unresolved;
  const Func* fn = resolve(im, unresolved);
  std::optional<wasm::FuncType> want;
  if (im.kind == wasm::ExternKind::Func) {
    uint32_t f = 0;
    for (uint32_t i = 0; i < index; ++i) f += m.imports[i].kind == wasm::ExternKind::Func;
    v.func = f;
  }
  if (fn) {
    v.wit_item = wit_file + ":" + std::to_string(fn->line) + ": " + im.module + " " + func_wit_text(*fn);
    auto core = lower(*fn, wit_file);
    if (!core) throw Failure{core.error()};
    want = core->type();
    v.expected = func_text(*want);
  }
  if (im.kind != wasm::ExternKind::Func) {
    // First, because it is the worse fault: memory, tables and globals are
    // never shared with the bridge, whatever their names.
    v.why = std::string("a ") + wasm::name(im.kind) + " import: only functions cross the seam";
    if (!fn) v.why += "; and " + unresolved;
  } else if (!fn) {
    v.why = unresolved;
    // The WIT function it names, if the package has one the world lacks.
    if (im.module.rfind(pkg.name + "/", 0) == 0)
      if (const Interface* i = pkg.interface(im.module.substr(pkg.name.size() + 1)))
        if (const Func* f = i->func(im.name))
          v.wit_item = wit_file + ":" + std::to_string(f->line) + ": " + im.module + " " + func_wit_text(*f) +
                       ", which world " + w.name + " does not import";
  } else if (im.func_type >= m.types.size()) {
    v.why = "wrong type";
  } else if (m.types[im.func_type] != *want) {
    v.why = mismatch(m.types[im.func_type]);
  } else {
    return;
  }
  out.push_back(v);
}

void Checker::exports() {
  for (const auto& ref : w.exported)
    if (!pkg.find(ref))
      throw Failure{Error::make(Error::Kind::Input,
                                "world " + w.name + " exports interface " + ref.qualified() + ", which is not loaded",
                                wit_file)};
  for (const Func* fp : world_exports(pkg, w)) {
    const Func& f = *fp;
    auto core = lower(f, wit_file);
    if (!core) throw Failure{core.error()};
    const wasm::FuncType want = core->type();
    const std::string name = export_name(f);
    SeamViolation v;
    v.what = "export " + quoted(name);
    v.expected = func_text(want);
    v.export_name = name;
    v.wit_item = wit_file + ":" + std::to_string(f.line) + ": world " + w.name + " export " + func_wit_text(f);
    const wasm::Export* e = nullptr;
    for (const auto& x : m.exports)
      if (x.name == name) e = &x;
    if (!e) {
      v.why = "missing: world " + w.name + " declares it, and the native side calls it";
      out.push_back(v);
      continue;
    }
    v.found = export_text(m, *e);
    if (e->kind == wasm::ExternKind::Func) v.func = e->index;
    if (e->kind != wasm::ExternKind::Func) {
      v.why = std::string("a ") + wasm::name(e->kind) + ", not a function";
      out.push_back(v);
    } else if (e->index >= m.num_funcs() || m.func_type(e->index) != want) {
      v.why = e->index < m.num_funcs() ? mismatch(m.func_type(e->index)) : "wrong type";
      out.push_back(v);
    }
  }
}

}  // namespace

std::string func_type_text(const Func& f) {
  std::string s = "func(";
  for (size_t i = 0; i < f.params.size(); ++i) s += (i ? ", " : "") + f.params[i].name + ": " + f.params[i].type.str();
  s += ")";
  if (!f.results.empty()) s += " -> " + f.results[0].str();
  return s;
}

std::string func_wit_text(const Func& f) { return f.name + ": " + func_type_text(f); }

std::string SeamViolation::str() const {
  std::string s;
  if (offset) {
    char buf[16];
    snprintf(buf, sizeof buf, "%08zx: ", *offset);
    s += buf;
  }
  s += what + ": " + why;
  if (!expected.empty()) s += "; expected " + expected;
  if (!found.empty()) s += (expected.empty() ? "; found " : ", found ") + found;
  return s;
}

Result<std::vector<SeamViolation>> seam_violations(const wasm::Module& m, const Package& pkg, const World& w,
                                                   const std::string& wit_file) {
  Checker c{m, pkg, w, wit_file, {}};
  try {
    for (uint32_t i = 0; i < m.imports.size(); ++i) c.check_import(i, m.imports[i]);
    c.exports();
  } catch (Failure& f) {
    return f.error;
  }
  return std::move(c.out);
}

Result<void> check_seam(const wasm::Module& m, const Package& pkg, const std::string& world,
                        const std::string& wit_file, const std::string& module_file) {
  const World* w = pkg.world(world);
  if (!w) {
    std::vector<std::string> names;
    for (const auto& x : pkg.worlds) names.push_back(x.name);
    return Error::make(Error::Kind::Input,
                       "no world '" + world + "' in package " + pkg.name + " (it has " + list(names) + ")", wit_file);
  }
  auto vs = seam_violations(m, pkg, *w, wit_file);
  if (!vs) return vs.error();
  if (vs->empty()) return {};
  std::string msg = "the module does not fit world " + w->name + " of " + wit_file + ": " + std::to_string(vs->size()) +
                    " seam violation" + (vs->size() == 1 ? "" : "s");
  for (const auto& v : *vs) msg += "\n  " + v.str();
  return Error::make(Error::Kind::Input, msg, module_file);
}

}  // namespace gust::wit
