// The bytecode semantics of `gust prove`: a symbolic executor over Z3
// bit-vectors. Paths are explored one at a time (depth first); a branch
// whose both sides are feasible forks the path. What lies around the
// bytecode (instantiation, memory, the seam, the harness API) is the
// environment model, in environment.cpp.
#include <optional>
#include <sstream>
#include <string_view>

#include "gust/trap.h"
#include "prove/engine.h"
#include "wasm/reader.h"

namespace gust::prove::detail {

using wasm::ExternKind;
using wasm::Instr;
using wasm::Op;
using wasm::ValType;

Unit::Unit(const wasm::Module* mod, std::string n) : m(mod), name(std::move(n)) {
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
}

Engine::Engine(z3::context& c, std::vector<Unit>& units, const SeamModel& seam, const Options& o, Verdict& v)
    : c_(c), s_(c), units_(units), seam_(seam), o_(o), v_(v) {
  if (o.solver_timeout_ms) {
    z3::params p(c);
    p.set("timeout", o.solver_timeout_ms);
    s_.set(p);
  }
}

std::string hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

void Engine::error(const std::string& why) {
  v_.status = Verdict::Error;
  v_.reason = why;
  throw Stop{};
}

void Engine::drop(const std::string& why) {
  inconclusive_because(why);
  throw Dropped{};
}

bool Engine::feasible(const z3::expr& cond, const std::string& what) {
  z3::expr simple = cond.simplify();
  if (simple.is_true()) return true;
  if (simple.is_false()) return false;
  ++v_.checks;
  s_.push();
  s_.add(simple);
  const z3::check_result r = s_.check();
  s_.pop();
  if (r == z3::unknown) inconclusive_because("the solver answered unknown (" + s_.reason_unknown() + ") on " + what);
  return r != z3::unsat;
}

void Engine::fail(State& st, const z3::model& m, const std::string& reason, uint32_t trap, size_t offset) {
  v_.status = Verdict::Failed;
  v_.reason = reason;
  v_.trap = trap;
  v_.offset = offset;
  v_.module = units_[st.frames.empty() ? 0 : st.frames.back().unit].name;
  auto value = [&](const z3::expr& e) { return m.eval(e, true).get_numeral_uint64(); };
  for (auto& [name, e] : st.inputs) v_.inputs.push_back({name, value(e)});
  for (auto& ev : st.trace) v_.trace.push_back({ev.call->call_name(), value(ev.arg), value(ev.value)});
  throw Stop{};
}

void Engine::check(State& st, const z3::expr& bad, const std::string& reason, uint32_t trap, size_t offset,
                   const z3::expr* id_expr) {
  // Always through the solver, even where the simplifier could decide: the
  // statistics then show the work behind every verdict.
  ++v_.checks;
  s_.push();
  s_.add(st.pc && bad);
  const z3::check_result r = s_.check();
  if (r == z3::sat) {
    z3::model m = s_.get_model();
    std::string why = reason;
    if (id_expr) {  // the harness may compute the id (clang merges assert calls)
      v_.assertion = uint32_t(m.eval(*id_expr, true).get_numeral_uint64());
      why = "assertion " + std::to_string(v_.assertion) + " failed";
    }
    s_.pop();
    fail(st, m, why, trap, offset);
  }
  if (r == z3::unknown)
    inconclusive_because("the solver answered unknown (" + s_.reason_unknown() + ") on whether " + reason +
                         " can happen at " + hex(offset));
  s_.pop();
  st.pc = st.pc && !bad;
}

bool Engine::fork(State& st, const z3::expr& cond) {
  z3::expr simple = cond.simplify();
  if (simple.is_true()) return true;
  if (simple.is_false()) return false;
  const bool yes = feasible(st.pc && cond, "a branch condition");
  const bool no = feasible(st.pc && !cond, "a branch condition");
  if (yes && no) {
    State other = st;
    other.pc = st.pc && !cond;
    work_.push_back(std::move(other));
    st.pc = st.pc && cond;
    forked_ = true;
    return true;
  }
  // Every narrowing of a path is checked, so a path is never empty here
  // unless the solver gave up on it.
  if (!yes && !no) drop("a path the solver could not decide");
  st.pc = yes ? st.pc && cond : st.pc && !cond;
  return yes;
}

void Engine::enter(State& st, int unit, uint32_t func, std::vector<z3::expr> args) {
  const Unit& u = units_[unit];
  // Recursion unwinds like a loop: at most --unwind activations nested
  // inside the first one of the same function.
  uint32_t active = 0;
  for (const auto& f : st.frames) active += f.unit == unit && f.func == func;
  if (active > o_.unwind)
    drop("recursion of function " + std::to_string(func) + " in the " + u.name + " nests deeper than --unwind " +
         std::to_string(o_.unwind));
  const wasm::Function& f = u.m->functions[func - u.m->imported(ExternKind::Func)];
  const wasm::FuncType& ft = u.m->types[f.type];
  Frame fr;
  fr.unit = unit;
  fr.func = func;
  fr.locals = std::move(args);
  for (auto t : f.locals) fr.locals.push_back(bv(0, t == ValType::I64 || t == ValType::F64 ? 64 : 32));
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
    if (++n > o_.unwind)
      drop("a loop at " + hex(l.key) + " in the " + units_[fr.unit].name + " runs beyond --unwind " +
           std::to_string(o_.unwind));
  } else {
    fr.labels.resize(index);
  }
}

