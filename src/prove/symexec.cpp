// The symbolic executor behind `gust prove`. Paths are explored one at a
// time (depth first); a branch whose both sides are feasible forks the path.
// Every value is a Z3 bit-vector; memory is a Z3 array from address to byte.
#include <z3++.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>

#include "prove/prove.h"
#include "wasm/reader.h"

namespace gust::prove {

using wasm::ExternKind;
using wasm::Instr;
using wasm::Op;
using wasm::ValType;

const char* status_name(Verdict::Status s) {
  switch (s) {
    case Verdict::Successful:
      return "VERIFICATION SUCCESSFUL";
    case Verdict::Failed:
      return "VERIFICATION FAILED";
    case Verdict::Inconclusive:
      return "INCONCLUSIVE";
    case Verdict::Error:
      return "ERROR";
  }
  return "?";
}

namespace {

constexpr uint64_t kPage = 65536;
constexpr size_t kMaxDepth = 64;

const char* call_name(uint32_t kind) {
  static const char* names[] = {"?",           "mmio.read32", "mmio.write32", "mmio.read8",
                                "mmio.write8", "irq.poll",    "irq.enable"};
  return kind < 7 ? names[kind] : "?";
}

// One module taking part in the proof, with its control-flow side table.
struct Unit {
  const wasm::Module* m = nullptr;
  std::string name;
  std::map<size_t, size_t> end_of, else_of;  // block/loop/if opcode offset -> its end / else offset
  uint64_t memory_bytes = 0;

  explicit Unit(const wasm::Module* mod, std::string n) : m(mod), name(std::move(n)) {
    for (const auto& f : m->functions) {
      wasm::Reader r(m->bytes, f.body_begin, f.body_end);
      Instr in;
      std::vector<size_t> open;
      while (!r.at_end()) {
        wasm::read_instr(r, in, true);
        if (in.op == Op::Block || in.op == Op::Loop || in.op == Op::If)
          open.push_back(in.offset);
        else if (in.op == Op::Else && !open.empty())
          else_of[open.back()] = in.offset;
        else if (in.op == Op::End && !open.empty()) {
          end_of[open.back()] = in.offset;
          open.pop_back();
        }
      }
    }
    if (m->num_memories()) memory_bytes = m->memory_limits(0).min * kPage;
  }
};

struct Label {
  bool loop = false;
  size_t cont = 0;     // where a branch to this label continues
  uint32_t arity = 0;  // values a branch carries
  size_t height = 0;   // operand stack height below the block
  size_t key = 0;      // the loop's opcode offset
};

struct Frame {
  int unit = 0;
  uint32_t func = 0;
  std::vector<z3::expr> locals;
  size_t pc = 0, end = 0;
  std::vector<Label> labels;
  size_t base = 0;
  uint32_t nresults = 0;
};

struct Event {
  uint32_t kind;
  z3::expr arg, value;
};

struct EnvAssume {
  uint32_t offset, after, mask, expect;
};

struct State {
  z3::expr pc;
  std::vector<Frame> frames;
  std::vector<z3::expr> stack;
  std::vector<z3::expr> mem;
  std::vector<std::vector<z3::expr>> globals;
  std::vector<Event> trace;
  std::vector<std::pair<std::string, z3::expr>> inputs;
  std::map<std::pair<size_t, size_t>, uint32_t> loops;
  std::vector<EnvAssume> env;
  std::map<uint32_t, uint32_t> reads;
  explicit State(z3::context& c) : pc(c.bool_val(true)) {}
};

struct Stop {};

// vector::resize needs a default constructor, which z3::expr lacks.
void truncate(std::vector<z3::expr>& v, size_t n) {
  v.erase(v.begin() + long(n), v.end());
}  // unwinds exec() when the harness's verdict is settled

class Engine {
 public:
  Engine(z3::context& c, std::vector<Unit>& units, const Options& o, Verdict& v)
      : c_(c), s_(c), units_(units), o_(o), v_(v) {}
  void run(int unit, uint32_t func);

