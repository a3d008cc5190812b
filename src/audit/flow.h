// The audit's view of one function (src/audit/): its decoded code, and the
// forward data flow over it that the store, table and dispatch rules read.
// Internal to the audit: audit.cpp applies the rules, loops.cpp bounds the
// registers a loop steps (induction variables), flow.cpp the joins.
#pragma once
#include <array>
#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "image/elf.h"
#include "image/thumb.h"

namespace gust::audit::detail {

using image::Flow;
using image::Insn;
using image::Op;
using image::reg_bit;

std::string hex(uint32_t v);

// One of an instance's data objects: its memory region, a global, a table.
struct DataObject {
  uint32_t begin, end;
};

// The code of one function, decoded, with what the rules ask of it.
struct Code {
  const image::Symbol& fn;
  std::vector<Insn> insns;
  std::map<uint32_t, size_t> at;                   // instruction address -> index
  std::set<uint32_t> targets;                      // addresses some branch of the function lands on
  std::map<size_t, std::vector<uint32_t>> tables;  // a checked TBB/TBH (by index) -> where its entries land
  bool inside(uint32_t a) const { return a >= fn.addr && a - fn.addr < fn.size; }
};

// ---- stores: a forward data flow over the function. Each register is
// unknown, a constant, a value known to be at most some bound (after CMP and
// a conditional branch), a pointer into one of the instance's data objects
// (a constant base plus a bounded offset), or SP-relative.
struct Value {
  enum Kind : uint8_t { Unknown, Const, Bounded, Pointer, Based, Stack } kind = Unknown;
  uint32_t v = 0;     // Const: the value; Bounded, Pointer: the largest value or offset
  uint32_t base = 0;  // Pointer, Based: the address of the object it derives from (Based: by an unknown offset)
  // The other registers (r0-r12, lr) known to hold the same value on every path: copies made
  // by a plain MOV and neither written since, so that a compare bounds them all.
  uint16_t same = 0;
  // Bounded, Pointer: the smallest value or offset (0 when nothing more is known).
  uint32_t lo = 0;
  // The register (r0-r12, lr) whose value this one is plus `delta`, modulo 2^32, on every path
  // (ADD or SUB of a constant), while neither is written; -1 for none.
  int8_t rel = -1;
  uint32_t delta = 0;
  bool operator==(const Value&) const = default;
};
using State = std::array<Value, 16>;

inline bool numeric(const Value& x) { return x.kind == Value::Const || x.kind == Value::Bounded; }
// The smallest value (numeric) or offset (Pointer) it may have.
inline uint32_t lo_of(const Value& x) { return x.kind == Value::Const ? x.v : x.lo; }
inline Value bounded(uint32_t lo, uint32_t hi) { return {Value::Bounded, hi, 0, 0, lo}; }
inline Value pointer(uint32_t base, uint32_t lo, uint32_t hi) { return {Value::Pointer, hi, base, 0, lo}; }

Value meet_value(const Value& a, const Value& b, bool widen);

// The join of two paths' values; `widen` (a loop that keeps changing) gives up the bounds,
// keeping only what cannot grow: a pointer's object. Copies are copies if they are on both paths.
Value meet(const Value& a, const Value& b, bool widen);

// What a loop's stepped registers hold before each instruction of the loop (instruction index ->
// register, value), from induction-variable reasoning (induction(), below).
using Overrides = std::map<size_t, std::vector<std::pair<int, Value>>>;

struct ValueFlow {
  const Code& c;
  const image::Image& img;
  const std::vector<DataObject>& own;

  const DataObject* object_at(uint32_t a) const {
    for (const auto& o : own)
      if (a >= o.begin && a < o.end) return &o;
    return nullptr;
  }

  // meet(), and where paths bring different constant addresses inside one of
  // the instance's own objects (a store whose field each path picks), the
  // range of them as a pointer into that object.
  Value join(const Value& a, const Value& b, bool widen) const {
    if (!widen && a != b) {
      auto in_one = [&](uint32_t x, uint32_t y) {
        const DataObject* o = object_at(x);
        return o && o == object_at(y);
      };
      if (a.kind == Value::Const && b.kind == Value::Const && in_one(a.v, b.v))
        return {Value::Pointer, std::max(a.v, b.v) - std::min(a.v, b.v), std::min(a.v, b.v)};
      for (auto [c, p] : {std::pair{&a, &b}, std::pair{&b, &a}})
        if (c->kind == Value::Const && p->kind == Value::Pointer && c->v < p->base && in_one(c->v, p->base))
          return {Value::Pointer, p->base - c->v + p->v, c->v};
    }
    return meet(a, b, widen);
  }