void Engine::call(State& st, const Instr& in) {
  const Frame& fr = st.frames.back();
  const int unit = fr.unit;
  const wasm::Module& m = *units_[unit].m;
  auto take_args = [&](size_t np) {
    std::vector<z3::expr> args(st.stack.end() - long(np), st.stack.end());
    truncate(st.stack, st.stack.size() - np);
    return args;
  };
  const wasm::Import* im = m.import_of(ExternKind::Func, in.a);
  if (!im) {
    enter(st, unit, in.a, take_args(m.func_type(in.a).params.size()));
    return;
  }
  if (im->module != "driver") {
    import_call(st, *im, in.offset);
    return;
  }
  if (driver < 0) error("the harness imports driver." + im->name + " but no driver module was given");
  const wasm::Module& dm = *units_[driver].m;
  const wasm::Export* ex = nullptr;
  for (const auto& e : dm.exports)
    if (e.name == im->name && e.kind == ExternKind::Func) ex = &e;
  if (!ex || !(dm.func_type(ex->index) == m.types[im->func_type]))
    error("the driver has no export " + im->name + " of the type the harness imports");
  if (dm.import_of(ExternKind::Func, ex->index)) error("driver." + im->name + " re-exports an import");
  entered_driver = true;
  enter(st, driver, ex->index, take_args(dm.func_type(ex->index).params.size()));
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

void Engine::run(uint32_t func) {
  State init(c_);
  enter(init, 0, func, {});
  instantiate(init);  // pushes the start functions above the harness, so they run first
  work_.push_back(std::move(init));
  while (!work_.empty()) {
    if (o_.max_paths && v_.paths + v_.paths_cut + v_.paths_dropped >= o_.max_paths) {
      inconclusive_because("more than " + std::to_string(o_.max_paths) + " paths (--max-paths)");
      v_.paths_dropped += work_.size();
      return;
    }
    State st = std::move(work_.back());
    work_.pop_back();
    try {
      exec(st);
    } catch (const Cut&) {
      ++v_.paths_cut;
    } catch (const Dropped&) {
      ++v_.paths_dropped;
    }
  }
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
    check(st, b == bv(0, w), "integer divide by zero", GUST_TRAP_DIV_ZERO, in.offset);
    if (is_signed && !rem)
      check(st, a == bv(uint64_t(1) << (w - 1), w) && b == bv(~uint64_t(0), w), "integer overflow",
            GUST_TRAP_INT_OVERFLOW, in.offset);
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
      check(st, c_.bool_val(true), "unreachable executed", GUST_TRAP_UNREACHABLE, in.offset);
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
      // Every feasible arm is its own path, each queued before any is taken,
      // so an arm that hits a bound drops only itself.
      z3::expr index = pop();
      const uint64_t n = in.targets.size() - 1;
      std::vector<std::pair<z3::expr, uint32_t>> arms;
      for (uint64_t k = 0; k < n; ++k) arms.push_back({index == bv(k, 32), in.targets[k]});
      arms.push_back({z3::uge(index, bv(n, 32)), in.targets.back()});
      const State base = st;
      std::vector<std::pair<z3::expr, uint32_t>> live;
      for (auto& [cond, depth] : arms)
        if (feasible(base.pc && cond, "a br_table arm")) live.push_back({cond, depth});
      if (live.empty()) drop("a br_table the solver could not decide");
      for (size_t k = 1; k < live.size(); ++k) {
        State other = base;
        other.pc = base.pc && live[k].first;
        try {
          branch(other, live[k].second);
          work_.push_back(std::move(other));
        } catch (const Dropped&) {
          ++v_.paths_dropped;
        }
      }
      st.pc = base.pc && live[0].first;
      branch(st, live[0].second);
      return;
    }
    case Op::Return:
      branch(st, uint32_t(fr.labels.size()));
      return;
    case Op::Call:
      call(st, in);
      return;
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
      push(memory_size(st, unit));
      return;
    case Op::MemoryGrow:
      push(memory_grow(st, unit, pop()));
      return;
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
    case Op::AtomicFence:  // one thread in the model: nothing to order
      return;
    default:
      if (wasm::info(in.op).imm == wasm::Imm::AtomicMemArg) return atomic(st, unit, in);
      error(std::string("the prover does not model ") + wasm::info(in.op).text + " (at offset " + hex(in.offset) +
            " in the " + u.name + ")");
  }
}

