// The audit's rules over each dissolved instance's decoded code: where its
// branches and calls may go, which indirect branches and stores it may make,
// and that no system instruction appears. The instances are found from the
// image's symbols: every object whose FILE symbol is "gust" is dissolved code.
#include "audit/audit.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cinttypes>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace gust::audit {

using image::Flow;
using image::Insn;
using image::Op;
using image::reg_bit;

const Property kChecked[] = {
    {"code",
     "every byte of dissolved code that can run decodes to an ARMv7-M instruction; control never falls "
     "into a literal pool or off the end of a function"},
    {"system",
     "no system, privileged or hint instruction: MSR, MRS, CPS, SVC, BKPT, WFI, WFE, SEV, UDF, "
     "barriers, DBG, coprocessor (LDREX and STREX, the atomics' loops, are a load and a store: the store rule "
     "holds STREX to the instance's data)"},
    {"direct-branch",
     "every B, B<c>, CBZ, CBNZ lands on an instruction of its own function, or on the start of a "
     "function it may call (a tail call), and so does a BX through a register that holds a constant "
     "on every path"},
    {"direct-call",
     "every BL, and every BLX through a register that holds a constant on every path (ldr rX, =f; "
     "MOVW/MOVT), goes to the start of a function of the same instance, one of its own bridge "
     "functions (<instance>_gust_hal_*), gust_trap, a runtime helper (__aeabi_*, libgcc's __*, "
     "named by a global FUNC symbol of any size), or the start of an export of another instance that "
     "the build's wiring resolved for it (the wasm app's calls into its drivers, and no other)"},
    {"indirect-branch",
     "any other BX/BLX through a register only as gust's call_indirect dispatch (descriptor "
     "loaded, its signature word compared with a constant, made in the sequence or anywhere the "
     "function's data flow finds it on every path, a mismatch branching to a trap, the target "
     "loaded from the same descriptor); TBB/TBH only where the data flow bounds the index (unsigned, "
     "on every path, through copies), the table that bound sizes inside the function and every entry "
     "landing on one of its instructions; returns (BX LR, POP {..., PC}); nothing else writes PC"},
    {"store",
     "every store's address is SP plus a non-negative constant, or a constant address inside the "
     "instance's own writable data, or its linear memory's base plus an offset bounded from both sides "
     "by compares (CMP then a branch) of it, a copy of it, or a register a constant away from it"},
    {"instance",
     "dissolved code of one object carries one instance's prefix; with the build's list, no "
     "dissolved instance the build did not make, and no function named in a built instance's "
     "namespace (<instance>_*, but its bridge's) outside dissolved code"},
};
const size_t kCheckedCount = std::size(kChecked);

const char* const kNotChecked[] = {
    "native code (bridge, boot, app, libgcc) is trusted and not audited",
    "callees are trusted to keep r4-r11 and SP (AAPCS), which the store rule, a constant call target and a "
    "hoisted signature constant assume across calls",
    "a store into the instance's own data at an offset the flow cannot bound (a loop counter checked for "
    "equality) is counted as unbounded, not refused: for those the rule is provenance only",
    "loads are not checked",
    "a loop's stepped registers are related only through the iteration count: a bound that is a sum of two "
    "registers (a check hoisted before the loop, or of dst + i for a store to (base + dst) + i) leaves the store "
    "counted as unbounded (gust build keeps check hoisting off for this)",
    "which function a call_indirect reaches is not checked beyond its signature word",
    "the stack's depth (the SRAM oracle bounds it)",
};
const size_t kNotCheckedCount = std::size(kNotChecked);

std::string Violation::str() const {
  char addr_text[16];
  snprintf(addr_text, sizeof addr_text, "0x%08" PRIx32, addr);
  return "instance " + instance + ", function " + function + ", " + addr_text + ": " + rule + ": " + detail +
         (insn.empty() ? "" : " [" + insn + "]");
}