  // operand 2 of an ALU instruction, shifted left by a constant at most.
  Value operand2(const Insn& in, const State& s) const {
    if (in.has_imm) return {Value::Const, uint32_t(in.imm)};
    if (in.rm < 0) return {};
    Value m = s[size_t(in.rm)];
    if (in.shift_amount == 0) return m;
    if (in.shift_type != 0 || !numeric(m) || in.shift_amount >= 32 || m.v >= (1u << (32 - in.shift_amount))) return {};
    m.v <<= in.shift_amount;
    if (m.kind == Value::Bounded) m.lo <<= in.shift_amount;
    return m;
  }

  Value add(const Value& a, const Value& b) const {
    if (a.kind == Value::Stack && b.kind == Value::Const) return {Value::Stack};
    if (numeric(a) && numeric(b) && uint64_t(a.v) + b.v <= 0xFFFFFFFFu) {
      if (a.kind == Value::Const && b.kind == Value::Const) return {Value::Const, a.v + b.v};
      if (a.kind == Value::Const && object_at(a.v)) return pointer(a.v, lo_of(b), b.v);
      if (b.kind == Value::Const && object_at(b.v)) return pointer(b.v, lo_of(a), a.v);
      return bounded(lo_of(a) + lo_of(b), a.v + b.v);
    }
    if (a.kind == Value::Pointer && numeric(b) && uint64_t(a.v) + b.v <= 0xFFFFFFFFu)
      return pointer(a.base, a.lo + lo_of(b), a.v + b.v);
    if (b.kind == Value::Pointer && numeric(a) && uint64_t(b.v) + a.v <= 0xFFFFFFFFu)
      return pointer(b.base, b.lo + lo_of(a), b.v + a.v);
    // An own object's address plus what is not known: its provenance, without a bound.
    for (const Value* x : {&a, &b}) {
      if (x->kind == Value::Pointer || x->kind == Value::Based) return {Value::Based, 0, x->base};
      if (x->kind == Value::Const && object_at(x->v)) return {Value::Based, 0, x->v};
    }
    return {};
  }

