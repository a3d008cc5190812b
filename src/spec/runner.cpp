// The spec runner: wast2json, then each command in order. Modules are
// decoded, validated and dissolved by gust, linked with stubs for their
// imports, and loaded into their own emulated Cortex-M3.
#include "spec/runner.h"

#include <cinttypes>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/objects.h"
#include "base/tools.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "gust/trap.h"
#include "wasm/module.h"

namespace gust::spec {

using nlohmann::json;
using wasm::ValType;

void Totals::add(const Totals& o) {
  passed += o.passed;
  failed += o.failed;
  skipped += o.skipped;
  failures.insert(failures.end(), o.failures.begin(), o.failures.end());
  for (const auto& [k, v] : o.by_kind) {
    by_kind[k].first += v.first;
    by_kind[k].second += v.second;
  }
}

std::map<std::string, std::string> read_skips(const fs::path& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.find(' ');
    out[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
  }
  return out;
}

namespace {

const char* trap_text(uint32_t code) {
  switch (code) {
#define GUST_TRAP_TEXT(c, name, msg) \
  case c:                            \
    return msg;
    GUST_TRAPS(GUST_TRAP_TEXT)
#undef GUST_TRAP_TEXT
  }
  return "unknown trap";
}

// Every symbol of a spec module gets this prefix, so that an export named
// like a C library function ("sqrt") cannot capture libm's.
const std::string kPrefix = "w_";

bool is64(ValType t) { return t == ValType::I64 || t == ValType::F64; }

// A host value as the dissolved code sees it: numbers as their bits,
// externref n as n + 1 (0 is null), funcref as a descriptor address.
uint64_t encode(const json& v) {
  const std::string t = v["type"];
  const std::string s = v.contains("value") ? v["value"].get<std::string>() : "null";
  if (t == "externref" || t == "funcref") return s == "null" ? 0 : std::stoull(s) + 1;
  return std::stoull(s);
}

std::string show(const json& v) {
  std::string s = v["type"].get<std::string>() + ":";
  if (v.contains("value")) {
    if (v["value"].is_string())
      s += v["value"].get<std::string>();
    else
      s += v["value"].dump();
  }
  return s;
}

// AAPCS placement of arguments: 64-bit values in an even register pair or
// 8-aligned on the stack; once a value goes to the stack, all later ones do.
struct Placement {
  uint32_t regs[4] = {0, 0, 0, 0};
  std::vector<uint32_t> stack;
};

Placement place(const std::vector<ValType>& types, const std::vector<uint64_t>& values, uint32_t first_reg) {
  Placement p;
  unsigned ncrn = first_reg;
  for (size_t i = 0; i < types.size(); ++i) {
    const uint64_t v = values[i];
    if (is64(types[i])) {
      if (ncrn & 1) ++ncrn;
      if (ncrn <= 2) {
        p.regs[ncrn++] = uint32_t(v);
        p.regs[ncrn++] = uint32_t(v >> 32);
      } else {
        ncrn = 4;
        if (p.stack.size() & 1) p.stack.push_back(0);
        p.stack.push_back(uint32_t(v));
        p.stack.push_back(uint32_t(v >> 32));
      }
    } else if (ncrn < 4) {
      p.regs[ncrn++] = uint32_t(v);
    } else {
      p.stack.push_back(uint32_t(v));
    }
  }
  return p;
}

uint32_t result_words(const std::vector<ValType>& results) {
  uint32_t n = 0;
  for (auto t : results) n += is64(t) ? 2 : 1;
  return n;
}

// One module instance: its image in the file's emulated machine.
struct Instance {
  wasm::Module module;
  int image = -1;
  std::string name;
  // Where each imported memory and table (by kind and index) really lives:
  // the image and symbol, so that a re-export of it links to the original.
  std::map<std::pair<wasm::ExternKind, uint32_t>, std::pair<int, std::string>> origin;
};

struct Outcome {
  enum Kind { Ok, Trap, Fault, Error } kind = Error;
  std::vector<uint64_t> values;
  uint32_t trap = 0;
  std::string message;
};

class Runner {
 public:
  Runner(const fs::path& wast, const Options& o, std::ostream& out) : wast_(wast), o_(o), out_(out) {}
  Totals run();