namespace {

std::string hex(uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

// libgcc's run-time helpers that LLVM calls for what the Cortex-M3 lacks:
// __aeabi_* and the generic __name<digit> family (__udivmoddi4, __clzsi2).
bool is_helper_name(const std::string& n) {
  if (n.rfind("__aeabi_", 0) == 0) return true;
  if (n.size() < 4 || n.rfind("__", 0) != 0 || !isdigit(uint8_t(n.back()))) return false;
  return std::all_of(n.begin() + 2, n.end(), [](char c) { return islower(uint8_t(c)) || isdigit(uint8_t(c)); });
}

// One of an instance's data objects: its memory region, a global, a table.
struct DataObject {
  uint32_t begin, end;
};

struct Auditor {
  const image::Image& img;
  Report& rep;
  std::vector<const image::Symbol*> fns;  // all functions, by address
  std::set<int> dissolved;                // FILE ids of dissolved objects
  std::optional<uint32_t> trap;           // gust_trap
  std::set<uint32_t> noreturn;            // gust_trap, and own functions that only ever reach it
  std::map<std::string, std::set<std::string>> links;  // instance -> other instances' exports it may call

  bool is_dissolved(uint32_t addr) const {
    const image::Piece* p = img.piece_at(addr);
    return p && dissolved.count(p->file_id);
  }

  std::string what_is(uint32_t addr) const {
    for (const image::Symbol* s : img.symbols_at(addr))
      if (s->is_func() && s->size == 0) return hex(addr) + " (" + s->name + ", a function of no size)";
    const image::Symbol* f = img.function_at(addr);
    if (!f) {
      const image::Piece* p = img.piece_at(addr);
      return hex(addr) + (p ? " (not in any function)" : " (outside the image)");
    }
    if (f->addr == addr) return hex(addr) + " (" + f->name + ")";
    return hex(addr) + " (" + f->name + "+" + std::to_string(addr - f->addr) + ", inside it)";
  }

  // A function the instance may call or tail-call: its own, its bridge, gust_trap, a helper. A
  // native function is named by a global FUNC symbol at the target, of any size: libgcc's
  // assembly helpers (__aeabi_uldivmod, __aeabi_ldivmod) have none.
  bool may_call(const Instance& inst, const std::set<uint32_t>& own, uint32_t target) const {
    if (own.count(target)) return true;
    if (trap && target == *trap) return true;
    if (is_dissolved(target)) {
      // Another instance's code: only an export the wiring resolved, at its start.
      auto l = links.find(inst.name);
      if (l == links.end()) return false;
      for (const image::Symbol* s : img.symbols_at(target))
        if (s->is_func() && !s->is_local() && s->addr == target && l->second.count(s->name) &&
            s->name.rfind(inst.name + "_", 0) != 0)
          return true;
      return false;
    }
    const image::Piece* p = img.piece_at(target);
    if (!p || p->kind != image::Mapping::Thumb || is_dissolved(target)) return false;
    for (const image::Symbol* s : img.symbols_at(target)) {
      if (!s->is_func() || s->is_local() || s->section == 0) continue;
      if (s->name.rfind(inst.name + "_gust_hal_", 0) == 0) return true;
      if (is_helper_name(s->name)) return true;
      // A wiring adapter in the bridge (gust_wire_*, which copies a list<u8>
      // between two regions), where the wiring resolved a call to it.
      if (s->name.rfind("gust_wire_", 0) == 0)
        if (auto l = links.find(inst.name); l != links.end() && l->second.count(s->name)) return true;
    }
    return false;
  }

  void run(const Options& opts);
  void check_function(Instance& inst, const image::Symbol& fn, const std::set<uint32_t>& own,
                      const std::vector<DataObject>& data);
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

// Does the block at `addr` call gust_trap before anything else can happen?
bool traps(const Code& c, uint32_t addr, const std::set<uint32_t>& noreturn) {
  if (noreturn.count(addr)) return true;
  auto it = c.at.find(addr);
  if (it == c.at.end()) return false;
  for (size_t i = it->second; i < c.insns.size() && i < it->second + 6; ++i) {
    const Insn& in = c.insns[i];
    if ((in.flow == Flow::Call || in.flow == Flow::Jump) && noreturn.count(*in.target)) return true;
    if (in.flow != Flow::Next || in.is_store() || (in.writes & (reg_bit(image::kSP) | reg_bit(image::kPC))))
      return false;
  }
  return false;
}

// The last instruction in [lo, i) that writes register r, or -1.
int last_def(const Code& c, int lo, int i, int r) {
  for (int k = i - 1; k >= lo; --k)
    if (c.insns[size_t(k)].writes & reg_bit(r)) return k;
  return -1;
}

// The word offset from its base that a load gives register r, if the load is a plain
// word load from [rn, #imm]: LDR, LDRD or LDM without writeback.
std::optional<std::pair<int, int64_t>> loaded_from(const Insn& in, int r) {
  if (in.in_it || in.writeback || in.post_index || in.reg_offset) return std::nullopt;
  if (in.op == Op::Ldr && in.width == 4 && in.rd == r) return std::pair{in.rn, in.imm};
  if (in.op == Op::Ldrd && (in.rd == r || in.ra == r)) return std::pair{in.rn, in.imm + (in.ra == r ? 4 : 0)};
  if (in.op == Op::Ldm && (in.reglist & reg_bit(r))) {
    int64_t off = in.imm;  // LDMDB: the lowest word is below the base
    for (int k = 0; k < r; ++k)
      if (in.reglist & reg_bit(k)) off += 4;
    return std::pair{in.rn, off};
  }
  return std::nullopt;
}

// No branch of the function lands strictly after `first` up to `last`: the sequence cannot be entered halfway.
bool entered_only_at_top(const Code& c, uint32_t first, uint32_t last) {
  auto it = c.targets.upper_bound(first);
  return it == c.targets.end() || *it > last;
}

// What the function's data flow knows register r holds before instruction k runs, if a constant.
using ConstantAt = std::function<std::optional<uint32_t>(size_t k, int r)>;

// The call_indirect dispatch: `bx/blx rT` where rT = [rD, #0], after `cmp rI, <constant>; bne <trap>`
// with rI = [rD, #4] of the same rD, all in one straight-line sequence. The constant is what the
// function's data flow finds in the register on every path (made in the sequence, or hoisted by the
// optimiser into the entry block to serve two dispatches), on either side of the CMP.
std::string check_dispatch(const Code& c, size_t i, const std::set<uint32_t>& trap, const ConstantAt& constant_at) {
  const Insn& bx = c.insns[i];
  if (bx.in_it) return "a conditional indirect branch";
  // The straight line before it: only fall-through instructions and branches to a trap.
  int lo = int(i);
  while (lo > 0 && int(i) - lo < 32) {
    const Insn& p = c.insns[size_t(lo - 1)];
    if (p.flow == Flow::Next || (p.flow == Flow::CondJump && p.target && traps(c, *p.target, trap)))
      --lo;
    else
      break;
  }
  const int tload = last_def(c, lo, int(i), bx.rm);
  if (tload < 0) return "the branch register is not loaded in the sequence before it";
  auto tsrc = loaded_from(c.insns[size_t(tload)], bx.rm);
  if (!tsrc || tsrc->second != 0)
    return "the branch register does not come from word 0 of a descriptor (" + describe(c.insns[size_t(tload)]) + ")";
  const int desc = tsrc->first;
  const int desc_def = last_def(c, lo, tload, desc);
  // The signature check: the last conditional branch before the call, to a trap, on NE after a CMP.
  for (int b = int(i) - 1; b >= lo; --b) {
    const Insn& br = c.insns[size_t(b)];
    if (br.flow != Flow::CondJump) continue;
    if (br.op != Op::Bcc || br.cond != image::Cond::NE) return "the last check before it is not a BNE to a trap";
    int f = b - 1;
    while (f >= lo && !c.insns[size_t(f)].sets_flags && c.insns[size_t(f)].op != Op::Cmp) --f;
    if (f < lo) return "no compare sets the flags of the signature check";
    const Insn& cmp = c.insns[size_t(f)];
    if (cmp.alu != image::AluOp::Cmp || cmp.in_it) return "the signature check is not a CMP";
    // Made anywhere, as long as it is the same constant on every path to the compare: a constant
    // made in the straight line above could still be skipped by a branch that lands below it.
    auto constant = [&](int r) { return constant_at(size_t(f), r).has_value(); };
    int idreg = cmp.rn;
    if (!cmp.has_imm) {
      if (cmp.rm == cmp.rn) return "the signature is not compared with a constant";
      if (constant(cmp.rn) && !constant(cmp.rm) && cmp.shift_amount == 0)
        idreg = cmp.rm;  // CMP is symmetric for NE: `cmp rConst, rWord`
      else if (!constant(cmp.rm))
        return "the signature is not compared with a constant";
    }
    const int iload = last_def(c, lo, f, idreg);
    if (iload < 0) return "the compared signature is not loaded in the sequence";
    auto isrc = loaded_from(c.insns[size_t(iload)], idreg);
    if (!isrc || isrc->first != desc || isrc->second != 4)
      return "the compared word is not word 1 of the descriptor the target comes from";
    if (last_def(c, lo, iload, desc) != desc_def) return "the descriptor register changes between the two loads";
    if (last_def(c, tload + 1, int(i), desc) >= 0 && last_def(c, iload + 1, tload, desc) >= 0)
      return "the descriptor register changes between the two loads";
    const uint32_t first = std::min({c.insns[size_t(tload)].addr, c.insns[size_t(iload)].addr, cmp.addr});
    if (!entered_only_at_top(c, first, bx.addr)) return "a branch lands inside the dispatch sequence";
    return "";
  }
  return "no signature check before it";
}

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

bool numeric(const Value& x) { return x.kind == Value::Const || x.kind == Value::Bounded; }
// The smallest value (numeric) or offset (Pointer) it may have.
uint32_t lo_of(const Value& x) { return x.kind == Value::Const ? x.v : x.lo; }
Value bounded(uint32_t lo, uint32_t hi) { return {Value::Bounded, hi, 0, 0, lo}; }
Value pointer(uint32_t base, uint32_t lo, uint32_t hi) { return {Value::Pointer, hi, base, 0, lo}; }

Value meet_value(const Value& a, const Value& b, bool widen);

// The join of two paths' values; `widen` (a loop that keeps changing) gives up the bounds,
// keeping only what cannot grow: a pointer's object. Copies are copies if they are on both paths.
Value meet(const Value& a, const Value& b, bool widen) {
  Value m = meet_value(a, b, widen);
  m.same = a.same & b.same;
  if (a.rel >= 0 && a.rel == b.rel && a.delta == b.delta) m.rel = a.rel, m.delta = a.delta;
  return m;
}

Value meet_value(const Value& a, const Value& b, bool widen) {
  if (a == b) return a;
  auto based = [](const Value& x) -> std::optional<uint32_t> {
    if (x.kind == Value::Pointer || x.kind == Value::Based) return x.base;
    return std::nullopt;
  };
  if (auto x = based(a), y = based(b); x && y && *x == *y) {
    if (!widen && a.kind == Value::Pointer && b.kind == Value::Pointer)
      return pointer(a.base, std::min(a.lo, b.lo), std::max(a.v, b.v));
    return {Value::Based, 0, *x};
  }
  // A constant address at or above a pointer's object: the pointer's range, stretched to it.
  for (auto [c, p] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    if (c->kind != Value::Const || !based(*p) || c->v < p->base) continue;
    if (!widen && p->kind == Value::Pointer)
      return pointer(p->base, std::min(c->v - p->base, p->lo), std::max(c->v - p->base, p->v));
    return {Value::Based, 0, p->base};
  }
  if (!widen && numeric(a) && numeric(b)) return bounded(std::min(lo_of(a), lo_of(b)), std::max(a.v, b.v));
  return {};
}

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

// ---- induction variables. In a loop entered only at its head, a register whose every write in the
// loop adds a constant, the same sum on every path around it, holds `entry + step*j + offset` before
// each of the loop's instructions on iteration j (from 0), modulo 2^32. A compare of such a register
// with a value the loop does not change, whose failing edge leaves the loop and which every path
// around the loop passes, bounds j: the iteration goes on only while the compare holds, and the
// register moves by `step` each time, so j cannot pass a bound that the entry value and the other
// side give (see jmax()). Every stepped register of the loop is then a range on each instruction:
// the pointer a post-indexed store steps is bounded by the compare of the counter beside it, or
// of the pointer itself.

// A numeric or pointer value as the absolute range it lies in, if it has one.
std::optional<std::pair<int64_t, int64_t>> absolute(const Value& v) {
  if (v.kind == Value::Const) return std::pair{int64_t(v.v), int64_t(v.v)};
  if (v.kind == Value::Bounded) return std::pair{int64_t(v.lo), int64_t(v.v)};
  if (v.kind == Value::Pointer) return std::pair{int64_t(v.base) + v.lo, int64_t(v.base) + v.v};
  return std::nullopt;
}

// What a loop's continuing edge knows of the counter c against the loop-invariant X.
enum class Holds { Ne, Lt, Le, Gt, Ge };

std::optional<Holds> holds_of(image::Cond cond, bool cond_true) {
  using image::Cond;
  switch (cond) {
    case Cond::EQ:
      return cond_true ? std::nullopt : std::optional{Holds::Ne};
    case Cond::NE:
      return cond_true ? std::optional{Holds::Ne} : std::nullopt;
    case Cond::HI:
      return cond_true ? Holds::Gt : Holds::Le;
    case Cond::LS:
      return cond_true ? Holds::Le : Holds::Gt;
    case Cond::CS:
      return cond_true ? Holds::Ge : Holds::Lt;
    case Cond::CC:
      return cond_true ? Holds::Lt : Holds::Ge;
    default:
      return std::nullopt;
  }
}

Holds swapped(Holds h) {
  switch (h) {
    case Holds::Lt:
      return Holds::Gt;
    case Holds::Le:
      return Holds::Ge;
    case Holds::Gt:
      return Holds::Lt;
    case Holds::Ge:
      return Holds::Le;
    default:
      return h;
  }
}

// The largest iteration j on which the loop goes on past the compare, when the counter is
// v0 + step*j there (v0 in [v0l, v0h], no wrap on the iterations that went on) and the
// compare's other side is X in [xl, xh]; nullopt when nothing bounds it (or no iteration goes on).
std::optional<int64_t> jmax(Holds h, int64_t step, int64_t v0l, int64_t v0h, int64_t xl, int64_t xh) {
  constexpr int64_t kWrap = int64_t(1) << 32;
  std::optional<int64_t> j;
  if (step > 0) {
    if (h == Holds::Lt && xh + step <= kWrap && xh > v0l) j = (xh - 1 - v0l) / step;
    if (h == Holds::Le && xh + step < kWrap && xh >= v0l) j = (xh - v0l) / step;
    // Not equal: the counter meets X exactly, at j = X - v0, before it could wrap.
    if (h == Holds::Ne && step == 1 && xl >= v0h) j = xh - v0l - 1;
    if (h == Holds::Ne && step > 1 && v0l == v0h && xl == xh && xl >= v0l && (xl - v0l) % step == 0)
      j = (xl - v0l) / step - 1;
  } else if (step < 0) {
    const int64_t s = -step;
    if (h == Holds::Gt && xl + 1 >= s && v0h > xl) j = (v0h - xl - 1) / s;
    if (h == Holds::Ge && xl >= s && v0h >= xl) j = (v0h - xl) / s;
    if (h == Holds::Ne && s == 1 && v0l >= xh) j = v0h - xl - 1;
    if (h == Holds::Ne && s > 1 && v0l == v0h && xl == xh && v0l >= xl && (v0l - xl) % s == 0) j = (v0l - xl) / s - 1;
  }
  if (j && *j < 0) return std::nullopt;
  return j;
}

// How much instruction x adds to register r (0 when it leaves r alone), or nullopt when it writes r
// otherwise: ADD/SUB rN, #k; a load or store that writes its base back (post- or pre-indexed, LDM/STM!).
std::optional<int64_t> step_of(const Insn& x, int r) {
  const bool call = x.flow == Flow::Call || x.flow == Flow::IndirectCall;
  const bool clobbered = call && (r <= 3 || r == 12 || r == 14);
  if (!(x.writes & reg_bit(r)) && !clobbered) return 0;
  if (x.in_it || clobbered) return std::nullopt;
  if (x.has_imm && (x.alu == image::AluOp::Add || x.alu == image::AluOp::Sub) && x.op != Op::AddSubSp && x.rd == r &&
      x.rn == r && x.writes == reg_bit(r))
    return x.alu == image::AluOp::Add ? x.imm : -x.imm;
  const bool single = x.op == Op::Str || x.op == Op::Strd || x.op == Op::Ldr || x.op == Op::Ldrd;
  if (single && (x.writeback || x.post_index) && x.rn == r && !x.reg_offset && x.rd != r && x.ra != r &&
      (x.is_load() || x.writes == reg_bit(r)))
    return x.imm;
  if ((x.op == Op::Stm || x.op == Op::Ldm) && x.writeback && x.rn == r &&
      !(x.op == Op::Ldm && (x.reglist & reg_bit(r))))
    return (x.imm < 0 ? -4 : 4) * int64_t(std::popcount(x.reglist));
  return std::nullopt;
}

Overrides ValueFlow::induction(const std::vector<std::optional<State>>& in) const {
  const size_t n = c.insns.size();
  std::vector<std::vector<size_t>> succ(n), pred(n);
  for (size_t i = 0; i < n; ++i)
    if (in[i])
      out_edges(in, i, *in[i], [&](size_t k, const State&) {
        succ[i].push_back(k);
        pred[k].push_back(i);
      });
  Overrides out;
  for (size_t h = 0; h < n; ++h) {
    std::vector<size_t> latches;
    for (size_t p : pred[h])
      if (p >= h) latches.push_back(p);
    if (latches.empty()) continue;
    // The loop: what the head reaches and what reaches a latch without passing the head.
    std::vector<bool> from_head(n), body(n);
    std::vector<size_t> work{h};
    while (!work.empty()) {
      const size_t k = work.back();
      work.pop_back();
      if (from_head[k]) continue;
      from_head[k] = true;
      for (size_t s : succ[k]) work.push_back(s);
    }
    body[h] = true;
    work = latches;
    while (!work.empty()) {
      const size_t k = work.back();
      work.pop_back();
      if (body[k] || !from_head[k]) continue;
      body[k] = true;
      for (size_t p : pred[k]) work.push_back(p);
    }
    // Entered only at its head, and what the entering edges bring.
    bool reducible = true;
    std::optional<State> entry;
    auto bring = [&](const State& st) {
      if (!entry) {
        entry = st;
        return;
      }
      for (size_t r = 0; r < 16; ++r) (*entry)[r] = join((*entry)[r], st[r], false);
    };
    for (size_t k = 0; k < n; ++k)
      if (body[k])
        for (size_t p : pred[k])
          if (!body[p] && k != h) reducible = false;
    if (!reducible) continue;
    if (h == 0) {
      State start{};
      start[image::kSP] = {Value::Stack};
      bring(start);
    }
    for (size_t p : pred[h])
      if (!body[p])
        out_edges(in, p, *in[p], [&](size_t k, const State& st) {
          if (k == h) bring(st);
        });
    if (!entry) continue;
    // The stepped registers: each one's offset from its value at the head, before each instruction.
    struct Stepped {
      int64_t step;
      std::vector<std::optional<int64_t>> off;
    };
    std::map<int, Stepped> stepped;
    for (int r = 0; r < image::kSP; ++r) {
      bool written = false;
      for (size_t k = 0; k < n && !written; ++k)
        if (body[k] && step_of(c.insns[k], r) != std::optional<int64_t>(0)) written = true;
      if (!written) continue;
      std::vector<std::optional<int64_t>> off(n);
      std::optional<int64_t> back;
      bool ok = true;
      off[h] = 0;
      work = {h};
      while (ok && !work.empty()) {
        const size_t k = work.back();
        work.pop_back();
        const auto d = step_of(c.insns[k], r);
        if (!d || *d > (1 << 20) || *d < -(1 << 20)) {
          ok = false;
          break;
        }
        const int64_t o = *off[k] + *d;
        for (size_t s : succ[k]) {
          if (!body[s]) continue;
          if (s == h) {
            ok = ok && (!back || *back == o);
            back = o;
          } else if (off[s]) {
            ok = ok && *off[s] == o;
          } else {
            off[s] = o;
            work.push_back(s);
          }
        }
      }
      if (ok && back && *back != 0 && std::abs(*back) < (1 << 20)) stepped[int(r)] = {*back, off};
    }
    if (stepped.empty()) continue;
    // The compares that bound the iteration: the largest j before each instruction.
    std::vector<int64_t> bound(n, INT64_MAX);
    for (size_t e = 0; e < n; ++e) {
      const Insn& x = c.insns[e];
      if (!body[e] || x.flow != Flow::CondJump || x.in_it) continue;
      const bool taken_stays = x.target && c.at.count(*x.target) && body[c.at.at(*x.target)];
      const bool fall_stays = e + 1 < n && body[e + 1];
      if (taken_stays == fall_stays) continue;
      const Insn* cmp = nullptr;
      int a = -1, b = -1;
      std::optional<uint32_t> b_imm;
      size_t at = e;
      if (x.op == Op::Cbz) {
        a = x.rn, b_imm = 0;
      } else if ((cmp = compare_of(e)) && cmp->alu == image::AluOp::Cmp && !cmp->in_it) {
        a = cmp->rn;
        if (cmp->has_imm)
          b_imm = uint32_t(cmp->imm);
        else if (cmp->shift_amount == 0)
          b = cmp->rm;
        at = c.at.at(cmp->addr);
        if (!body[at]) continue;
      } else if (auto f = flag_step_before(e); f && body[*f]) {
        // `subs rC, #k; bne` (or adds, beq): the stepped value tested against zero.
        a = c.insns[*f].rd, b_imm = 0, at = *f + 1;
      } else {
        continue;
      }
      auto h_of = holds_of(x.cond, taken_stays);
      if (!h_of) continue;
      // The counter on one side, the other side the same on every iteration.
      auto invariant = [&](int r) {
        if (r < 0 || r >= image::kSP) return false;
        for (size_t k = 0; k < n; ++k)
          if (body[k] && step_of(c.insns[k], r) != std::optional<int64_t>(0)) return false;
        return true;
      };
      int counter = -1;
      Value other;
      Holds rel = *h_of;
      if (a >= 0 && stepped.count(a) && (b_imm || invariant(b))) {
        counter = a, other = b_imm ? Value{Value::Const, *b_imm} : (*entry)[size_t(b)];
      } else if (!b_imm && b >= 0 && stepped.count(b) && invariant(a)) {
        counter = b, other = (*entry)[size_t(a)], rel = swapped(rel);
      }
      if (counter < 0) continue;
      const Stepped& st = stepped.at(counter);
      auto c0 = absolute((*entry)[size_t(counter)]);
      auto xr = absolute(other);
      if (!c0 || !xr || !st.off[at]) continue;
      const int64_t v0l = c0->first + *st.off[at], v0h = c0->second + *st.off[at];
      if (v0l < 0 || v0h >= (int64_t(1) << 32)) continue;
      auto j = jmax(rel, st.step, v0l, v0h, xr->first, xr->second);
      if (!j) continue;
      // Before the compare on some path of an iteration: one iteration more.
      std::vector<bool> before(n);
      work = {h};
      while (!work.empty()) {
        const size_t k = work.back();
        work.pop_back();
        if (before[k]) continue;
        before[k] = true;
        if (k == e) continue;
        for (size_t s : succ[k])
          if (body[s] && s != h) work.push_back(s);
      }
      bool every_iteration = true;
      for (size_t l : latches)
        if (before[l] && l != e) every_iteration = false;
      if (!every_iteration) continue;
      for (size_t k = 0; k < n; ++k)
        if (body[k]) bound[k] = std::min(bound[k], before[k] ? *j + 1 : *j);
    }
    for (const auto& [r, st] : stepped) {
      auto e = absolute((*entry)[size_t(r)]);
      if (!e) continue;
      for (size_t k = 0; k < n; ++k) {
        if (!body[k] || bound[k] == INT64_MAX || !st.off[k] || bound[k] > (int64_t(1) << 32)) continue;
        const int64_t span = st.step * bound[k];
        const int64_t lo = e->first + *st.off[k] + std::min<int64_t>(0, span),
                      hi = e->second + *st.off[k] + std::max<int64_t>(0, span);
        if (lo < 0 || hi >= (int64_t(1) << 32)) continue;
        const Value& was = (*entry)[size_t(r)];
        const bool in_object = was.kind == Value::Pointer && lo >= int64_t(was.base);
        out[k].push_back({r, in_object ? pointer(was.base, uint32_t(lo - was.base), uint32_t(hi - was.base))
                                       : bounded(uint32_t(lo), uint32_t(hi))});
      }
    }
  }
  return out;
}

// The flow with the loops' stepped registers bounded: solved until the bounds that induction()
// finds in the states are those they were solved with; without that, the plain flow.
std::vector<std::optional<State>> ValueFlow::solve_loops() const {
  std::vector<std::optional<State>> states = solve();
  Overrides known = induction(states);
  for (int round = 0; round < 8 && !known.empty(); ++round) {
    states = solve(known);
    Overrides again = induction(states);
    if (again == known) return states;
    known = std::move(again);
  }
  return known.empty() ? states : solve();
}

// TBB/TBH [pc, rI]: on every path the function's data flow follows to it, rI holds at most
// some N - 1 (unsigned): a CMP and a conditional branch bound it, in the register itself or in
// one it was copied from before the copy; a constant; an AND with a constant. The table's N
// entries lie inside the function, and each lands on one of its instructions. The flow follows
// what the tables found so far say (check_function settles the two together).
std::string check_table_branch(const Code& c, size_t i, const image::Image& img, const std::optional<State>& st,
                               std::vector<uint32_t>& lands) {
  const Insn& tb = c.insns[i];
  if (tb.rn != image::kPC) return "a table branch through a table outside the code";
  if (tb.in_it) return "a conditional table branch";
  if (tb.rm < 0 || tb.rm >= image::kSP) return "a table branch indexed by sp or pc";
  if (!st) return "no path from the function's entry that the audit follows reaches it";
  const Value& x = (*st)[size_t(tb.rm)];
  if (!numeric(x))
    return "the index r" + std::to_string(tb.rm) +
           " is not bounded on every path to it (an unsigned CMP and a conditional branch, on it or on the "
           "register it was copied from)";
  const uint32_t width = tb.width, table = tb.addr + 4;
  const uint64_t n = uint64_t(x.v) + 1, end = table + n * width;
  if (end > uint64_t(c.fn.addr) + c.fn.size)
    return "the index r" + std::to_string(tb.rm) + " is bounded by " + std::to_string(x.v) + ": its table of " +
           std::to_string(n) + " entries runs past the end of the function";
  auto bytes = img.bytes_at(table, uint32_t(n * width));
  if (!bytes) return "its table is not in the image";
  for (uint32_t k = 0; k < n; ++k) {
    const uint32_t e = width == 1 ? (*bytes)[k] : uint32_t((*bytes)[2 * k] | (*bytes)[2 * k + 1] << 8);
    const uint32_t to = table + 2 * e;
    if (!c.at.count(to))
      return "entry " + std::to_string(k) + " of " + std::to_string(n) + " lands on " + hex(to) +
             ", not an instruction of the function";
    lands.push_back(to);
  }
  return "";
}

void Auditor::check_function(Instance& inst, const image::Symbol& fn, const std::set<uint32_t>& own,
                             const std::vector<DataObject>& data) {
  Code c{fn, img.decode(fn), {}, {}, {}};
  auto fail = [&](const Insn* in, const char* rule, const std::string& detail) {
    rep.violations.push_back({inst.name, fn.name, rule, in ? in->addr : fn.addr, in ? describe(*in) : "", detail});
  };
  const image::Piece* entry = img.piece_at(fn.addr);
  if (!entry || entry->kind != image::Mapping::Thumb) return fail(nullptr, "code", "the entry is not Thumb code");
  for (size_t i = 0; i < c.insns.size(); ++i) c.at[c.insns[i].addr] = i;
  for (const Insn& in : c.insns)
    if (in.target && c.inside(*in.target)) c.targets.insert(*in.target);
  // One data flow serves the table branches, the stores, the constant call targets and the
  // dispatch's constant. A table's size comes from the flow's bound on its index, and the flow
  // follows the tables' entries: solve both until the tables the flow's states give are the
  // ones it was solved with, so that every table is checked against every path to it.
  const ValueFlow flow{c, img, data};
  std::vector<size_t> table_branches;
  for (size_t i = 0; i < c.insns.size(); ++i)
    if (c.insns[i].op == Op::Tbb) table_branches.push_back(i);
  const std::set<uint32_t> branch_targets = c.targets;
  std::map<size_t, std::string> table_errors;
  std::vector<std::optional<State>> states;
  for (int round = 0; !c.insns.empty(); ++round) {
    states = flow.solve_loops();
    std::map<size_t, std::vector<uint32_t>> found;
    table_errors.clear();
    for (size_t i : table_branches) {
      std::vector<uint32_t> lands;
      table_errors[i] = check_table_branch(c, i, img, states[i], lands);
      if (table_errors[i].empty()) found[i] = std::move(lands);
    }
    if (found == c.tables) break;
    if (round == 16) {
      for (size_t i : table_branches) table_errors[i] = "the bounds of the function's table branches do not settle";
      break;
    }
    c.tables = std::move(found);
    c.targets = branch_targets;
    for (const auto& [i, lands] : c.tables) c.targets.insert(lands.begin(), lands.end());
  }
  const ConstantAt constant_at = [&](size_t k, int r) -> std::optional<uint32_t> {
    if (k >= states.size() || !states[k] || r < 0 || r >= image::kSP) return std::nullopt;
    const Value& v = (*states[k])[size_t(r)];
    if (v.kind != Value::Const) return std::nullopt;
    return v.v;
  };
  // What can run: the entry, what a branch lands on, and what the instruction before falls onto.
  auto falls_through = [&](const Insn& in) {
    return in.flow == Flow::Next || in.flow == Flow::CondJump ||
           (in.flow == Flow::Call && !noreturn.count(*in.target)) || in.flow == Flow::IndirectCall ||
           (in.in_it && in.flow != Flow::Trap);
  };
  std::vector<bool> live(c.insns.size());
  for (size_t i = 0; i < c.insns.size(); ++i)
    live[i] = i == 0 || c.targets.count(c.insns[i].addr) ||
              (live[i - 1] && falls_through(c.insns[i - 1]) && c.insns[i - 1].next() == c.insns[i].addr);
  inst.instructions += c.insns.size();

  for (size_t i = 0; i < c.insns.size(); ++i) {
    const Insn& in = c.insns[i];
    if (in.op == Op::Undefined) {
      fail(&in, "code", "not an ARMv7-M instruction");
      continue;
    }
    if (in.is_system() || in.op == Op::Coproc) {
      fail(&in, "system", std::string(op_name(in.op)) + " in dissolved code");
      continue;
    }
    switch (in.flow) {
      case Flow::Jump:
      case Flow::CondJump:
        if (c.inside(*in.target)) {
          if (!c.at.count(*in.target))
            fail(&in, "direct-branch", "lands on " + what_is(*in.target) + ", not on an instruction boundary");
        } else if (!may_call(inst, own, *in.target)) {
          fail(&in, "direct-branch", "leaves the function for " + what_is(*in.target));
        }
        break;
      case Flow::Call:
        ++inst.calls;
        if (!may_call(inst, own, *in.target)) fail(&in, "direct-call", "calls " + what_is(*in.target));
        break;
      case Flow::IndirectCall:
      case Flow::IndirectJump: {
        std::string why;
        if ((in.op == Op::Bx || in.op == Op::BlxReg) && constant_at(i, in.rm)) {
          // `ldr rX, =f; blx rX` (LLVM's repeated calls at minsize), `mov rY, rX; bx rY` (a tail
          // call): a call whose target is known, held to the rules of BL and B.
          const uint32_t v = *constant_at(i, in.rm), to = v & ~1u;
          const bool call = in.op == Op::BlxReg;
          const std::string through = " through r" + std::to_string(in.rm) + ", which holds the constant " + hex(v);
          ++inst.calls;
          if (!(v & 1))
            fail(&in, call ? "direct-call" : "direct-branch", "goes" + through + ", not a Thumb address");
          else if (!may_call(inst, own, to))
            fail(&in, call ? "direct-call" : "direct-branch",
                 (call ? "calls " : "leaves for ") + what_is(to) + through);
          break;
        }
        if (in.op == Op::Bx || in.op == Op::BlxReg) {
          why = check_dispatch(c, i, noreturn, constant_at);
          ++inst.dispatches;
        } else if (in.op == Op::Tbb) {
          why = table_errors[i];
          ++inst.table_branches;
        } else {
          why = "writes PC";
        }
        if (!why.empty()) fail(&in, "indirect-branch", "outside the dispatch sequence: " + why);
        break;
      }
      default:
        break;
    }
    // What runs and falls through must fall onto the next instruction of the function.
    const bool next_ok = i + 1 < c.insns.size() && c.insns[i + 1].addr == in.next();
    if (live[i] && falls_through(in) && !next_ok)
      fail(&in, "code", c.inside(in.next()) ? "falls through into data" : "falls off the end of the function");
    if (in.is_store()) ++inst.stores;
  }
  if (c.insns.empty()) return;
  inst.unbounded_stores +=
      flow.check_stores(states, [&](const Insn& in, const std::string& why) { fail(&in, "store", why); });
}

void Auditor::run(const Options& opts) {
  fns = img.functions();
  if (const image::Symbol* t = img.find("gust_trap"); t && t->is_func()) trap = t->addr;
  for (const auto& p : img.pieces)
    if (p.file == "gust") dissolved.insert(p.file_id);
  for (const auto& s : img.symbols)
    if (s.file == "gust") dissolved.insert(s.file_id);

  // Each dissolved object's functions, and the instance its global names say.
  std::map<int, std::vector<const image::Symbol*>> by_object;
  for (const image::Symbol* f : fns) {
    const image::Piece* p = img.piece_at(f->addr);
    if (p && dissolved.count(p->file_id))
      by_object[p->file_id].push_back(f);
    else if (f->is_local() && dissolved.count(f->file_id))
      by_object[f->file_id].push_back(f);
  }
  std::map<std::string, Instance> instances;
  std::map<std::string, std::vector<const image::Symbol*>> code_of;
  std::map<std::string, std::set<int>> objects_of;
  for (const auto& [id, list] : by_object) {
    std::string name;
    for (const image::Symbol* f : list) {
      if (f->is_local()) continue;
      const std::string prefix = f->name.substr(0, f->name.find('_'));
      if (name.empty()) {
        name = prefix;
      } else if (prefix != name || f->name.find('_') == std::string::npos) {
        rep.violations.push_back(
            {name, f->name, "instance", f->addr, "",
             "one dissolved object defines functions of two instances ('" + name + "' and '" + prefix + "')"});
      }
    }
    if (name.empty()) name = "object" + std::to_string(id);
    for (const image::Symbol* f : list) code_of[name].push_back(f);
    objects_of[name].insert(id);
    instances[name].name = name;
  }
  if (!opts.expect.empty()) {
    for (const auto& [name, inst] : instances)
      if (std::find(opts.expect.begin(), opts.expect.end(), name) == opts.expect.end())
        rep.violations.push_back({name, "", "instance", 0, "", "dissolved code of an instance the build did not make"});
    // A built instance's namespace holds its dissolved code and its bridge, nothing else: a function
    // there outside every dissolved object (one whose FILE symbol the dissolver lost, say) would be
    // called as the instance's and go unaudited.
    for (const std::string& name : opts.expect)
      for (const auto& s : img.symbols)
        if (s.is_func() && !s.is_local() && s.section != 0 && s.name.rfind(name + "_", 0) == 0 &&
            s.name.rfind(name + "_gust_hal_", 0) != 0 && !is_dissolved(s.addr))
          rep.violations.push_back({name, s.name, "instance", s.addr, "",
                                    "a function of instance " + name +
                                        "'s namespace outside its dissolved code (no FILE symbol \"gust\"), so not "
                                        "audited"});
  }

  for (auto& [name, inst] : instances) {
    std::set<uint32_t> own;
    for (const image::Symbol* f : code_of[name]) {
      own.insert(f->addr);
      inst.functions.push_back(f->name);
    }
    for (const image::Symbol* f : fns)
      if (!f->is_local() && f->name.rfind(name + "_gust_hal_", 0) == 0 && !is_dissolved(f->addr))
        inst.bridge.push_back(f->name);
    // Its data: the objects of its dissolved objects, and its prefixed globals, in writable sections.
    std::vector<DataObject> data;
    for (const auto& s : img.symbols) {
      if (!s.is_object() || s.size == 0 || s.section == 0 || s.section >= img.sections.size()) continue;
      if (!img.sections[s.section].write() || !img.sections[s.section].alloc()) continue;
      const bool mine = s.is_local() ? objects_of[name].count(s.file_id) > 0 : s.name.rfind(name + "_", 0) == 0;
      if (mine) data.push_back({s.addr, s.addr + s.size});
    }
    // Own functions that never return (the machine outliner's `movs r0, #N; b.w gust_trap`).
    noreturn.clear();
    if (trap) noreturn.insert(*trap);
    for (bool grew = true; grew;) {
      grew = false;
      for (const image::Symbol* f : code_of[name]) {
        if (noreturn.count(f->addr)) continue;
        bool returns = false;
        auto code = img.decode(*f);
        for (const Insn& in : code) {
          const bool leaves = in.target && (*in.target < f->addr || *in.target - f->addr >= f->size);
          if (in.flow == Flow::Return || in.flow == Flow::IndirectJump || in.flow == Flow::IndirectCall ||
              (leaves && (in.flow == Flow::Jump || in.flow == Flow::CondJump) && !noreturn.count(*in.target)))
            returns = true;
        }
        if (!returns && !code.empty() && (code.back().flow == Flow::Jump || code.back().flow == Flow::Call)) {
          noreturn.insert(f->addr);
          grew = true;
        }
      }
    }
    for (const image::Symbol* f : code_of[name]) check_function(inst, *f, own, data);
    rep.instances.push_back(inst);
  }
}

}  // namespace

Result<Report> audit(const image::Image& img, const Options& opts) {
  Report rep;
  rep.image = img.where;
  Auditor a{img, rep, {}, {}, {}, {}, {}};
  a.links = opts.links;
  // On its own, gust audit reads the wiring gust build recorded in the image.
  if (a.links.empty())
    if (const image::Section* sec = img.section(kLinksSection);
        sec && !sec->alloc() && !sec->nobits() && uint64_t(sec->offset) + sec->size <= img.bytes.size()) {
      const std::string text(img.bytes.begin() + sec->offset, img.bytes.begin() + sec->offset + sec->size);
      size_t at = 0;
      while (at < text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        const size_t sp = line.find(' ');
        if (sp != std::string::npos && sp > 0 && sp + 1 < line.size())
          a.links[line.substr(0, sp)].insert(line.substr(sp + 1));
      }
    }
  a.run(opts);
  return rep;
}

Result<Report> audit_file(const fs::path& elf, const Options& opts) {
  auto img = image::read_elf(elf);
  if (!img) return img.error();
  return audit(*img, opts);
}

nlohmann::json Report::json() const {
  nlohmann::json j;
  j["image"] = image;
  j["ok"] = ok();
  j["checked"] = nlohmann::json::array();
  for (size_t i = 0; i < kCheckedCount; ++i)
    j["checked"].push_back({{"rule", kChecked[i].rule}, {"what", kChecked[i].what}});
  j["not_checked"] = nlohmann::json::array();
  for (size_t i = 0; i < kNotCheckedCount; ++i) j["not_checked"].push_back(kNotChecked[i]);
  j["instances"] = nlohmann::json::array();
  for (const auto& in : instances)
    j["instances"].push_back({{"name", in.name},
                              {"functions", in.functions},
                              {"bridge", in.bridge},
                              {"instructions", in.instructions},
                              {"calls", in.calls},
                              {"dispatches", in.dispatches},
                              {"table_branches", in.table_branches},
                              {"stores", in.stores},
                              {"stores_unbounded", in.unbounded_stores}});
  j["violations"] = nlohmann::json::array();
  for (const auto& v : violations)
    j["violations"].push_back({{"instance", v.instance},
                               {"function", v.function},
                               {"address", v.addr},
                               {"instruction", v.insn},
                               {"rule", v.rule},
                               {"detail", v.detail}});
  return j;
}

std::string Report::text() const {
  std::ostringstream s;
  s << "audit " << image << ": " << (ok() ? "passed" : "REFUSED") << "\n";
  for (const auto& in : instances)
    s << "  instance " << in.name << ": " << in.functions.size() << " functions, " << in.instructions
      << " instructions, " << in.calls << " calls, " << in.dispatches << " indirect dispatches, " << in.table_branches
      << " table branches, " << in.stores << " stores (" << in.unbounded_stores
      << " of them own data at an offset not bounded here)\n";
  s << "  checked:";
  for (size_t i = 0; i < kCheckedCount; ++i) s << " " << kChecked[i].rule;
  s << "\n";
  for (const auto& v : violations) s << "  " << v.str() << "\n";
  return s.str();
}

}  // namespace gust::audit