  void step(const Insn& in, State& s) const {
    const State before = s;
    Value v{};
    bool known = false;
    if (in.op == Op::LdrLit && in.width == 4 && in.literal) {
      const image::Section* sec = img.section_at(*in.literal, 4);
      if (auto w = img.read32(*in.literal); w && sec && !sec->write()) v = {Value::Const, *w}, known = true;
    } else if (in.op == Op::Movw) {
      v = {Value::Const, uint32_t(in.imm)}, known = true;
    } else if (in.op == Op::Movt) {
      if (before[size_t(in.rd)].kind == Value::Const)
        v = {Value::Const, (before[size_t(in.rd)].v & 0xFFFF) | uint32_t(in.imm) << 16}, known = true;
    } else if (in.alu == image::AluOp::Mov) {
      v = operand2(in, before), known = true;
    } else if (in.alu == image::AluOp::And) {
      const Value b = operand2(in, before), a = in.rn >= 0 ? before[size_t(in.rn)] : Value{};
      if (numeric(b) || numeric(a)) v = {Value::Bounded, std::min(numeric(a) ? a.v : ~0u, numeric(b) ? b.v : ~0u)};
      known = true;
    } else if (in.alu == image::AluOp::Add && in.rn >= 0 && in.op != Op::AddSubSp) {
      v = add(before[size_t(in.rn)], operand2(in, before)), known = true;
    } else if (in.op == Op::Ldr && in.width < 4 && !in.writeback) {
      v = {Value::Bounded, in.width == 1 ? 0xFFu : 0xFFFFu}, known = true;
    }
    uint16_t written = in.writes;
    for (int r = 0; r < 16; ++r)
      if (in.writes & reg_bit(r)) s[size_t(r)] = {};
    if (known && in.rd >= 0 && in.rd < image::kSP) s[size_t(in.rd)] = v;
    if (in.in_it)  // a conditional write: the old value or the new one
      for (int r = 0; r < 16; ++r)
        if (in.writes & reg_bit(r)) s[size_t(r)] = join(before[size_t(r)], s[size_t(r)], false);
    if (in.flow == Flow::Call || in.flow == Flow::IndirectCall)  // AAPCS: r0-r3, r12 and lr do not survive
      for (int r : {0, 1, 2, 3, 12, 14}) {
        s[size_t(r)] = {};
        written |= reg_bit(r);
      }
    s[image::kSP] = {Value::Stack};
    // A written register is no one's copy any more; a plain MOV makes one.
    written |= reg_bit(image::kSP) | reg_bit(image::kPC);
    for (auto& x : s) {
      x.same &= uint16_t(~written);
      if (x.rel >= 0 && (written & reg_bit(x.rel))) x.rel = -1, x.delta = 0;
    }
    for (int r = 0; r < 16; ++r)
      if (written & reg_bit(r)) s[size_t(r)].same = 0;
    // rd = rn + imm, or rn - imm: a relation the compare of either carries to the other.
    if (!in.in_it && in.has_imm && (in.alu == image::AluOp::Add || in.alu == image::AluOp::Sub) &&
        in.op != Op::AddSubSp && in.rd >= 0 && in.rd < image::kSP && in.rn >= 0 && in.rn < image::kSP &&
        in.rd != in.rn && in.writes == reg_bit(in.rd)) {
      s[size_t(in.rd)].rel = int8_t(in.rn);
      s[size_t(in.rd)].delta = in.alu == image::AluOp::Add ? uint32_t(in.imm) : uint32_t(-in.imm);
    }
    // rd = rn + rm, one of them a constant.
    if (!in.in_it && !in.has_imm && in.alu == image::AluOp::Add && in.op != Op::AddSubSp && in.rd >= 0 &&
        in.rd < image::kSP && in.rn >= 0 && in.rn < image::kSP && in.rm >= 0 && in.rm < image::kSP &&
        in.shift_amount == 0 && in.writes == reg_bit(in.rd)) {
      const Value &a = before[size_t(in.rn)], &b = before[size_t(in.rm)];
      const int other = a.kind == Value::Const ? in.rm : b.kind == Value::Const ? in.rn : -1;
      if (other >= 0 && other != in.rd && before[size_t(other)].kind != Value::Const) {
        s[size_t(in.rd)].rel = int8_t(other);
        s[size_t(in.rd)].delta = a.kind == Value::Const ? a.v : b.v;
      }
    }
    if (in.alu == image::AluOp::Mov && !in.has_imm && !in.in_it && in.rd >= 0 && in.rd < image::kSP && in.rm >= 0 &&
        in.rm < image::kSP && in.rm != in.rd && in.shift_amount == 0 && in.shift_type == 0 &&
        in.writes == reg_bit(in.rd)) {
      const uint16_t copies = uint16_t((before[size_t(in.rm)].same | reg_bit(in.rm)) & ~written);
      s[size_t(in.rd)].same = copies;
      for (int r = 0; r < image::kSP; ++r)
        if (copies & reg_bit(r)) s[size_t(r)].same |= reg_bit(in.rd);
    }
  }

  // On the edge where `cmp rn, X` found rn <= X (unsigned), or rn < X.
  static void refine(const Insn& cmp, image::Cond taken_when, bool taken, State& s) {
    if (cmp.alu != image::AluOp::Cmp || cmp.rn < 0 || cmp.rn >= image::kSP || cmp.in_it) return;
    uint32_t limit;
    if (cmp.has_imm)
      limit = uint32_t(cmp.imm);
    else if (cmp.rm >= 0 && s[size_t(cmp.rm)].kind == Value::Const && cmp.shift_amount == 0)
      limit = s[size_t(cmp.rm)].v;
    else
      return;
    using image::Cond;
    const bool at_most = (taken_when == Cond::HI && !taken) || (taken_when == Cond::LS && taken);
    const bool below = (taken_when == Cond::CS && !taken) || (taken_when == Cond::CC && taken);
    // Not at most: at least (rn > limit, or rn >= limit).
    const bool above = (taken_when == Cond::HI && taken) || (taken_when == Cond::LS && !taken);
    const bool at_least = (taken_when == Cond::CS && taken) || (taken_when == Cond::CC && !taken);
    uint32_t lo = 0, hi = ~0u;
    if (at_most || (below && limit > 0))
      hi = at_most ? limit : limit - 1;
    else if ((above && limit < ~0u) || at_least)
      lo = above ? limit + 1 : limit;
    else
      return;
    narrow(s, cmp.rn, lo, hi, -1, 0);
  }

