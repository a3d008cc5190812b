// The environment model inside the executor: what surrounds the bytecode on
// the image. Instantiation (data segments, global initialisers, start
// functions) before the harness; the linear memory as the dissolver places
// it; every seam call through the bridge's check; and the harness API of
// include/gust/prove.h (inputs, assumptions, assertions, covers, the trace).
#include <algorithm>
#include <sstream>

#include "gust/trap.h"
#include "prove/engine.h"

namespace gust::prove::detail {

using wasm::ExternKind;
using wasm::Op;
using wasm::ValType;

namespace {

unsigned bits_of(ValType t) { return t == ValType::I64 || t == ValType::F64 ? 64 : 32; }

// The harness API's functions and their core types (all i32).
struct ApiFunc {
  const char* name;
  size_t params, results;
};
constexpr ApiFunc kApi[] = {
    {"any-u32", 0, 1},    {"assume", 1, 0},    {"assert", 2, 0},      {"cover", 2, 0},         {"trace-len", 0, 1},
    {"trace-call", 1, 1}, {"trace-arg", 1, 1}, {"trace-value", 1, 1}, {"assume-read32", 4, 0},
};

std::string type_text(const wasm::FuncType& t) { return wit::func_text(t); }

}  // namespace

void Engine::instantiate(State& st) {
  // The driver first: the harness imports from it. A start function is
  // pushed above the harness's frame, so it runs before the harness.
  std::vector<int> order;
  if (driver > 0) order.push_back(driver);
  order.push_back(0);
  st.mem.assign(units_.size(), c_.bv_val(0, 8));
  st.pages.assign(units_.size(), bv(0, 32));
  st.globals.assign(units_.size(), {});
  for (size_t i = 0; i < units_.size(); ++i) {
    const Unit& u = units_[i];
    const wasm::Module& m = *u.m;
    for (const auto& im : m.imports)
      if (im.kind != ExternKind::Func)
        error("the " + u.name + " imports " + wasm::name(im.kind) + " " + im.module + "." + im.name +
              ", which the prover does not model (and gust build refuses at the seam)");
    for (const auto& e : m.elems)
      if (e.mode == wasm::SegmentMode::Active && e.offset.op == Op::I32Const &&
          uint64_t(uint32_t(e.offset.value)) + e.items.size() > m.table_type(e.table).limits.min)
        error("the " + u.name + "'s element segment at " + hex(e.position) +
              " lies outside its table: the prover does not model tables");
    // Globals: constants, or another global's value (read in order).
    for (uint32_t g = 0; g < m.num_globals(); ++g) {
      const wasm::Global& def = m.globals[g - m.imported(ExternKind::Global)];
      const unsigned w = bits_of(def.type.type);
      uint64_t v = def.init.value;
      if (def.init.op == Op::GlobalGet) {
        st.globals[i].push_back(st.globals[i].at(def.init.value));
        continue;
      }
      if (def.init.op == Op::RefNull) v = 0;
      st.globals[i].push_back(c_.bv_val(w == 32 ? uint64_t(uint32_t(v)) : v, w));
    }
    z3::expr mem = z3::const_array(c_.bv_sort(32), c_.bv_val(0, 8));
    st.pages[i] = bv(u.memory.bytes / kPage, 32);
    for (const auto& d : m.datas) {
      if (d.mode != wasm::SegmentMode::Active) continue;
      z3::expr at = d.offset.op == Op::GlobalGet ? st.globals[i].at(d.offset.value) : bv(uint32_t(d.offset.value), 32);
      // image_memory refused a constant segment outside the region; one
      // placed at start-up traps there, in the image as in wasm.
      check(st, z3::ugt(z3::zext(at, 32) + bv(d.bytes.size(), 64), bv(u.memory.bytes, 64)),
            "a data segment outside the memory at instantiation", GUST_TRAP_MEMORY_OOB, d.position);
      for (size_t k = 0; k < d.bytes.size(); ++k)
        mem = z3::store(mem, at + bv(uint32_t(k), 32), c_.bv_val(d.bytes[k], 8));
    }
    st.mem[i] = mem;
  }
  for (int i : order) {
    const wasm::Module& m = *units_[i].m;
    if (!m.start) continue;
    if (i == driver || units_.size() == 1)
      error("the driver has a start function (function " + std::to_string(*m.start) +
            "): gust build refuses such a module, since the firmware does not run start functions");
    if (m.import_of(ExternKind::Func, *m.start)) error("the harness's start function is an import");
    enter(st, i, *m.start, {});
  }
}

void Engine::import_call(State& st, const wasm::Import& im, size_t offset) {
  const Unit& u = units_[st.frames.back().unit];
  const wasm::FuncType& t = u.m->types[im.func_type];
  if (im.module == "gust:prove") {
    // The image has no harness API: a driver that calls it cannot ship.
    if (st.frames.back().unit == driver && driver > 0)
      error("the driver imports gust:prove." + im.name + ", which no image provides");
    const ApiFunc* api = nullptr;
    for (const auto& a : kApi)
      if (im.name == a.name) api = &a;
    if (!api) error("unknown gust:prove function " + im.name + " (include/gust/prove.h)");
    wasm::FuncType want;
    want.params.assign(api->params, ValType::I32);
    want.results.assign(api->results, ValType::I32);
    if (!(t == want))
      error("gust:prove." + im.name + " is imported as " + type_text(t) + ", but include/gust/prove.h declares " +
            type_text(want));
    prove_api(st, im.name, offset);
    return;
  }
  if (const SeamFunc* f = seam_.find(im.module, im.name)) {
    if (!(t == f->type))
      error("the " + u.name + " imports " + im.module + "." + im.name + " as " + type_text(t) +
            ", but the WIT lowers it to " + type_text(f->type));
    if (!f->unmodelled.empty()) error("the prover does not model " + im.module + "." + im.name + ": " + f->unmodelled);
    seam_call(st, *f, offset);
    return;
  }
  if (im.module.rfind("gust:hal/", 0) == 0)
    error("the " + u.name + " imports " + im.module + "." + im.name + ", which world " + o_.env.world +
          " does not grant: the bridge has no such function");
  error("import " + im.module + "." + im.name + " of the " + u.name + " has no model in the prover");
}

void Engine::assume(State& st, const z3::expr& cond, size_t site, const std::string& what) {
  AssumptionReport& rep = assumptions[site];
  rep.offset = site;
  if (rep.what.empty()) rep.what = what;
  if (cond.simplify().is_true()) return;
  ++rep.applied;
  if (!feasible(st.pc && cond, what)) {
    ++rep.cut;
    throw Cut{};
  }
  st.pc = st.pc && cond;
}

uint64_t Engine::concrete(State& st, const z3::expr& e, const std::string& what) {
  z3::expr simple = e.simplify();
  if (simple.is_numeral()) return simple.get_numeral_uint64();
  // Pinned by the path (an assumption, a branch): the one value it can have.
  ++v_.checks;
  s_.push();
  s_.add(st.pc);
  if (s_.check() != z3::sat) {
    s_.pop();
    error("cannot tell the value of " + what);
  }
  const uint64_t v = s_.get_model().eval(e, true).get_numeral_uint64();
  s_.add(e != c_.bv_val(v, e.get_sort().bv_size()));
  ++v_.checks;
  const z3::check_result other = s_.check();
  uint64_t w = 0;
  if (other == z3::sat) w = s_.get_model().eval(e, true).get_numeral_uint64();
  s_.pop();
  if (other != z3::unsat)
    error(what + " must be one value on each path; here it can be " + hex(v) +
          (other == z3::sat ? " or " + hex(w) : " and the solver cannot tell what else"));
  return v;
}

void Engine::prove_api(State& st, const std::string& fn, size_t offset) {
  auto arg = [&](size_t from_top) { return st.stack[st.stack.size() - 1 - from_top]; };
  auto pop_n = [&](size_t n) { truncate(st.stack, st.stack.size() - n); };
  if (fn == "any-u32") {
    z3::expr x = fresh("any", 32);
    st.inputs.push_back({"any" + std::to_string(st.inputs.size()), x});
    st.stack.push_back(x);
  } else if (fn == "assume") {
    z3::expr cond = arg(0) != bv(0, 32);
    pop_n(1);
    assume(st, cond, offset, "assume");
  } else if (fn == "assert") {
    z3::expr cond = arg(1) != bv(0, 32);
    z3::expr id = arg(0);
    pop_n(2);
    AssertionReport& rep = assertions[offset];
    rep.offset = offset;
    ++rep.checks;
    check(st, !cond, "assertion failed", 0, offset, &id);
    // The ids this site checked (clang may compute one id for several
    // asserts): its values on this path, a few at most.
    auto note = [&](uint64_t v) {
      if (std::find(rep.ids.begin(), rep.ids.end(), uint32_t(v)) == rep.ids.end()) rep.ids.push_back(uint32_t(v));
    };
    if (z3::expr sid = id.simplify(); sid.is_numeral()) {
      note(sid.get_numeral_uint64());
    } else {
      s_.push();
      s_.add(st.pc);
      for (int k = 0; k < 8 && s_.check() == z3::sat; ++k) {
        ++v_.checks;
        const uint64_t v = s_.get_model().eval(id, true).get_numeral_uint64();
        note(v);
        s_.add(id != bv(v, 32));
      }
      s_.pop();
    }
  } else if (fn == "cover") {
    z3::expr cond = arg(1) != bv(0, 32);
    z3::expr id = arg(0);
    pop_n(2);
    CoverReport& rep = covers[offset];
    rep.offset = offset;
    rep.reached = true;
    ++v_.checks;
    s_.push();
    s_.add(st.pc && cond);
    const z3::check_result r = s_.check();
    if (r == z3::sat) {
      const uint32_t hit = uint32_t(s_.get_model().eval(id, true).get_numeral_uint64());
      if (std::find(rep.hit.begin(), rep.hit.end(), hit) == rep.hit.end()) rep.hit.push_back(hit);
    } else if (r == z3::unknown) {
      inconclusive_because("the solver answered unknown (" + s_.reason_unknown() + ") on the cover at " + hex(offset));
    }
    s_.pop();
  } else if (fn == "trace-len") {
    st.stack.push_back(bv(st.trace.size(), 32));
  } else if (fn == "trace-call" || fn == "trace-arg" || fn == "trace-value") {
    z3::expr i = arg(0);
    pop_n(1);
    // Reading past the trace is the harness's slip on that path, not a 0.
    check(st, z3::uge(i, bv(st.trace.size(), 32)),
          "gust_" +
              std::string(fn == "trace-call"  ? "trace_call"
                          : fn == "trace-arg" ? "trace_arg"
                                              : "trace_value") +
              " reads past the end of the trace",
          0, offset);
    if (st.trace.empty()) {  // the check above left no execution (the solver gave up on it)
      st.stack.push_back(bv(0, 32));
      return;
    }
    auto field = [&](const Event& e) {
      return fn == "trace-call" ? bv(e.call->trace_code, 32) : fn == "trace-arg" ? e.arg : e.value;
    };
    z3::expr v = field(st.trace.back());
    for (size_t k = st.trace.size() - 1; k-- > 0;) v = z3::ite(i == bv(k, 32), field(st.trace[k]), v);
    st.stack.push_back(v.simplify());
  } else if (fn == "assume-read32") {
    const std::string at = " (assume-read32 at " + hex(offset) + ")";
    EnvAssume a{uint32_t(concrete(st, arg(3), "the offset" + at)), uint32_t(concrete(st, arg(2), "the count" + at)),
                uint32_t(concrete(st, arg(1), "the mask" + at)), uint32_t(concrete(st, arg(0), "the value" + at)),
                offset};
    pop_n(4);
    std::ostringstream what;
    what << "assume-read32(offset " << hex(a.offset) << ", from read " << a.after << ", value & " << hex(a.mask)
         << " == " << hex(a.expect) << ")";
    if (a.expect & ~a.mask)
      error(what.str() + " at " + hex(offset) + " can never hold: the expected value has bits outside its mask");
    for (const auto& b : st.env)
      if (b.offset == a.offset && ((a.expect ^ b.expect) & a.mask & b.mask))
        error(what.str() + " at " + hex(offset) + " contradicts the assume-read32 at " + hex(b.site) + " from read " +
              std::to_string(std::max(a.after, b.after)) + " of offset " + hex(a.offset) +
              " on: no hardware satisfies both");
    st.env.push_back(a);
    AssumptionReport& rep = assumptions[offset];
    rep.offset = offset;
    rep.what = what.str();
  }
}

void Engine::seam_call(State& st, const SeamFunc& f, size_t offset) {
  const size_t n = f.type.params.size();
  std::vector<z3::expr> args(st.stack.end() - long(n), st.stack.end());
  truncate(st.stack, st.stack.size() - n);
  // Each parameter as the bridge receives it (a u8 is its low byte).
  std::vector<z3::expr> lifted;
  for (size_t i = 0; i < n; ++i) {
    const unsigned w = args[i].get_sort().bv_size();
    lifted.push_back(
        (args[i] & c_.bv_val(uint64_t(f.param_masks[i] & (w == 64 ? ~uint64_t(0) : 0xFFFFFFFFull)), w)).simplify());
  }
  auto low32 = [&](const z3::expr& e) { return e.get_sort().bv_size() == 64 ? e.extract(31, 0) : e; };
  std::optional<z3::expr> result;
  if (!f.type.results.empty()) result = fresh(f.call_name(), bits_of(f.type.results[0]));
  // The count of earlier reads of an offset, for assume-read32 (before this
  // call joins the trace).
  auto reads_of = [&](uint32_t at) {
    z3::expr count = bv(0, 32);
    for (const auto& e : st.trace)
      if (e.call->call_name() == "mmio.read32") count = count + b2bv(e.arg == bv(at, 32));
    return count.simplify();
  };
  std::vector<z3::expr> earlier;
  if (f.call_name() == "mmio.read32")
    for (const auto& a : st.env) earlier.push_back(reads_of(a.offset));
  const z3::expr arg0 = n ? low32(lifted[0]) : bv(0, 32);
  const z3::expr value = result ? low32(*result) : f.value_param ? low32(lifted[*f.value_param]) : bv(0, 32);
  st.trace.push_back({&f, arg0, value});
  // The bridge's precondition (bridge.h), over the node's grants.
  if (f.check == SeamFunc::Check::Window) {
    const uint32_t size = o_.env.grants.window_bytes;
    const z3::expr off = low32(args[f.checked]);
    check(st, (off & bv(~(size - f.width), 32)) != bv(0, 32),
          f.call_name() + " at an offset outside the granted " + std::to_string(size) +
              "-byte window or misaligned (the bridge traps)",
          GUST_TRAP_MMIO_WINDOW, offset);
  } else if (f.check == SeamFunc::Check::Line) {
    const uint32_t lines = o_.env.grants.irq_lines;
    check(
        st, z3::uge(low32(args[f.checked]), bv(lines, 32)),
        f.call_name() + " on a line the node does not grant (" + std::to_string(lines) + " granted; the bridge traps)",
        GUST_TRAP_IRQ_LINE, offset);
  }
  if (!result) return;
  // Any value of the result's WIT type: a fresh variable, so the range
  // always leaves some value.
  const unsigned w = result->get_sort().bv_size();
  if (f.result_bits < w) st.pc = st.pc && z3::ule(*result, bv((uint64_t(1) << f.result_bits) - 1, w));
  for (size_t k = 0; k < earlier.size(); ++k) {
    const EnvAssume& a = st.env[k];
    const z3::expr applies = arg0 == bv(a.offset, 32) && z3::uge(earlier[k], bv(a.after, 32));
    if (applies.simplify().is_false()) continue;
    assume(st, z3::implies(applies, (*result & bv(a.mask, 32)) == bv(a.expect, 32)), a.site, assumptions[a.site].what);
  }
  st.stack.push_back(*result);
}

z3::expr Engine::memory_bytes(State& st, int unit) {
  const ImageMemory& mem = units_[unit].memory;
  if (mem.growable) return z3::zext(st.pages[unit], 32) * bv(kPage, 64);
  return bv(mem.bytes, 64);
}

z3::expr Engine::load(State& st, int unit, const z3::expr& addr, uint32_t offset, unsigned bytes, size_t at) {
  z3::expr ea = z3::zext(addr, 32) + bv(offset, 64);
  check(st, z3::ugt(ea + bv(bytes, 64), memory_bytes(st, unit)), "out of bounds memory access", GUST_TRAP_MEMORY_OOB,
        at);
  z3::expr a32 = ea.extract(31, 0);
  z3::expr v = z3::select(st.mem[unit], a32);
  for (unsigned i = 1; i < bytes; ++i) v = z3::concat(z3::select(st.mem[unit], a32 + bv(i, 32)), v);
  return v;
}

void Engine::store(State& st, int unit, const z3::expr& addr, uint32_t offset, const z3::expr& v, unsigned bytes,
                   size_t at) {
  z3::expr ea = z3::zext(addr, 32) + bv(offset, 64);
  check(st, z3::ugt(ea + bv(bytes, 64), memory_bytes(st, unit)), "out of bounds memory access", GUST_TRAP_MEMORY_OOB,
        at);
  // Read-only data stays in flash (dissolve::read_only_data): the dissolved
  // code traps on a store that touches it, as on one out of bounds.
  const ImageMemory& mem = units_[unit].memory;
  if (mem.ro_end > mem.ro_begin)
    check(st, z3::ult(ea, bv(mem.ro_end, 64)) && z3::ugt(ea + bv(bytes, 64), bv(mem.ro_begin, 64)),
          "store to read-only data", GUST_TRAP_MEMORY_OOB, at);
  z3::expr a32 = ea.extract(31, 0);
  for (unsigned i = 0; i < bytes; ++i)
    st.mem[unit] = z3::store(st.mem[unit], a32 + bv(i, 32), v.extract(8 * i + 7, 8 * i));
}

// As dissolved code computes them: a region placed at its full size
// reports its whole pages (0 for a region under 64 KiB) and grows only by
// 0; a growable one moves its page count up to its capacity.
z3::expr Engine::memory_size(State& st, int unit) {
  const ImageMemory& mem = units_[unit].memory;
  return mem.growable ? st.pages[unit] : bv(mem.bytes / kPage, 32);
}

z3::expr Engine::memory_grow(State& st, int unit, const z3::expr& delta) {
  const ImageMemory& mem = units_[unit].memory;
  const z3::expr failed = bv(0xFFFFFFFF, 32);
  if (!mem.growable) return z3::ite(delta == bv(0, 32), bv(mem.bytes / kPage, 32), failed);
  const z3::expr old = st.pages[unit];
  const z3::expr want = z3::zext(old, 32) + z3::zext(delta, 32);
  const z3::expr ok = z3::ule(want, bv(mem.capacity_pages, 64));
  st.pages[unit] = z3::ite(ok, want.extract(31, 0), old);
  return z3::ite(ok, old, failed);
}

}  // namespace gust::prove::detail