 private:
  struct Loaded {
    std::unique_ptr<Instance> inst;
    enum Kind { Ok, Malformed, Invalid, Unlinkable, Uninstantiable, Unsupported } kind = Ok;
    std::string message;
  };
  Loaded load(const std::string& filename, const std::string& name);
  Outcome invoke(Instance& in, const std::string& field, const json& args);
  Outcome get(Instance& in, const std::string& field);
  Outcome act(const json& action);
  Instance* target(const json& action);
  void pass(const std::string& kind) {
    ++t_.passed;
    ++t_.by_kind[kind].first;
  }
  void fail(const std::string& kind, int line, const std::string& what) {
    ++t_.failed;
    ++t_.by_kind[kind].second;
    const std::string text = wast_.filename().string() + ":" + std::to_string(line) + ": " + kind + ": " + what;
    t_.failures.push_back(text);
    if (!o_.quiet) out_ << text << "\n";
  }
  bool matches(const json& expected, uint64_t got, std::string& shown);

  fs::path wast_;
  const Options& o_;
  std::ostream& out_;
  fs::path dir_;
  Totals t_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::map<std::string, Instance*> named_, registered_;
  Instance* current_ = nullptr;
  int counter_ = 0;
  std::unique_ptr<emu::CortexM> machine_;       // every instance of the file, in one address space
  int spectest_ = -1;                           // the spectest host module's image
  std::map<std::string, uint32_t> signatures_;  // signature object -> its one address in the file's machine
};

// The spectest host module, as an image every instance of the file links
// against: its globals, its table (10 entries, up to 20) and its memory (one
// page, up to two). Its print functions are stubs with host handlers.
std::string spectest_asm() {
  auto sym = [](const std::string& name) { return dissolve::import_symbol("spectest", name, kPrefix); };
  auto word = [&](const std::string& symbol, const std::string& value) {
    return ".global " + symbol + "\n" + symbol + ": .word " + value + "\n";
  };
  const std::string memory = sym("memory"), table = sym("table");
  return ".section .data.spectest,\"aw\"\n.p2align 3\n" + word(sym("global_i32"), "666") +
         word(sym("global_i64"), "666, 0") + word(sym("global_f32"), "0x4426A666") +
         word(sym("global_f64"), "0xCCCCCCCD, 0x4084D4CC") + word(memory + dissolve::kMemorySizeSymbols.size, "1") +
         word(memory + dissolve::kMemorySizeSymbols.capacity, "2") +
         word(table + dissolve::kTableSizeSymbols.size, "10") +
         word(table + dissolve::kTableSizeSymbols.capacity, "20") + ".global " + table + "\n" + table +
         ": .space 80\n.section .bss.spectest_memory,\"aw\",%nobits\n.p2align 3\n.global " + memory + "\n" + memory +
         ": .space 131072\n";
}

Runner::Loaded Runner::load(const std::string& filename, const std::string& name) {
  Loaded r;
  std::ifstream in(dir_ / filename, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto mod = wasm::decode(std::move(bytes));
  if (!mod) {
    r.kind = mod.error().kind == Error::Kind::Unsupported ? Loaded::Unsupported : Loaded::Malformed;
    r.message = mod.error().str();
    return r;
  }
  if (auto v = wasm::validate(*mod); !v) {
    r.kind = Loaded::Invalid;
    r.message = v.error().str();
    return r;
  }
  if (!machine_) {
    auto m = emu::CortexM::create();
    if (!m) {
      r.kind = Loaded::Unsupported;
      r.message = m.error().str();
      return r;
    }
    machine_ = std::move(*m);
    auto img = machine_->add_image({}, o_.work_dir / (wast_.stem().string() + "-spectest"), spectest_asm(), {});
    if (!img) {
      r.kind = Loaded::Unsupported;
      r.message = img.error().str();
      return r;
    }
    spectest_ = *img;
  }
  auto inst = std::make_unique<Instance>();
  inst->module = std::move(*mod);
  inst->name = name;
  const wasm::Module& m = inst->module;

  // Resolve imports to the spectest image or to a registered instance's
  // exports, checking types and limits as instantiation does.
  std::map<std::string, uint32_t> defsyms;
  auto link = [&](const std::string& sym, int image, const std::string& target, uint32_t thumb = 0) {
    const uint32_t at = machine_->address_in(image, target);
    if (at) defsyms[sym] = at | thumb;
    return at != 0;
  };
  // A memory or a table links as three symbols: its storage, size and capacity.
  auto link_storage = [&](wasm::ExternKind kind, const std::string& sym, int image, const std::string& target) {
    const dissolve::SizeSymbols& n =
        kind == wasm::ExternKind::Memory ? dissolve::kMemorySizeSymbols : dissolve::kTableSizeSymbols;
    return link(sym, image, target) && link(sym + n.size, image, target + n.size) &&
           link(sym + n.capacity, image, target + n.capacity);
  };
  auto limits_match = [](uint64_t have_min, std::optional<uint64_t> have_max, const wasm::Limits& want) {
    return have_min >= want.min && (!want.max || (have_max && *have_max <= *want.max));
  };
  uint32_t memory_i = 0, table_i = 0;
  for (const auto& im : m.imports) {
    const std::string sym = dissolve::import_symbol(im.module, im.name, kPrefix);
    const uint32_t index = im.kind == wasm::ExternKind::Memory  ? memory_i++
                           : im.kind == wasm::ExternKind::Table ? table_i++
                                                                : 0;
    auto unlinkable = [&](const std::string& why) {
      r.kind = Loaded::Unlinkable;
      r.message = "unknown import " + im.module + "." + im.name + ": " + why;
    };
    auto unsupported = [&](const std::string& why) {
      r.kind = Loaded::Unsupported;
      r.message = im.module + "." + im.name + ": " + why;
    };
    if (im.module == "spectest") {
      bool ok = false;
      if (im.kind == wasm::ExternKind::Func) {
        static const std::map<std::string, wasm::FuncType> prints = {
            {"print", {}},
            {"print_i32", {{ValType::I32}, {}}},
            {"print_i64", {{ValType::I64}, {}}},
            {"print_f32", {{ValType::F32}, {}}},
            {"print_f64", {{ValType::F64}, {}}},
            {"print_i32_f32", {{ValType::I32, ValType::F32}, {}}},
            {"print_f64_f64", {{ValType::F64, ValType::F64}, {}}}};
        auto p = prints.find(im.name);
        ok = p != prints.end() && p->second == m.types[im.func_type];
        if (ok) machine_->on_import(sym, [](emu::CortexM&) {});
      } else if (im.kind == wasm::ExternKind::Global) {
        static const std::map<std::string, ValType> globals = {{"global_i32", ValType::I32},
                                                               {"global_i64", ValType::I64},
                                                               {"global_f32", ValType::F32},
                                                               {"global_f64", ValType::F64}};
        auto g = globals.find(im.name);
        ok = g != globals.end() && g->second == im.global.type && !im.global.mutable_ && link(sym, spectest_, sym);
      } else if (im.kind == wasm::ExternKind::Memory) {
        ok = im.name == "memory" && limits_match(1, 2, im.memory) && link_storage(im.kind, sym, spectest_, sym);
      } else {
        ok = im.name == "table" && im.table.elem == ValType::FuncRef && limits_match(10, 20, im.table.limits) &&
             link_storage(im.kind, sym, spectest_, sym);
      }
      if (!ok) {
        unlinkable("spectest has no such " + std::string(wasm::name(im.kind)) + " of that type");
        return r;
      }
      inst->origin[{im.kind, index}] = {spectest_, sym};
      continue;
    }
    auto from_it = registered_.find(im.module);
    if (from_it == registered_.end()) {
      unlinkable("no module registered under that name");
      return r;
    }
    Instance* from = from_it->second;
    const wasm::Export* ex = nullptr;
    for (const auto& e : from->module.exports)
      if (e.name == im.name) ex = &e;
    if (!ex || ex->kind != im.kind) {
      unlinkable("no such export");
      return r;
    }
    int image = from->image;
    // A memory or a table links by gust's symbol for it, whatever the export's name.
    std::string target = im.kind == wasm::ExternKind::Memory  ? dissolve::memory_symbol(kPrefix)
                         : im.kind == wasm::ExternKind::Table ? dissolve::table_symbol(ex->index, kPrefix)
                                                              : dissolve::export_symbol(im.name, kPrefix);
    if ((im.kind == wasm::ExternKind::Memory || im.kind == wasm::ExternKind::Table) &&
        from->origin.count({im.kind, ex->index}))
      std::tie(image, target) = from->origin[{im.kind, ex->index}];  // a re-export: link to the original
    if (im.kind == wasm::ExternKind::Func) {
      if (!(m.types[im.func_type] == from->module.func_type(ex->index))) {
        unlinkable("incompatible import type");
        return r;
      }
      if (!link(sym, from->image, target, 1)) {
        unsupported("the exporter has no symbol for it");
        return r;
      }
    } else if (im.kind == wasm::ExternKind::Global) {
      const wasm::GlobalType have = from->module.global_type(ex->index);
      if (have.type != im.global.type || have.mutable_ != im.global.mutable_) {
        unlinkable("incompatible import type");
        return r;
      }
      if (!link(sym, from->image, target)) {
        unsupported("a re-exported imported global is not linked yet");
        return r;
      }
    } else if (im.kind == wasm::ExternKind::Memory) {
      // The exporter's current size counts, as it may have grown.
      uint32_t pages = 0, max_pages = 0;
      const uint32_t pages_at = machine_->address_in(image, target + dissolve::kMemorySizeSymbols.size);
      if (!pages_at) {
        unsupported("the exporter has no symbol for it");
        return r;
      }
      machine_->read(pages_at, &pages, 4);
      machine_->read(machine_->address_in(image, target + dissolve::kMemorySizeSymbols.capacity), &max_pages, 4);
      std::optional<uint64_t> declared_max = from->module.memory_limits(ex->index).max;
      if (!declared_max && max_pages < 65536 && image == spectest_) declared_max = max_pages;
      if (!limits_match(pages, declared_max, im.memory)) {
        unlinkable("incompatible import type");
        return r;
      }
      link_storage(im.kind, sym, image, target);
      inst->origin[{im.kind, index}] = {image, target};
    } else {
      const wasm::TableType have = from->module.table_type(ex->index);
      uint32_t size = 0;
      const uint32_t size_at = machine_->address_in(image, target + dissolve::kTableSizeSymbols.size);
      if (!size_at) {
        unsupported("the exporter has no symbol for it");
        return r;
      }
      machine_->read(size_at, &size, 4);
      if (have.elem != im.table.elem || !limits_match(size, have.limits.max, im.table.limits)) {
        unlinkable("incompatible import type");
        return r;
      }
      link_storage(im.kind, sym, image, target);
      inst->origin[{im.kind, index}] = {image, target};
    }
  }

  dissolve::Options dopts;
  dopts.linkable = true;
  dopts.prefix = kPrefix;
  dopts.memory_max_bytes = uint64_t(1024) * 65536;
  dopts.table_growth = 64;
  auto out = dissolve::dissolve(m, dopts);
  if (!out) {
    const Error& e = out.error();
    r.kind = e.kind == Error::Kind::Limit && e.message.find("segment") != std::string::npos ? Loaded::Uninstantiable
                                                                                            : Loaded::Unsupported;
    r.message = e.str();
    return r;
  }
  const fs::path work = o_.work_dir / (wast_.stem().string() + "-" + std::to_string(counter_++));
  fs::create_directories(work);
  std::ofstream(work / "module.o", std::ios::binary)
      .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  // Each image defines the signature objects it uses (see dissolve.h). The
  // first image's stands for all, so that the one compare at call_indirect
  // also holds through a table another instance filled.
  auto facts = base::read_object(work / "module.o");
  if (!facts) {
    r.kind = Loaded::Unsupported;
    r.message = facts.error().str();
    return r;
  }
  std::vector<std::string> sigs;
  for (const auto& g : facts->defined_globals) {
    if (g.rfind(dissolve::kSignaturePrefix, 0) != 0) continue;
    sigs.push_back(g);
    if (auto it = signatures_.find(g); it != signatures_.end()) defsyms[g] = it->second;
  }
  auto img = machine_->add_image({work / "module.o"}, work, "", defsyms);
  if (!img) {
    r.kind = Loaded::Unsupported;
    r.message = img.error().str();
    return r;
  }
  for (const auto& g : sigs) signatures_.try_emplace(g, machine_->address_in(*img, g));
  inst->image = *img;
  if (const uint32_t start = machine_->address_in(inst->image, dissolve::start_symbol(kPrefix))) {
    const uint32_t regs[4] = {0, 0, 0, 0};
    auto c = machine_->call_raw(start, regs, {});
    if (!c.ok) {
      r.kind = Loaded::Uninstantiable;
      r.message = c.trapped ? trap_text(c.trap_code) : c.fault;
      return r;
    }
  }
  r.inst = std::move(inst);
  return r;
}

Outcome Runner::invoke(Instance& in, const std::string& field, const json& args) {
  Outcome o;
  const wasm::Export* ex = nullptr;
  for (const auto& e : in.module.exports)
    if (e.name == field && e.kind == wasm::ExternKind::Func) ex = &e;
  if (!ex) {
    o.message = "no exported function \"" + field + "\"";
    return o;
  }
  const wasm::FuncType& ft = in.module.func_type(ex->index);
  std::vector<uint64_t> values;
  for (const auto& a : args) values.push_back(encode(a));
  const uint32_t nres = result_words(ft.results);
  // More result words than r0-r3 hold: LLVM returns them through a hidden
  // pointer, passed first.
  const bool sret = ft.results.size() > 1 && nres > 4;
  Placement p = place(ft.params, values, sret ? 1 : 0);
  const uint32_t buf = machine_->scratch();
  if (sret) p.regs[0] = buf;
  auto c = machine_->call_raw(machine_->address_in(in.image, dissolve::export_symbol(field, kPrefix)), p.regs, p.stack);
  if (c.trapped) {
    o.kind = Outcome::Trap;
    o.trap = c.trap_code;
    return o;
  }
  if (!c.ok) {
    o.kind = Outcome::Fault;
    o.message = c.fault;
    return o;
  }
  o.kind = Outcome::Ok;
  if (sret) {
    uint32_t off = 0;
    for (auto t : ft.results) {
      const uint32_t size = is64(t) ? 8 : 4;
      off = (off + size - 1) & ~(size - 1);
      uint64_t v = 0;
      machine_->read(buf + off, &v, size);
      o.values.push_back(v);
      off += size;
    }
    return o;
  }
  const uint32_t regs[4] = {c.r0, c.r1, c.r2, c.r3};
  unsigned w = 0;
  for (auto t : ft.results) {
    if (is64(t)) {
      o.values.push_back(uint64_t(regs[w]) | uint64_t(regs[w + 1]) << 32);
      w += 2;
    } else {
      o.values.push_back(regs[w++]);
    }
  }
  return o;
}

Outcome Runner::get(Instance& in, const std::string& field) {
  Outcome o;
  for (const auto& e : in.module.exports) {
    if (e.name != field || e.kind != wasm::ExternKind::Global) continue;
    const wasm::GlobalType gt = in.module.global_type(e.index);
    uint64_t v = 0;
    const uint32_t at = machine_->address_in(in.image, dissolve::export_symbol(field, kPrefix));
    if (!at || !machine_->read(at, &v, is64(gt.type) ? 8 : 4)) {
      o.message = "cannot read global \"" + field + "\"";
      return o;
    }
    o.kind = Outcome::Ok;
    o.values.push_back(v);
    return o;
  }
  o.message = "no exported global \"" + field + "\"";
  return o;
}

Instance* Runner::target(const json& action) {
  if (action.contains("module")) {
    auto it = named_.find(action["module"].get<std::string>());
    if (it != named_.end()) return it->second;
    auto jt = registered_.find(action["module"].get<std::string>());
    return jt == registered_.end() ? nullptr : jt->second;
  }
  return current_;
}

Outcome Runner::act(const json& action) {
  Instance* in = target(action);
  if (!in) {
    Outcome o;
    o.message = "no module instance to act on";
    return o;
  }
  const std::string field = action["field"];
  if (action["type"] == "get") return get(*in, field);
  return invoke(*in, field, action.contains("args") ? action["args"] : json::array());
}

bool Runner::matches(const json& expected, uint64_t got, std::string& shown) {
  const std::string t = expected["type"];
  const std::string v = expected.contains("value") ? expected["value"].get<std::string>() : "";
  char buf[64];
  if (t == "f32") {
    const uint32_t bits = uint32_t(got);
    snprintf(buf, sizeof buf, "f32:0x%08" PRIx32, bits);
    shown = buf;
    if (v == "nan:canonical") return (bits & 0x7FFFFFFF) == 0x7FC00000;
    if (v == "nan:arithmetic") return (bits & 0x7FC00000) == 0x7FC00000;
    return bits == uint32_t(std::stoull(v));
  }
  if (t == "f64") {
    snprintf(buf, sizeof buf, "f64:0x%016" PRIx64, got);
    shown = buf;
    if (v == "nan:canonical") return (got & 0x7FFFFFFFFFFFFFFFull) == 0x7FF8000000000000ull;
    if (v == "nan:arithmetic") return (got & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
    return got == std::stoull(v);
  }
  if (t == "i32") {
    shown = "i32:" + std::to_string(uint32_t(got));
    return uint32_t(got) == uint32_t(std::stoull(v));
  }
  if (t == "i64") {
    shown = "i64:" + std::to_string(got);
    return got == std::stoull(v);
  }
  if (t == "externref" || t == "funcref") {
    const uint32_t ref = uint32_t(got);
    shown = t + ":" + (ref == 0 ? "null" : t == "externref" ? std::to_string(ref - 1) : "ref");
    if (!expected.contains("value")) return ref != 0;  // any non-null reference
    if (v == "null") return ref == 0;
    return t == "funcref" ? ref != 0 : ref == std::stoull(v) + 1;
  }
  shown = t + ":?";
  return false;
}

}  // namespace

// wabt 1.0.32's wast2json writes the result types of an assert_trap,
// assert_exhaustion or bare action whose function returns several values
// without commas between them: "expected": [{"type": "i32"}{"type": "i64"}].
// A '}' followed (after white space) by '{' outside a string is never valid
// JSON, so a comma between them is the only repair, and it changes nothing
// else.
std::string repair_wast2json(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false, escaped = false;
  size_t last_close = std::string::npos;  // in `out`: a '}' with only white space after it
  for (const char c : text) {
    if (in_string) {
      out += c;
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '{' && last_close != std::string::npos) out.insert(last_close + 1, ",");
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') last_close = c == '}' ? out.size() : std::string::npos;
    if (c == '"') in_string = true;
    out += c;
  }
  return out;
}

namespace {

Totals Runner::run() {
  dir_ = o_.work_dir / (wast_.stem().string() + ".json.d");
  fs::create_directories(dir_);
  const fs::path json_file = dir_ / (wast_.stem().string() + ".json");
  auto conv = base::run_tool({base::tool("GUST_WAST2JSON", "wast2json"), wast_.string(), "-o", json_file.string()});
  if (conv.status != 0) {
    fail("wast2json", 0, conv.output);
    return t_;
  }
  json doc;
  try {
    std::ifstream in(json_file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    doc = json::parse(repair_wast2json(text));
  } catch (const std::exception& e) {
    fail("wast2json", 0, std::string("unreadable JSON: ") + e.what());
    return t_;
  }
  const std::string file = wast_.filename().string();
  for (const auto& cmd : doc["commands"]) {
    const std::string type = cmd["type"];
    const int line = cmd["line"];
    auto skip = o_.skips.find(file + ":" + std::to_string(line));
    if (skip != o_.skips.end()) {
      ++t_.skipped;
      if (o_.verbose) out_ << file << ":" << line << ": skipped: " << skip->second << "\n";
      continue;
    }
    auto describe = [&](const json& action) {
      std::string s = action["type"].get<std::string>() + " \"" + action["field"].get<std::string>() + "\"(";
      if (action.contains("args"))
        for (size_t i = 0; i < action["args"].size(); ++i) s += (i ? ", " : "") + show(action["args"][i]);
      return s + ")";
    };
    if (type == "module") {
      Loaded l = load(cmd["filename"], cmd.value("name", ""));
      if (!l.inst) {
        current_ = nullptr;
        fail("module", line, l.message);
        continue;
      }
      current_ = l.inst.get();
      if (cmd.contains("name")) named_[cmd["name"]] = current_;
      instances_.push_back(std::move(l.inst));
      pass("module");
    } else if (type == "register") {
      Instance* in = cmd.contains("name") ? named_[cmd["name"]] : current_;
      if (in) registered_[cmd["as"]] = in;
    } else if (type == "assert_return" || type == "action") {
      Outcome o = act(cmd["action"]);
      if (o.kind != Outcome::Ok) {
        fail(type, line,
             describe(cmd["action"]) + ": " +
                 (o.kind == Outcome::Trap ? std::string("trapped: ") + trap_text(o.trap) : o.message));
        continue;
      }
      if (type == "action") {
        pass(type);
        continue;
      }
      const json& expected = cmd["expected"];
      bool ok = expected.size() == o.values.size();
      std::string want, got;
      for (size_t i = 0; i < expected.size(); ++i) {
        std::string shown;
        const bool one = i < o.values.size() && matches(expected[i], o.values[i], shown);
        // An either-of expectation (a value list) is not used by these files.
        ok = ok && one;
        want += (i ? ", " : "") + show(expected[i]);
        got += (i ? ", " : "") + shown;
      }
      if (ok)
        pass(type);
      else
        fail(type, line, describe(cmd["action"]) + ": expected " + want + ", got " + got);
    } else if (type == "assert_trap" || type == "assert_exhaustion") {
      const std::string text = cmd["text"];
      if (cmd.contains("filename")) {  // a module whose instantiation traps
        Loaded l = load(cmd["filename"], "");
        if (l.kind == Loaded::Uninstantiable)
          pass(type);
        else
          fail(type, line,
               "module instantiated, expected trap \"" + text + "\"" + (l.message.empty() ? "" : ": " + l.message));
        continue;
      }
      Outcome o = act(cmd["action"]);
      if (type == "assert_exhaustion") {
        if (o.kind == Outcome::Fault)
          pass(type);
        else
          fail(type, line,
               describe(cmd["action"]) + ": expected \"" + text + "\", got " +
                   (o.kind == Outcome::Trap ? trap_text(o.trap)
                    : o.kind == Outcome::Ok ? "a result"
                                            : o.message));
        continue;
      }
      if (o.kind == Outcome::Trap) {
        const std::string ours = trap_text(o.trap);
        if (text.rfind(ours, 0) == 0 || ours.rfind(text, 0) == 0)
          pass(type);
        else
          fail(type, line, describe(cmd["action"]) + ": expected trap \"" + text + "\", got \"" + ours + "\"");
      } else {
        fail(type, line,
             describe(cmd["action"]) + ": expected trap \"" + text + "\", got " +
                 (o.kind == Outcome::Ok ? "a result" : o.message));
      }
    } else if (type == "assert_invalid" || type == "assert_malformed") {
      if (cmd.value("module_type", "binary") == "text") {
        ++t_.skipped;  // text-format cases are for text parsers
        continue;
      }
      std::ifstream in(dir_ / cmd["filename"].get<std::string>(), std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto m = wasm::decode(std::move(bytes));
      std::string msg;
      bool rejected = !m;
      if (m) {
        auto v = wasm::validate(*m);
        rejected = !v;
        if (!v) msg = v.error().str();
      } else {
        msg = m.error().str();
      }
      if (rejected) {
        pass(type);
        if (o_.verbose)
          out_ << file << ":" << line << ": " << type << " (\"" << cmd["text"].get<std::string>() << "\"): " << msg
               << "\n";
      } else {
        fail(type, line, "accepted a module expected to be rejected: " + cmd["text"].get<std::string>());
      }
    } else if (type == "assert_unlinkable") {
      Loaded l = load(cmd["filename"], "");
      if (l.kind == Loaded::Unlinkable)
        pass(type);
      else
        fail(type, line,
             "expected unlinkable (\"" + cmd["text"].get<std::string>() + "\"), got " +
                 (l.inst ? "a linked instance" : l.message));
    } else if (type == "assert_uninstantiable") {
      Loaded l = load(cmd["filename"], "");
      if (l.kind == Loaded::Uninstantiable)
        pass(type);
      else
        fail(type, line, "expected a trap at instantiation, got " + (l.inst ? std::string("an instance") : l.message));
    } else {
      ++t_.skipped;
      if (o_.verbose) out_ << file << ":" << line << ": skipped: unknown command " << type << "\n";
    }
  }
  return t_;
}

}  // namespace

Totals run_file(const fs::path& wast, const Options& opts, std::ostream& out) {
  Runner r(wast, opts, out);
  return r.run();
}

}  // namespace gust::spec