  // Narrows what register `reg` holds to [l, h] (unsigned), and so its copies (the same value),
  // the register it is a constant away from, and those a constant away from it (not back to
  // `from`; a few steps deep), each where the shifted range does not wrap.
  static void narrow(State& s, int reg, uint32_t l, uint32_t h, int from, int depth) {
    const uint16_t regs = uint16_t(s[size_t(reg)].same | reg_bit(reg));
    for (int k = 0; k < image::kSP; ++k) {
      if (!(regs & reg_bit(k))) continue;
      Value& r = s[size_t(k)];
      if (r.kind == Value::Pointer) {
        // base + offset, which does not wrap: the offset is in [l - base, h - base].
        if (h < r.base) continue;  // no such path
        r.v = std::min(r.v, h - r.base);
        if (l > r.base) r.lo = std::max(r.lo, l - r.base);
        r.lo = std::min(r.lo, r.v);
      } else if (r.kind == Value::Unknown || r.kind == Value::Bounded) {
        const uint32_t nl = std::max(l, lo_of(r)), nh = r.kind == Value::Bounded ? std::min(h, r.v) : h;
        Value n = bounded(std::min(nl, nh), nh);
        n.same = r.same, n.rel = r.rel, n.delta = r.delta;
        r = n;
      }
    }
    if (depth >= 4) return;
    for (int x = 0; x < image::kSP; ++x) {
      const Value& v = s[size_t(x)];
      if ((regs & reg_bit(x)) || x == from || v.rel < 0 || !(regs & reg_bit(v.rel))) continue;
      const uint32_t xl = l + v.delta, xh = h + v.delta;  // x = reg + delta
      if (xl <= xh) narrow(s, x, xl, xh, reg, depth + 1);
    }
    const Value me = s[size_t(reg)];
    if (me.rel >= 0 && me.rel != from && !(regs & reg_bit(me.rel))) {
      const uint32_t tl = l - me.delta, th = h - me.delta;  // reg = t + delta
      if (tl <= th) narrow(s, me.rel, tl, th, reg, depth + 1);
    }
  }

  // Why a store may write outside the instance's own data, or "". `proven` is false for a store
  // whose address derives from own data by an offset the flow could not bound.
  std::string check(const Insn& in, const State& s, bool& proven) const {
    proven = true;
    if (in.op == Op::Push) return "";
    const int base = in.rn;
    if (base == image::kSP && !in.reg_offset && (in.imm >= 0 || in.writeback)) return "";
    if (base < 0 || base >= image::kSP)
      return "a store through " + std::string(base == image::kSP ? "sp" : "pc") + " at a negative or register offset";
    const Value& b = s[size_t(base)];
    uint64_t lo, hi;  // the lowest and highest address the store may start at
    if (b.kind == Value::Const) {
      lo = hi = b.v;
    } else if (b.kind == Value::Pointer) {
      lo = uint64_t(b.base) + b.lo;
      hi = uint64_t(b.base) + b.v;
    } else if (b.kind == Value::Bounded) {  // an absolute range (a loop's stepped pointer, induction())
      lo = lo_of(b);
      hi = b.v;
    } else if (b.kind == Value::Based) {
      proven = false;
      return "";
    } else {
      return "the base register r" + std::to_string(base) + " is not a checked address";
    }
    if (in.reg_offset) {
      const Value& x = s[size_t(in.rm)];
      if (!numeric(x) || (uint64_t(x.v) << in.shift_amount) > 0xFFFFFFFFu) {
        proven = false;
        return "";
      }
      hi += uint64_t(x.v) << in.shift_amount;
      lo += uint64_t(lo_of(x)) << in.shift_amount;
    } else if (!in.post_index) {
      lo += uint64_t(int64_t(in.imm));
      hi += uint64_t(int64_t(in.imm));
    }
    const uint32_t width = in.op == Op::Stm ? 4u * uint32_t(std::popcount(in.reglist)) : in.width;
    const DataObject* o = object_at(uint32_t(lo));
    if (!o || lo > 0xFFFFFFFFu || hi + width > o->end)
      return "it may write " + hex(uint32_t(lo)) + ".." + hex(uint32_t(hi + width - 1)) +
             ", not inside one of the instance's own data objects";
    return "";
  }

