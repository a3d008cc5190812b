// The spec runner: wast2json, then each command in order. Modules are
// decoded, validated and dissolved by gust, linked with stubs for their
// imports, and loaded into their own emulated Cortex-M3.
#include "spec/runner.h"

#include <cinttypes>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compose/compose.h"
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
  case c: return msg;
    GUST_TRAPS(GUST_TRAP_TEXT)
#undef GUST_TRAP_TEXT
  }
  return "unknown trap";
}

// Every symbol of a spec module gets this prefix, so that an export named
// like a C library function ("sqrt") cannot capture libm's.
const std::string kPrefix = "w_";

bool is64(ValType t) { return t == ValType::I64 || t == ValType::F64; }

ValType type_of(const std::string& s) {
  if (s == "i32") return ValType::I32;
  if (s == "i64") return ValType::I64;
  if (s == "f32") return ValType::F32;
  if (s == "f64") return ValType::F64;
  if (s == "funcref") return ValType::FuncRef;
  if (s == "externref") return ValType::ExternRef;
  return ValType::Unknown;
}

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
    if (v["value"].is_string()) s += v["value"].get<std::string>();
    else s += v["value"].dump();
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

size_t stack_words(const std::vector<ValType>& types) {
  std::vector<uint64_t> zeros(types.size(), 0);
  return place(types, zeros, 0).stack.size();
}

uint32_t result_words(const std::vector<ValType>& results) {
  uint32_t n = 0;
  for (auto t : results) n += is64(t) ? 2 : 1;
  return n;
}