 private:
  z3::expr bv(uint64_t v, unsigned bits) { return c_.bv_val(v, bits); }
  z3::expr b2bv(const z3::expr& b) { return z3::ite(b, bv(1, 32), bv(0, 32)); }
  z3::expr fresh(const std::string& what, unsigned bits) {
    return c_.bv_const((what + "#" + std::to_string(counter_++)).c_str(), bits);
  }
  bool feasible(const z3::expr& cond);
  uint64_t concrete(const z3::expr& e, const char* what);
  // Fails the harness if `bad` can hold on this path; otherwise assumes it doesn't.
  void check(State& st, const z3::expr& bad, const std::string& reason, uint32_t id, size_t offset,
             const z3::expr* id_expr = nullptr);
  void exec(State& st);
  void step(State& st, const Instr& in);
  void enter(State& st, int unit, uint32_t func, std::vector<z3::expr> args);
  void branch(State& st, uint32_t depth);
  bool fork(State& st, const z3::expr& cond);  // true: continue with cond; the other side is queued
  void import_call(State& st, const wasm::Import& im, size_t offset);
  z3::expr load(State& st, int unit, const z3::expr& addr, uint32_t offset, unsigned bytes, size_t at);
  void store(State& st, int unit, const z3::expr& addr, uint32_t offset, const z3::expr& v, unsigned bytes, size_t at);
  void inconclusive(const std::string& why) {
    if (inconclusive_.empty()) inconclusive_ = why;
  }