  // What instruction i passes on along each edge it may take, from the state `st` before it: the
  // state after it, narrowed by the compare a conditional branch tests; after an IT block that
  // follows a compare, the join of the block's two views (its condition held, or failed).
  void out_edges(const std::vector<std::optional<State>>& in, size_t i, State st,
                 const std::function<void(size_t, const State&)>& to) const {
    const size_t n = c.insns.size();
    const Insn& x = c.insns[i];
    step(x, st);
    if (auto joined = after_it_block(in, i)) st = *joined;
    // The compare speaks of its registers as they were: not of one written since.
    const Insn* cmp = compare_of(i);
    if (x.target && c.at.count(*x.target) && (x.flow == Flow::Jump || x.flow == Flow::CondJump)) {
      State t = st;
      if (cmp) refine(*cmp, x.cond, true, t);
      to(c.at.at(*x.target), t);
    }
    if (auto t = c.tables.find(i); t != c.tables.end())
      for (uint32_t dest : t->second) to(c.at.at(dest), st);
    const bool falls = x.flow == Flow::Next || x.flow == Flow::CondJump || x.flow == Flow::Call ||
                       x.flow == Flow::IndirectCall || x.in_it;
    if (falls && i + 1 < n) {
      if (cmp) refine(*cmp, x.cond, false, st);
      to(i + 1, st);
    }
  }

  // Instruction i ends an IT block of plain instructions right after `cmp`, which no branch enters:
  // the state after it, as the join of the block run with its condition true and false.
  std::optional<State> after_it_block(const std::vector<std::optional<State>>& in, size_t i) const {
    const Insn& x = c.insns[i];
    if (!x.in_it || (i + 1 < c.insns.size() && c.insns[i + 1].in_it)) return std::nullopt;
    size_t t = i;
    while (t > 0 && c.insns[t].in_it) --t;
    const Insn* cmp = t >= 1 && c.insns[t].op == Op::It ? compare_before(t) : nullptr;
    if (!cmp || !in[t]) return std::nullopt;
    for (size_t k = t + 1; k <= i; ++k)
      if (c.insns[k].flow != Flow::Next || c.targets.count(c.insns[k].addr)) return std::nullopt;
    State then_view = *in[t], else_view = *in[t];
    refine(*cmp, c.insns[t].cond, true, then_view);
    refine(*cmp, c.insns[t].cond, false, else_view);
    for (size_t k = t + 1; k <= i; ++k) {
      Insn plain = c.insns[k];
      plain.in_it = false;
      step(plain, plain.cond == c.insns[t].cond ? then_view : else_view);
    }
    State out;
    for (size_t r = 0; r < 16; ++r) out[r] = join(then_view[r], else_view[r], false);
    return out;
  }

  // Runs the flow to a fixed point: what each register holds before each instruction that the
  // entry reaches (none for the others). `known` replaces what a register holds before an
  // instruction (a loop's stepped registers, which induction() bounds).
  std::vector<std::optional<State>> solve(const Overrides& known = {}) const {
    const size_t n = c.insns.size();
    std::vector<std::optional<State>> in(n);
    std::vector<int> changes(n, 0);
    State entry{};
    entry[image::kSP] = {Value::Stack};
    in[0] = entry;
    bool changed = true;
    auto flow_into = [&](size_t k, State st) {
      if (k >= n) return;
      if (auto o = known.find(k); o != known.end())
        for (const auto& [r, v] : o->second) {
          Value& x = st[size_t(r)];
          const uint16_t same = x.same;
          const int8_t rel = x.rel;
          const uint32_t delta = x.delta;
          x = v;
          x.same = same, x.rel = rel, x.delta = delta;
        }
      if (!in[k]) {
        in[k] = st;
        changed = true;
        return;
      }
      State m = *in[k];
      for (size_t r = 0; r < 16; ++r) m[r] = join((*in[k])[r], st[r], changes[k] > 8);
      if (m != *in[k]) {
        in[k] = m;
        ++changes[k];
        changed = true;
      }
    };
    for (int pass = 0; pass < 64 && changed; ++pass) {
      changed = false;
      for (size_t i = 0; i < n; ++i)
        if (in[i]) out_edges(in, i, *in[i], flow_into);
    }
    // Short of a fixed point, the states may miss a path: know nothing but SP's provenance then,
    // which refuses what the flow would have had to prove.
    if (changed)
      for (auto& st : in)
        if (st) st = entry;
    return in;
  }

  Overrides induction(const std::vector<std::optional<State>>& in) const;
  std::vector<std::optional<State>> solve_loops() const;