// An atomic access, as the dissolved code does it (src/dissolve/atomics.cpp):
// the bounds check, then the alignment trap, then the access; a
// read-modify-write or cmpxchg is one load and one store (no other thread
// runs in the model between them). Narrow accesses zero-extend, and cmpxchg
// compares with the expected value wrapped to the access width.
void Engine::atomic(State& st, int unit, const wasm::Instr& in) {
  const wasm::OpInfo& oi = wasm::info(in.op);
  const unsigned bytes = 1u << wasm::atomic_width_log2(in.op);
  const unsigned to = std::string_view(oi.text).substr(0, 3) == "i64" ? 64 : 32;
  const unsigned group = (oi.code - 0x10) / 7;  // load, store, add, sub, and, or, xor, xchg, cmpxchg
  auto pop = [&] {
    z3::expr v = st.stack.back();
    st.stack.pop_back();
    return v;
  };
  auto narrow = [&](const z3::expr& v) { return v.extract(8 * bytes - 1, 0); };
  auto widen = [&](const z3::expr& v) { return bytes * 8 < to ? z3::zext(v, to - bytes * 8) : v; };
  std::optional<z3::expr> replacement, operand;
  if (group == 8) replacement = pop();
  if (group != 0) operand = pop();
  z3::expr addr = pop();
  // The dissolved code checks bounds first (a store's, for anything that
  // writes), then alignment.
  z3::expr ea = z3::zext(addr, 32) + bv(in.b, 64);
  check(st, z3::ugt(ea + bv(bytes, 64), memory_bytes(st, unit)), "out of bounds memory access", GUST_TRAP_MEMORY_OOB,
        in.offset);
  if (bytes > 1)
    check(st, (ea.extract(31, 0) & bv(bytes - 1, 32)) != bv(0, 32), "unaligned atomic", GUST_TRAP_UNALIGNED_ATOMIC,
          in.offset);
  if (group == 1) return store(st, unit, addr, in.b, narrow(*operand), bytes, in.offset);
  z3::expr old = load(st, unit, addr, in.b, bytes, in.offset);
  if (group == 0) return st.stack.push_back(widen(old));
  const z3::expr x = narrow(*operand);
  std::optional<z3::expr> now;
  switch (group) {
    case 2: now = old + x; break;
    case 3: now = old - x; break;
    case 4: now = old & x; break;
    case 5: now = old | x; break;
    case 6: now = old ^ x; break;
    case 7: now = x; break;
    default: now = z3::ite(old == x, narrow(*replacement), old); break;
  }
  store(st, unit, addr, in.b, *now, bytes, in.offset);
  st.stack.push_back(widen(old));
}

}  // namespace gust::prove::detail