  z3::context& c_;
  z3::solver s_;
  std::vector<Unit>& units_;
  const Options& o_;
  Verdict& v_;
  std::vector<State> work_;
  std::string inconclusive_;
  uint64_t counter_ = 0;
  int driver_ = -1;
  bool forked_ = false;
  friend std::vector<Verdict> gust::prove::prove(const wasm::Module&, const wasm::Module*, const Options&);
};

bool Engine::feasible(const z3::expr& cond) {
  z3::expr simple = cond.simplify();
  if (simple.is_true()) return true;
  if (simple.is_false()) return false;
  ++v_.checks;
  s_.push();
  s_.add(simple);
  const z3::check_result r = s_.check();
  s_.pop();
  if (r == z3::unknown) inconclusive("the solver answered unknown");
  return r == z3::sat;
}

uint64_t Engine::concrete(const z3::expr& e, const char* what) {
  z3::expr simple = e.simplify();
  if (!simple.is_numeral()) {
    v_.status = Verdict::Error;
    v_.reason = std::string("a symbolic ") + what + " is not supported";
    throw Stop{};
  }
  return simple.get_numeral_uint64();
}

void Engine::check(State& st, const z3::expr& bad, const std::string& reason, uint32_t id, size_t offset,
                   const z3::expr* id_expr) {
  // Always through the solver, even where the simplifier could decide: the
  // statistics then show the work behind every verdict.
  z3::expr cond = st.pc && bad;
  ++v_.checks;
  s_.push();
  s_.add(cond);
  if (s_.check() == z3::sat) {
    z3::model m = s_.get_model();
    v_.status = Verdict::Failed;
    v_.reason = reason;
    v_.assertion = id;
    if (id_expr) {  // the harness may compute the id (clang merges assert calls)
      v_.assertion = uint32_t(m.eval(*id_expr, true).get_numeral_uint64());
      v_.reason = "assertion " + std::to_string(v_.assertion) + " failed";
    }
    v_.offset = offset;
    v_.module = units_[st.frames.empty() ? 0 : st.frames.back().unit].name;
    for (auto& [name, e] : st.inputs) v_.inputs.push_back({name, m.eval(e, true).get_numeral_uint64()});
    for (auto& ev : st.trace)
      v_.trace.push_back(
          {call_name(ev.kind), m.eval(ev.arg, true).get_numeral_uint64(), m.eval(ev.value, true).get_numeral_uint64()});
    s_.pop();
    throw Stop{};
  }
  s_.pop();
  st.pc = st.pc && !bad;
}

bool Engine::fork(State& st, const z3::expr& cond) {
  z3::expr simple = cond.simplify();
  if (simple.is_true()) return true;
  if (simple.is_false()) return false;
  const bool yes = feasible(st.pc && cond);
  const bool no = feasible(st.pc && !cond);
  if (yes && no) {
    State other = st;
    other.pc = st.pc && !cond;
    work_.push_back(std::move(other));
    st.pc = st.pc && cond;
    forked_ = true;
    return true;
  }
  if (!yes && !no) throw std::runtime_error("infeasible path");
  if (yes)
    st.pc = st.pc && cond;
  else
    st.pc = st.pc && !cond;
  return yes;
}

void Engine::enter(State& st, int unit, uint32_t func, std::vector<z3::expr> args) {
  if (st.frames.size() >= kMaxDepth) {
    inconclusive("call depth beyond " + std::to_string(kMaxDepth));
    throw std::runtime_error("drop");
  }
  const Unit& u = units_[unit];
  const wasm::Function& f = u.m->functions[func - u.m->imported(ExternKind::Func)];
  const wasm::FuncType& ft = u.m->types[f.type];
  Frame fr;
  fr.unit = unit;
  fr.func = func;
  fr.locals = std::move(args);
  for (auto t : f.locals) fr.locals.push_back(bv(0, t == ValType::I64 ? 64 : 32));
  fr.pc = f.body_begin;
  fr.end = f.body_end;
  fr.base = st.stack.size();
  fr.nresults = uint32_t(ft.results.size());
  st.frames.push_back(std::move(fr));
}

void Engine::branch(State& st, uint32_t depth) {
  Frame& fr = st.frames.back();
  if (depth >= fr.labels.size()) {  // to the function's own block: a return
    std::vector<z3::expr> results(st.stack.end() - fr.nresults, st.stack.end());
    truncate(st.stack, fr.base);
    for (auto& r : results) st.stack.push_back(r);
    st.frames.pop_back();
    return;
  }
  const size_t index = fr.labels.size() - 1 - depth;
  const Label l = fr.labels[index];
  std::vector<z3::expr> carried(st.stack.end() - l.arity, st.stack.end());
  truncate(st.stack, l.height);
  for (auto& v : carried) st.stack.push_back(v);
  fr.pc = l.cont;
  if (l.loop) {
    fr.labels.resize(index + 1);
    uint32_t& n = st.loops[{st.frames.size(), l.key}];
    if (++n > o_.unwind) {
      inconclusive("a loop at " + std::to_string(l.key) + " runs beyond --unwind " + std::to_string(o_.unwind));
      throw std::runtime_error("drop");
    }
  } else {
    fr.labels.resize(index);
  }
}

z3::expr Engine::load(State& st, int unit, const z3::expr& addr, uint32_t offset, unsigned bytes, size_t at) {
  const Unit& u = units_[unit];
  z3::expr ea = z3::zext(addr, 32) + bv(offset, 64);
  check(st, z3::ugt(ea + bv(bytes, 64), bv(u.memory_bytes, 64)), "out of bounds memory access", 0, at);
  z3::expr a32 = ea.extract(31, 0);
  z3::expr v = z3::select(st.mem[unit], a32);
  for (unsigned i = 1; i < bytes; ++i) v = z3::concat(z3::select(st.mem[unit], a32 + bv(i, 32)), v);
  return v;
}

void Engine::store(State& st, int unit, const z3::expr& addr, uint32_t offset, const z3::expr& v, unsigned bytes,
                   size_t at) {
  const Unit& u = units_[unit];
  z3::expr ea = z3::zext(addr, 32) + bv(offset, 64);
  check(st, z3::ugt(ea + bv(bytes, 64), bv(u.memory_bytes, 64)), "out of bounds memory access", 0, at);
  z3::expr a32 = ea.extract(31, 0);
  for (unsigned i = 0; i < bytes; ++i)
    st.mem[unit] = z3::store(st.mem[unit], a32 + bv(i, 32), v.extract(8 * i + 7, 8 * i));
}

void Engine::import_call(State& st, const wasm::Import& im, size_t offset) {
  auto arg = [&](size_t from_top) { return st.stack[st.stack.size() - 1 - from_top]; };
  auto drop = [&](size_t n) { truncate(st.stack, st.stack.size() - n); };
  const std::string& mod = im.module;
  const std::string& fn = im.name;
  if (mod == "gust:prove") {
    if (fn == "any-u32") {
      z3::expr x = fresh("any", 32);
      st.inputs.push_back({"any" + std::to_string(st.inputs.size()), x});
      st.stack.push_back(x);
    } else if (fn == "assume") {
      z3::expr cond = arg(0) != bv(0, 32);
      drop(1);
      if (!feasible(st.pc && cond)) throw std::runtime_error("drop");  // no execution satisfies it
      st.pc = st.pc && cond;
    } else if (fn == "assert") {
      z3::expr cond = arg(1) != bv(0, 32);
      z3::expr id = arg(0);
      drop(2);
      check(st, !cond, "assertion failed", 0, offset, &id);
    } else if (fn == "trace-len") {
      st.stack.push_back(bv(st.trace.size(), 32));
    } else if (fn == "trace-call" || fn == "trace-arg" || fn == "trace-value") {
      const uint64_t i = concrete(arg(0), "trace index");
      drop(1);
      if (i >= st.trace.size()) {
        st.stack.push_back(bv(0, 32));
      } else {
        const Event& e = st.trace[i];
        st.stack.push_back(fn == "trace-call" ? bv(e.kind, 32) : fn == "trace-arg" ? e.arg : e.value);
      }
    } else if (fn == "assume-read32") {
      EnvAssume a{uint32_t(concrete(arg(3), "offset")), uint32_t(concrete(arg(2), "count")),
                  uint32_t(concrete(arg(1), "mask")), uint32_t(concrete(arg(0), "value"))};
      drop(4);
      st.env.push_back(a);
    } else {
      v_.status = Verdict::Error;
      v_.reason = "unknown gust:prove function " + fn;
      throw Stop{};
    }
    return;
  }
  // The seam: every result is fresh, every call is recorded.
  if (mod == "gust:hal/mmio" && (fn == "read32" || fn == "read8")) {
    z3::expr off = arg(0);
    drop(1);
    z3::expr v = fresh("mmio", 32);
    if (fn == "read8") st.pc = st.pc && z3::ule(v, bv(0xFF, 32));
    const z3::expr off_s = off.simplify();
    if (fn == "read32" && off_s.is_numeral()) {
      const uint32_t o = uint32_t(off_s.get_numeral_uint64());
      const uint32_t nth = st.reads[o]++;
      for (const auto& a : st.env)
        if (a.offset == o && nth >= a.after) st.pc = st.pc && ((v & bv(a.mask, 32)) == bv(a.expect, 32));
    }
    st.trace.push_back({fn == "read32" ? uint32_t(1) : uint32_t(3), off, v});
    st.stack.push_back(v);
  } else if (mod == "gust:hal/mmio" && (fn == "write32" || fn == "write8")) {
    z3::expr val = arg(0), off = arg(1);
    drop(2);
    st.trace.push_back({fn == "write32" ? uint32_t(2) : uint32_t(4), off, val});
  } else if (mod == "gust:hal/irq" && fn == "poll") {
    z3::expr line = arg(0);
    drop(1);
    z3::expr v = fresh("irq", 32);
    st.pc = st.pc && z3::ule(v, bv(1, 32));
    st.trace.push_back({5, line, v});
    st.stack.push_back(v);
  } else if (mod == "gust:hal/irq" && fn == "enable") {
    z3::expr line = arg(0);
    drop(1);
    st.trace.push_back({6, line, bv(0, 32)});
  } else {
    v_.status = Verdict::Error;
    v_.reason = "import " + mod + "." + fn + " has no model in the prover";
    throw Stop{};
  }
}

void Engine::exec(State& st) {
  Instr in;
  while (!st.frames.empty()) {
    Frame& fr = st.frames.back();
    const Unit& u = units_[fr.unit];
    wasm::Reader r(u.m->bytes, fr.pc, fr.end);
    wasm::read_instr(r, in, true);
    fr.pc = r.pos();
    step(st, in);
  }
  ++v_.paths;
}

void Engine::step(State& st, const Instr& in) {
  Frame& fr = st.frames.back();
  const int unit = fr.unit;
  const Unit& u = units_[unit];
  const wasm::Module& m = *u.m;
  auto pop = [&] {
    z3::expr v = st.stack.back();
    st.stack.pop_back();
    return v;
  };
  auto push = [&](const z3::expr& v) { st.stack.push_back(v); };
  auto block_arity = [&](const wasm::BlockType& bt, bool params) -> uint32_t {
    const wasm::FuncType t = *wasm::block_signature(m, bt);  // validated
    return uint32_t(params ? t.params.size() : t.results.size());
  };
  auto bin = [&](auto f) {
    z3::expr b = pop();
    z3::expr a = pop();
    push(f(a, b));
  };
  auto cmp = [&](auto f) {
    z3::expr b = pop();
    z3::expr a = pop();
    push(b2bv(f(a, b)));
  };
  auto width = [&](const z3::expr& e) { return e.get_sort().bv_size(); };
  auto divide = [&](bool is_signed, bool rem) {
    z3::expr b = pop();
    z3::expr a = pop();
    const unsigned w = width(a);
    check(st, b == bv(0, w), "integer divide by zero", 0, in.offset);
    if (is_signed && !rem)
      check(st, a == bv(uint64_t(1) << (w - 1), w) && b == bv(~uint64_t(0), w), "integer overflow", 0, in.offset);
    if (!is_signed)
      push(rem ? z3::urem(a, b) : z3::udiv(a, b));
    else
      push(rem ? z3::srem(a, b) : a / b);
  };
  auto shift = [&](int kind) {
    z3::expr b = pop();
    z3::expr a = pop();
    const unsigned w = width(a);
    z3::expr n = b & bv(w - 1, w);
    switch (kind) {
      case 0:
        push(z3::shl(a, n));
        break;
      case 1:
        push(z3::ashr(a, n));
        break;
      case 2:
        push(z3::lshr(a, n));
        break;
      case 3:
        push(z3::shl(a, n) | z3::lshr(a, (bv(w, w) - n) & bv(w - 1, w)));
        break;
      default:
        push(z3::lshr(a, n) | z3::shl(a, (bv(w, w) - n) & bv(w - 1, w)));
        break;
    }
  };
  auto count_bits = [&](const z3::expr& a, int kind) {  // 0 clz, 1 ctz, 2 popcnt
    const unsigned w = width(a);
    z3::expr r = bv(0, w);
    if (kind == 2) {
      for (unsigned i = 0; i < w; ++i) r = r + z3::zext(a.extract(i, i), w - 1);
      return r;
    }
    r = bv(w, w);
    for (unsigned k = 0; k < w; ++k) {  // the first set bit from the chosen end decides
      const unsigned bit = kind == 0 ? k : w - 1 - k;
      r = z3::ite(a.extract(bit, bit) == c_.bv_val(1, 1), bv(kind == 0 ? w - 1 - bit : bit, w), r);
    }
    return r;
  };
  auto mem_load = [&](unsigned bytes, unsigned to, bool sign) {
    z3::expr addr = pop();
    z3::expr v = load(st, unit, addr, in.b, bytes, in.offset);
    if (bytes * 8 < to) v = sign ? z3::sext(v, to - bytes * 8) : z3::zext(v, to - bytes * 8);
    push(v);
  };
  auto mem_store = [&](unsigned bytes) {
    z3::expr v = pop();
    z3::expr addr = pop();
    store(st, unit, addr, in.b, v, bytes, in.offset);
  };
  auto sext_in = [&](unsigned bits) {
    z3::expr a = pop();
    push(z3::sext(a.extract(bits - 1, 0), width(a) - bits));
  };

  switch (in.op) {
    case Op::Unreachable:
      check(st, c_.bool_val(true), "unreachable executed", 0, in.offset);
      return;
    case Op::Nop:
      return;
    case Op::Block:
    case Op::Loop: {
      Label l;
      l.loop = in.op == Op::Loop;
      l.arity = block_arity(in.block, l.loop);
      l.height = st.stack.size() - block_arity(in.block, true);
      l.key = in.offset;
      l.cont = l.loop ? fr.pc : u.end_of.at(in.offset) + 1;
      if (l.loop) st.loops[{st.frames.size(), in.offset}] = 0;
      fr.labels.push_back(l);
      return;
    }
    case Op::If: {
      z3::expr cond = pop() != bv(0, 32);
      Label l;
      l.arity = block_arity(in.block, false);
      l.height = st.stack.size() - block_arity(in.block, true);
      l.cont = u.end_of.at(in.offset) + 1;
      const bool taken = fork(st, cond);
      auto place = [&](State& s, bool then_side) {
        Frame& f = s.frames.back();
        if (then_side) {
          f.labels.push_back(l);
        } else if (u.else_of.count(in.offset)) {
          f.pc = u.else_of.at(in.offset) + 1;
          f.labels.push_back(l);
        } else {
          f.pc = l.cont;
        }
      };
      place(st, taken);
      if (forked_) {  // the queued copy is the else side
        place(work_.back(), false);
        forked_ = false;
      }
      return;
    }
    case Op::Else: {  // the then-arm is done: continue after the end
      Label l = fr.labels.back();
      fr.labels.pop_back();
      fr.pc = l.cont;
      return;
    }
    case Op::End:
      if (!fr.labels.empty()) {
        fr.labels.pop_back();
        return;
      }
      branch(st, 0);  // the function's end
      return;
    case Op::Br:
      branch(st, in.a);
      return;
    case Op::BrIf: {
      z3::expr cond = pop() != bv(0, 32);
      const bool taken = fork(st, cond);  // a queued copy, if any, is the fall-through side
      forked_ = false;
      if (taken) branch(st, in.a);
      return;
    }
    case Op::BrTable: {
      z3::expr index = pop();
      const uint64_t n = in.targets.size() - 1;
      std::vector<std::pair<z3::expr, uint32_t>> arms;
      for (uint64_t k = 0; k < n; ++k) arms.push_back({index == bv(k, 32), in.targets[k]});
      arms.push_back({z3::uge(index, bv(n, 32)), in.targets.back()});
      bool chosen = false;
      const State base = st;
      for (auto& [cond, depth] : arms) {
        if (!feasible(base.pc && cond)) continue;
        if (!chosen) {
          st.pc = base.pc && cond;
          branch(st, depth);
          chosen = true;
        } else {
          State other = base;
          other.pc = base.pc && cond;
          branch(other, depth);
          work_.push_back(std::move(other));
        }
      }
      if (!chosen) throw std::runtime_error("drop");
      return;
    }
    case Op::Return:
      branch(st, uint32_t(fr.labels.size()));
      return;
    case Op::Call: {
      if (const wasm::Import* im = m.import_of(ExternKind::Func, in.a)) {
        if (im->module == "driver") {
          if (driver_ < 0) {
            v_.status = Verdict::Error;
            v_.reason = "the harness imports driver." + im->name + " but no driver module was given";
            throw Stop{};
          }
          const wasm::Module& dm = *units_[driver_].m;
          const wasm::Export* ex = nullptr;
          for (const auto& e : dm.exports)
            if (e.name == im->name && e.kind == ExternKind::Func) ex = &e;
          if (!ex || !(dm.func_type(ex->index) == m.types[im->func_type])) {
            v_.status = Verdict::Error;
            v_.reason = "the driver has no export " + im->name + " of the type the harness imports";
            throw Stop{};
          }
          if (dm.import_of(ExternKind::Func, ex->index)) {
            v_.status = Verdict::Error;
            v_.reason = "driver." + im->name + " re-exports an import";
            throw Stop{};
          }
          const size_t np = dm.func_type(ex->index).params.size();
          std::vector<z3::expr> args(st.stack.end() - np, st.stack.end());
          truncate(st.stack, st.stack.size() - np);
          enter(st, driver_, ex->index, std::move(args));
          return;
        }
        import_call(st, *im, in.offset);
        return;
      }
      const size_t np = m.func_type(in.a).params.size();
      std::vector<z3::expr> args(st.stack.end() - np, st.stack.end());
      truncate(st.stack, st.stack.size() - np);
      enter(st, unit, in.a, std::move(args));
      return;
    }
    case Op::Drop:
      pop();
      return;
    case Op::Select:
    case Op::SelectT: {
      z3::expr cnd = pop();
      z3::expr b = pop();
      z3::expr a = pop();
      push(z3::ite(cnd != bv(0, 32), a, b));
      return;
    }
    case Op::LocalGet:
      push(fr.locals[in.a]);
      return;
    case Op::LocalSet:
      fr.locals[in.a] = pop();
      return;
    case Op::LocalTee:
      fr.locals[in.a] = st.stack.back();
      return;
    case Op::GlobalGet:
      push(st.globals[unit][in.a]);
      return;
    case Op::GlobalSet:
      st.globals[unit][in.a] = pop();
      return;
    case Op::I32Load:
      mem_load(4, 32, false);
      return;
    case Op::I64Load:
      mem_load(8, 64, false);
      return;
    case Op::I32Load8S:
      mem_load(1, 32, true);
      return;
    case Op::I32Load8U:
      mem_load(1, 32, false);
      return;
    case Op::I32Load16S:
      mem_load(2, 32, true);
      return;
    case Op::I32Load16U:
      mem_load(2, 32, false);
      return;
    case Op::I64Load8S:
      mem_load(1, 64, true);
      return;
    case Op::I64Load8U:
      mem_load(1, 64, false);
      return;
    case Op::I64Load16S:
      mem_load(2, 64, true);
      return;
    case Op::I64Load16U:
      mem_load(2, 64, false);
      return;
    case Op::I64Load32S:
      mem_load(4, 64, true);
      return;
    case Op::I64Load32U:
      mem_load(4, 64, false);
      return;
    case Op::I32Store:
      mem_store(4);
      return;
    case Op::I64Store:
      mem_store(8);
      return;
    case Op::I32Store8:
    case Op::I64Store8:
      mem_store(1);
      return;
    case Op::I32Store16:
    case Op::I64Store16:
      mem_store(2);
      return;
    case Op::I64Store32:
      mem_store(4);
      return;
    case Op::MemorySize:
      push(bv(u.memory_bytes / kPage, 32));
      return;
    case Op::MemoryGrow:
      pop();
      push(bv(0xFFFFFFFF, 32));
      return;  // growth fails, as the spec allows
    case Op::I32Const:
      push(bv(uint32_t(in.value), 32));
      return;
    case Op::I64Const:
      push(bv(in.value, 64));
      return;
    case Op::I32Eqz:
      push(b2bv(pop() == bv(0, 32)));
      return;
    case Op::I64Eqz:
      push(b2bv(pop() == bv(0, 64)));
      return;
    case Op::I32Eq:
    case Op::I64Eq:
      cmp([](auto a, auto b) { return a == b; });
      return;
    case Op::I32Ne:
    case Op::I64Ne:
      cmp([](auto a, auto b) { return a != b; });
      return;
    case Op::I32LtS:
    case Op::I64LtS:
      cmp([](auto a, auto b) { return a < b; });
      return;
    case Op::I32LtU:
    case Op::I64LtU:
      cmp([](auto a, auto b) { return z3::ult(a, b); });
      return;
    case Op::I32GtS:
    case Op::I64GtS:
      cmp([](auto a, auto b) { return a > b; });
      return;
    case Op::I32GtU:
    case Op::I64GtU:
      cmp([](auto a, auto b) { return z3::ugt(a, b); });
      return;
    case Op::I32LeS:
    case Op::I64LeS:
      cmp([](auto a, auto b) { return a <= b; });
      return;
    case Op::I32LeU:
    case Op::I64LeU:
      cmp([](auto a, auto b) { return z3::ule(a, b); });
      return;
    case Op::I32GeS:
    case Op::I64GeS:
      cmp([](auto a, auto b) { return a >= b; });
      return;
    case Op::I32GeU:
    case Op::I64GeU:
      cmp([](auto a, auto b) { return z3::uge(a, b); });
      return;
    case Op::I32Clz:
    case Op::I64Clz:
      push(count_bits(pop(), 0));
      return;
    case Op::I32Ctz:
    case Op::I64Ctz:
      push(count_bits(pop(), 1));
      return;
    case Op::I32Popcnt:
    case Op::I64Popcnt:
      push(count_bits(pop(), 2));
      return;
    case Op::I32Add:
    case Op::I64Add:
      bin([](auto a, auto b) { return a + b; });
      return;
    case Op::I32Sub:
    case Op::I64Sub:
      bin([](auto a, auto b) { return a - b; });
      return;
    case Op::I32Mul:
    case Op::I64Mul:
      bin([](auto a, auto b) { return a * b; });
      return;
    case Op::I32DivS:
    case Op::I64DivS:
      divide(true, false);
      return;
    case Op::I32DivU:
    case Op::I64DivU:
      divide(false, false);
      return;
    case Op::I32RemS:
    case Op::I64RemS:
      divide(true, true);
      return;
    case Op::I32RemU:
    case Op::I64RemU:
      divide(false, true);
      return;
    case Op::I32And:
    case Op::I64And:
      bin([](auto a, auto b) { return a & b; });
      return;
    case Op::I32Or:
    case Op::I64Or:
      bin([](auto a, auto b) { return a | b; });
      return;
    case Op::I32Xor:
    case Op::I64Xor:
      bin([](auto a, auto b) { return a ^ b; });
      return;
    case Op::I32Shl:
    case Op::I64Shl:
      shift(0);
      return;
    case Op::I32ShrS:
    case Op::I64ShrS:
      shift(1);
      return;
    case Op::I32ShrU:
    case Op::I64ShrU:
      shift(2);
      return;
    case Op::I32Rotl:
    case Op::I64Rotl:
      shift(3);
      return;
    case Op::I32Rotr:
    case Op::I64Rotr:
      shift(4);
      return;
    case Op::I32WrapI64:
      push(pop().extract(31, 0));
      return;
    case Op::I64ExtendI32S:
      push(z3::sext(pop(), 32));
      return;
    case Op::I64ExtendI32U:
      push(z3::zext(pop(), 32));
      return;
    case Op::I32Extend8S:
    case Op::I64Extend8S:
      sext_in(8);
      return;
    case Op::I32Extend16S:
    case Op::I64Extend16S:
      sext_in(16);
      return;
    case Op::I64Extend32S:
      sext_in(32);
      return;
    default:
      v_.status = Verdict::Error;
      v_.reason = std::string("the prover does not model ") + wasm::info(in.op).text + " (at offset " +
                  std::to_string(in.offset) + ")";
      throw Stop{};
  }
}

void Engine::run(int unit, uint32_t func) {
  State init(c_);
  for (const auto& u : units_) {
    z3::expr mem = z3::const_array(c_.bv_sort(32), c_.bv_val(0, 8));
    for (const auto& d : u.m->datas) {
      if (d.mode != wasm::SegmentMode::Active || d.offset.op != Op::I32Const) continue;
      for (size_t i = 0; i < d.bytes.size(); ++i)
        mem = z3::store(mem, c_.bv_val(uint32_t(d.offset.value) + uint32_t(i), 32), c_.bv_val(d.bytes[i], 8));
    }
    init.mem.push_back(mem);
    std::vector<z3::expr> gs;
    for (uint32_t g = 0; g < u.m->num_globals(); ++g) {
      const wasm::GlobalType gt = u.m->global_type(g);
      const unsigned w = gt.type == ValType::I64 ? 64 : 32;
      uint64_t v = 0;
      if (!u.m->import_of(ExternKind::Global, g)) v = u.m->globals[g - u.m->imported(ExternKind::Global)].init.value;
      gs.push_back(c_.bv_val(w == 32 ? uint64_t(uint32_t(v)) : v, w));
    }
    init.globals.push_back(gs);
  }
  enter(init, unit, func, {});
  work_.push_back(std::move(init));
  while (!work_.empty()) {
    State st = std::move(work_.back());
    work_.pop_back();
    try {
      exec(st);
    } catch (const std::runtime_error&) {
      // a dropped path: infeasible, or beyond a bound (recorded)
    }
  }
}

}  // namespace

nlohmann::json Verdict::json() const {
  nlohmann::json j = {{"harness", harness}, {"status", status_name(status)}, {"seconds", seconds},
                      {"paths", paths},     {"solver_checks", checks},       {"solver_stats", solver_stats}};
  if (!reason.empty()) j["reason"] = reason;
  if (status == Failed) {
    nlohmann::json cex = {{"assertion", assertion}, {"offset", offset}, {"module", module}};
    cex["inputs"] = nlohmann::json::object();
    for (const auto& [n, v] : inputs) cex["inputs"][n] = v;
    cex["trace"] = nlohmann::json::array();
    for (const auto& t : trace) cex["trace"].push_back({{"call", t.call}, {"arg", t.arg}, {"value", t.value}});
    j["counterexample"] = cex;
  }
  return j;
}

std::string Verdict::text() const {
  std::ostringstream s;
  char buf[160];
  snprintf(buf, sizeof buf, "%s: %s (%.3f s, %llu paths, %llu solver checks)", harness.c_str(), status_name(status),
           seconds, (unsigned long long)paths, (unsigned long long)checks);
  s << buf << "\n";
  if (!reason.empty() && status != Successful) s << "  " << reason << "\n";
  if (status == Failed) {
    snprintf(buf, sizeof buf, "  at wasm offset 0x%zx in %s", offset, module.c_str());
    s << buf << (assertion ? " (assertion id " + std::to_string(assertion) + ")" : std::string()) << "\n";
    for (const auto& [n, v] : inputs) {
      snprintf(buf, sizeof buf, "  input %s = 0x%08llx\n", n.c_str(), (unsigned long long)v);
      s << buf;
    }
    s << "  trace:" << (trace.empty() ? " (no seam calls)" : "") << "\n";
    for (size_t i = 0; i < trace.size(); ++i) {
      const auto& t = trace[i];
      const bool writes = t.call.find("write") != std::string::npos;
      if (writes)
        snprintf(buf, sizeof buf, "    %zu: %s(0x%llx, 0x%08llx)\n", i, t.call.c_str(), (unsigned long long)t.arg,
                 (unsigned long long)t.value);
      else
        snprintf(buf, sizeof buf, "    %zu: %s(0x%llx) -> 0x%08llx\n", i, t.call.c_str(), (unsigned long long)t.arg,
                 (unsigned long long)t.value);
      s << buf;
    }
  }
  return s.str();
}

std::vector<Verdict> prove(const wasm::Module& harness, const wasm::Module* driver, const Options& opts) {
  std::vector<Verdict> out;
  for (const auto& e : harness.exports) {
    if (e.kind != ExternKind::Func || e.name.rfind("gust_proof_", 0) != 0) continue;
    if (!opts.harnesses.empty() &&
        std::find(opts.harnesses.begin(), opts.harnesses.end(), e.name) == opts.harnesses.end() &&
        std::find(opts.harnesses.begin(), opts.harnesses.end(), e.name.substr(11)) == opts.harnesses.end())
      continue;
    Verdict v;
    v.harness = e.name;
    const auto start = std::chrono::steady_clock::now();
    z3::context c;
    std::vector<Unit> units;
    units.emplace_back(&harness, "harness");
    if (driver && driver != &harness) units.emplace_back(driver, "driver");
    Engine eng(c, units, opts, v);
    eng.driver_ = driver ? (driver == &harness ? 0 : 1) : -1;
    v.status = Verdict::Successful;
    if (!harness.func_type(e.index).params.empty() || harness.import_of(ExternKind::Func, e.index)) {
      v.status = Verdict::Error;
      v.reason = "a harness takes no parameters and is defined in the module";
    } else {
      try {
        eng.run(0, e.index);
        if (!eng.inconclusive_.empty()) {
          v.status = Verdict::Inconclusive;
          v.reason = eng.inconclusive_;
        }
      } catch (Stop&) {
      }
    }
    z3::stats st = eng.s_.statistics();
    for (unsigned i = 0; i < st.size(); ++i) {
      if (st.is_uint(i))
        v.solver_stats[st.key(i)] = st.uint_value(i);
      else
        v.solver_stats[st.key(i)] = st.double_value(i);
    }
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace gust::prove