  // The CMP whose flags the conditional branch i tests, in the same straight line, its registers not
  // written between the two; nullptr for none.
  const Insn* compare_of(size_t i) const { return c.insns[i].op == Op::Bcc ? compare_before(i) : nullptr; }
  // The ADDS/SUBS rC, #k whose Z flag the BEQ/BNE i tests, in the same straight line, rC not
  // written between the two: the new rC compared with zero.
  std::optional<size_t> flag_step_before(size_t i) const {
    const Insn& x = c.insns[i];
    if (x.op != Op::Bcc || (x.cond != image::Cond::EQ && x.cond != image::Cond::NE) || c.targets.count(x.addr))
      return std::nullopt;
    int f = int(i) - 1;
    while (f >= 0 && !c.insns[size_t(f)].sets_flags && c.insns[size_t(f)].op != Op::Cmp &&
           c.insns[size_t(f)].flow == Flow::Next && !c.targets.count(c.insns[size_t(f) + 1].addr))
      --f;
    if (f < 0) return std::nullopt;
    const Insn& s = c.insns[size_t(f)];
    if (s.op == Op::Cmp || !s.sets_flags || !s.has_imm || s.in_it ||
        (s.alu != image::AluOp::Add && s.alu != image::AluOp::Sub) || s.rd != s.rn || s.rd < 0 || s.rd >= image::kSP ||
        s.writes != reg_bit(s.rd))
      return std::nullopt;
    for (size_t k = size_t(f) + 1; k < i; ++k)
      if (c.insns[k].writes & reg_bit(s.rd)) return std::nullopt;
    return size_t(f);
  }
  // The same for the flags that instruction i (a Bcc, an IT) finds.
  const Insn* compare_before(size_t i) const {
    if (c.targets.count(c.insns[i].addr)) return nullptr;  // a branch may bring other flags
    int f = int(i) - 1;
    while (f >= 0 && !c.insns[size_t(f)].sets_flags && c.insns[size_t(f)].op != Op::Cmp &&
           c.insns[size_t(f)].flow == Flow::Next && !c.targets.count(c.insns[size_t(f) + 1].addr))
      --f;
    const Insn* cmp = f >= 0 && c.insns[size_t(f)].op == Op::Cmp ? &c.insns[size_t(f)] : nullptr;
    for (int k = f + 1; cmp && k < int(i); ++k)
      if (c.insns[size_t(k)].writes & ((cmp->rn >= 0 ? reg_bit(cmp->rn) : 0) | (cmp->rm >= 0 ? reg_bit(cmp->rm) : 0)))
        cmp = nullptr;
    return cmp;
  }

  // Reports every store the flow cannot place; returns how many stores it could not bound (their
  // provenance is still checked).
  size_t check_stores(const std::vector<std::optional<State>>& in,
                      const std::function<void(const Insn&, const std::string&)>& refuse) const {
    const size_t n = c.insns.size();
    // Inside an IT block an instruction runs only when its condition holds: check it in the view
    // where the compare before the IT came out that way, and the block's earlier ones of that
    // condition ran.
    size_t unproven = 0;
    std::optional<State> then_view, else_view;
    image::Cond then_cond = image::Cond::AL;
    for (size_t i = 0; i < n; ++i) {
      const Insn& x = c.insns[i];
      if (!in[i]) continue;
      if (x.op == Op::It) {
        then_view = else_view = *in[i];
        then_cond = x.cond;
        const Insn* cmp = i > 0 && c.insns[i - 1].op == Op::Cmp ? &c.insns[i - 1] : nullptr;
        if (cmp) {
          refine(*cmp, x.cond, true, *then_view);
          refine(*cmp, x.cond, false, *else_view);
        }
        continue;
      }
      State* view = nullptr;
      State plain = *in[i];
      if (x.in_it && then_view) {
        view = x.cond == then_cond ? &*then_view : &*else_view;
      } else {
        then_view.reset();
        else_view.reset();
        view = &plain;
      }
      if (x.is_store()) {
        bool proven = true;
        if (auto why = check(x, *view, proven); !why.empty()) refuse(x, why);
        if (!proven) ++unproven;
      }
      if (x.in_it) {
        Insn unconditional = x;
        unconditional.in_it = false;
        step(unconditional, *view);
      }
    }
    return unproven;
  }
};

}  // namespace gust::audit::detail