struct Instance {
  wasm::Module module;
  std::unique_ptr<emu::CortexM> cpu;
  std::string name;
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
    out_ << wast_.filename().string() << ":" << line << ": " << kind << ": " << what << "\n";
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
};

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
  auto inst = std::make_unique<Instance>();
  inst->module = std::move(*mod);
  inst->name = name;
  const wasm::Module& m = inst->module;

  // Resolve imports: the spectest host module, or an export of a registered
  // instance with a matching type.
  std::string data_asm;
  std::vector<std::pair<std::string, emu::CortexM::Host>> hosts;
  for (const auto& im : m.imports) {
    const std::string sym = dissolve::import_symbol(im.module, im.name, kPrefix);
    auto unlinkable = [&](const std::string& why) {
      r.kind = Loaded::Unlinkable;
      r.message = "unknown import " + im.module + "." + im.name + ": " + why;
    };
    if (im.module == "spectest") {
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
        if (p == prints.end() || !(p->second == m.types[im.func_type])) { unlinkable("no such function"); return r; }
        hosts.push_back({sym, [](emu::CortexM&) {}});
      } else if (im.kind == wasm::ExternKind::Global) {
        static const std::map<std::string, std::pair<ValType, uint64_t>> globals = {
            {"global_i32", {ValType::I32, 666}},
            {"global_i64", {ValType::I64, 666}},
            {"global_f32", {ValType::F32, 0x4426A666}},
            {"global_f64", {ValType::F64, 0x4084D4CCCCCCCCCDull}}};
        auto g = globals.find(im.name);
        if (g == globals.end() || g->second.first != im.global.type || im.global.mutable_) { unlinkable("no such global"); return r; }
        const uint64_t v = g->second.second;
        if (data_asm.find(".global " + sym + "\n") != std::string::npos) continue;
        data_asm += ".section .data." + sym + ",\"aw\"\n.p2align 3\n.global " + sym + "\n" + sym + ":\n";
        data_asm += is64(g->second.first) ? ".word " + std::to_string(uint32_t(v)) + ", " + std::to_string(uint32_t(v >> 32)) + "\n"
                                          : ".word " + std::to_string(uint32_t(v)) + "\n";
      } else if (im.kind == wasm::ExternKind::Memory) {
        if (im.name != "memory" || im.memory.min > 1 || (im.memory.max && *im.memory.max < 2)) { unlinkable("incompatible memory"); return r; }
      } else if (im.kind == wasm::ExternKind::Table) {
        if (im.name != "table" || im.table.elem != ValType::FuncRef || im.table.limits.min > 10 ||
            (im.table.limits.max && *im.table.limits.max < 20)) { unlinkable("incompatible table"); return r; }
      }
    } else if (registered_.count(im.module)) {
      Instance* from = registered_[im.module];
      const wasm::Export* ex = nullptr;
      for (const auto& e : from->module.exports)
        if (e.name == im.name) ex = &e;
      if (!ex || ex->kind != im.kind) { unlinkable("no such export"); return r; }
      if (im.kind == wasm::ExternKind::Func) {
        const wasm::FuncType& want = m.types[im.func_type];
        const wasm::FuncType& have = from->module.func_type(ex->index);
        if (!(want == have)) { unlinkable("incompatible import type"); return r; }
        emu::CortexM* callee = from->cpu.get();
        const uint32_t addr = callee->address(dissolve::export_symbol(im.name, kPrefix));
        const size_t nstack = stack_words(want.params);
        hosts.push_back({sym, [callee, addr, nstack](emu::CortexM& caller) {
          uint32_t regs[4] = {caller.arg(0), caller.arg(1), caller.arg(2), caller.arg(3)};
          std::vector<uint32_t> stack(nstack);
          for (size_t i = 0; i < nstack; ++i) caller.read(caller.sp() + uint32_t(i) * 4, &stack[i], 4);
          auto c = callee->call_raw(addr, regs, stack);
          if (c.trapped) return caller.raise_trap(c.trap_code);
          if (!c.ok) return caller.raise_fault(c.fault);
          uint32_t out[4] = {c.r0, c.r1, c.r2, c.r3};
          caller.set_results(out);
        }});
      } else if (im.kind == wasm::ExternKind::Global) {
        const wasm::GlobalType have = from->module.global_type(ex->index);
        if (have.type != im.global.type || have.mutable_ != im.global.mutable_) { unlinkable("incompatible import type"); return r; }
        if (data_asm.find(".global " + sym + "\n") != std::string::npos) continue;
        uint32_t words[2] = {0, 0};
        from->cpu->read(from->cpu->address(dissolve::export_symbol(im.name, kPrefix)), words, is64(have.type) ? 8 : 4);
        data_asm += ".section .data." + sym + ",\"aw\"\n.p2align 3\n.global " + sym + "\n" + sym + ":\n.word " +
                    std::to_string(words[0]) + (is64(have.type) ? ", " + std::to_string(words[1]) : "") + "\n";
      } else {
        // Limits and element types are checked as the spec's import matching
        // does; the sharing itself is not built yet.
        wasm::Limits have, want;
        if (im.kind == wasm::ExternKind::Table) {
          const wasm::TableType t = from->module.table_type(ex->index);
          if (t.elem != im.table.elem) { unlinkable("incompatible import type"); return r; }
          have = t.limits;
          want = im.table.limits;
        } else {
          have = from->module.memory_limits(ex->index);
          want = im.memory;
        }
        if (have.min < want.min || (want.max && (!have.max || *have.max > *want.max))) {
          unlinkable("incompatible import type");
          return r;
        }
        r.kind = Loaded::Unsupported;
        r.message = std::string("a ") + wasm::name(im.kind) + " imported from another module is not dissolved yet";
        return r;
      }
    } else {
      unlinkable("no module registered under that name");
      return r;
    }
  }

  dissolve::Options dopts;
  dopts.own_imported_memory = true;
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
  auto cpu = emu::CortexM::load({work / "module.o"}, work, data_asm);
  if (!cpu) {
    r.kind = Loaded::Unsupported;
    r.message = cpu.error().str();
    return r;
  }
  inst->cpu = std::move(*cpu);
  for (auto& [sym, fn] : hosts) inst->cpu->on_import(sym, fn);
  if (inst->cpu->has(kPrefix + "gust_start")) {
    auto c = inst->cpu->call(kPrefix + "gust_start", {});
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
  const uint32_t buf = in.cpu->scratch();
  if (sret) p.regs[0] = buf;
  auto c = in.cpu->call_raw(in.cpu->address(dissolve::export_symbol(field, kPrefix)), p.regs, p.stack);
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
      in.cpu->read(buf + off, &v, size);
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
    const std::string sym = dissolve::export_symbol(field, kPrefix);
    if (!in.cpu->has(sym) || !in.cpu->read(in.cpu->address(sym), &v, is64(gt.type) ? 8 : 4)) {
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

Totals Runner::run() {
  dir_ = o_.work_dir / (wast_.stem().string() + ".json.d");
  fs::create_directories(dir_);
  const fs::path json_file = dir_ / (wast_.stem().string() + ".json");
  auto conv = compose::run_tool({compose::tool("GUST_WAST2JSON", "wast2json"), wast_.string(), "-o", json_file.string()});
  if (conv.status != 0) {
    fail("wast2json", 0, conv.output);
    return t_;
  }
  json doc;
  try {
    std::ifstream(json_file) >> doc;
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
        fail(type, line, describe(cmd["action"]) + ": " +
                             (o.kind == Outcome::Trap ? std::string("trapped: ") + trap_text(o.trap) : o.message));
        continue;
      }
      if (type == "action") { pass(type); continue; }
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
      if (ok) pass(type);
      else fail(type, line, describe(cmd["action"]) + ": expected " + want + ", got " + got);
    } else if (type == "assert_trap" || type == "assert_exhaustion") {
      const std::string text = cmd["text"];
      if (cmd.contains("filename")) {  // a module whose instantiation traps
        Loaded l = load(cmd["filename"], "");
        if (l.kind == Loaded::Uninstantiable) pass(type);
        else fail(type, line, "module instantiated, expected trap \"" + text + "\"" + (l.message.empty() ? "" : ": " + l.message));
        continue;
      }
      Outcome o = act(cmd["action"]);
      if (type == "assert_exhaustion") {
        if (o.kind == Outcome::Fault) pass(type);
        else fail(type, line, describe(cmd["action"]) + ": expected \"" + text + "\", got " +
                                  (o.kind == Outcome::Trap ? trap_text(o.trap) : o.kind == Outcome::Ok ? "a result" : o.message));
        continue;
      }
      if (o.kind == Outcome::Trap) {
        const std::string ours = trap_text(o.trap);
        if (text.rfind(ours, 0) == 0 || ours.rfind(text, 0) == 0) pass(type);
        else fail(type, line, describe(cmd["action"]) + ": expected trap \"" + text + "\", got \"" + ours + "\"");
      } else {
        fail(type, line, describe(cmd["action"]) + ": expected trap \"" + text + "\", got " +
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
        if (o_.verbose) out_ << file << ":" << line << ": " << type << " (\"" << cmd["text"].get<std::string>() << "\"): " << msg << "\n";
      } else {
        fail(type, line, "accepted a module expected to be rejected: " + cmd["text"].get<std::string>());
      }
    } else if (type == "assert_unlinkable") {
      Loaded l = load(cmd["filename"], "");
      if (l.kind == Loaded::Unlinkable) pass(type);
      else fail(type, line, "expected unlinkable (\"" + cmd["text"].get<std::string>() + "\"), got " +
                               (l.inst ? "a linked instance" : l.message));
    } else if (type == "assert_uninstantiable") {
      Loaded l = load(cmd["filename"], "");
      if (l.kind == Loaded::Uninstantiable) pass(type);
      else fail(type, line, "expected a trap at instantiation, got " + (l.inst ? std::string("an instance") : l.message));
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
