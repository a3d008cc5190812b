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

#include "audit/flow.h"

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
     "the build's wiring resolved for it (the wasm app's calls into its drivers, and no other); in a fused "
     "object, also the start of any function, and the bridge functions, of an instance whose export it is wired to"},
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
     "by compares (CMP then a branch) of it, a copy of it, or a register a constant away from it; in a fused "
     "object, the instance's data is its own and that of each instance whose export it is wired to, no other"},
    {"instance",
     "dissolved code of one object carries one instance's prefix (a fused object: every function the prefix "
     "of one instance of its fused set, whose function it is); with the build's list, no "
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

using namespace detail;

// libgcc's run-time helpers that LLVM calls for what the Cortex-M3 lacks:
// __aeabi_* and the generic __name<digit> family (__udivmoddi4, __clzsi2).
bool is_helper_name(const std::string& n) {
  if (n.rfind("__aeabi_", 0) == 0) return true;
  if (n.size() < 4 || n.rfind("__", 0) != 0 || !isdigit(uint8_t(n.back()))) return false;
  return std::all_of(n.begin() + 2, n.end(), [](char c) { return islower(uint8_t(c)) || isdigit(uint8_t(c)); });
}

struct Auditor {
  const image::Image& img;
  Report& rep;
  std::vector<const image::Symbol*> fns;               // all functions, by address
  std::set<int> dissolved;                             // FILE ids of dissolved objects
  std::optional<uint32_t> trap;                        // gust_trap
  std::set<uint32_t> noreturn;                         // gust_trap, and own functions that only ever reach it
  std::map<std::string, std::set<std::string>> links;  // instance -> other instances' exports it may call
  std::vector<std::set<std::string>> fused;            // instances dissolved together, one set per object
  std::map<int, std::set<std::string>> fused_object;   // FILE id of a fused object -> its instances
  // A fused instance -> itself and the instances of its set whose exports it is wired to: whose code
  // the optimiser may have inlined into its functions, and so whose data and functions they may reach.
  std::map<std::string, std::set<std::string>> reach;

  std::set<std::string> reached(const std::string& inst) const {
    auto it = reach.find(inst);
    return it != reach.end() ? it->second : std::set<std::string>{inst};
  }
  static bool in_namespace(const std::string& symbol, const std::set<std::string>& instances) {
    for (const auto& i : instances)
      if (symbol.rfind(i + "_", 0) == 0) return true;
    return false;
  }

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
      // Its own bridge; in a fused object also the bridges of the instances it is wired to, whose
      // inlined code calls them.
      for (const std::string& r : reached(inst.name))
        if (s->name.rfind(r + "_gust_hal_", 0) == 0) return true;
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
    // A fused object: the prefixes of its global functions are all of one fused set's instances, and
    // each of its functions, local ones too, is the instance's its own prefix names.
    std::set<std::string> prefixes;
    for (const image::Symbol* f : list)
      if (!f->is_local()) prefixes.insert(f->name.substr(0, f->name.find('_')));
    const std::set<std::string>* set = nullptr;
    for (const auto& group : fused)
      if (!prefixes.empty() && std::includes(group.begin(), group.end(), prefixes.begin(), prefixes.end()))
        set = &group;
    if (set) {
      fused_object[id] = *set;
      for (const image::Symbol* f : list) {
        const std::string prefix = f->name.substr(0, f->name.find('_'));
        if (f->name.find('_') == std::string::npos || !set->count(prefix)) {
          rep.violations.push_back({prefix, f->name, "instance", f->addr, "",
                                    "a function of a fused object outside the namespaces of its instances"});
          continue;
        }
        code_of[prefix].push_back(f);
        objects_of[prefix].insert(id);
        instances[prefix].name = prefix;
      }
      continue;
    }
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

  for (const auto& group : fused)
    for (const std::string& i : group) {
      std::set<std::string>& r = reach[i];
      r.insert(i);
      if (auto l = links.find(i); l != links.end())
        for (const std::string& j : group)
          for (const std::string& sym : l->second)
            if (j != i && sym.rfind(j + "_", 0) == 0) r.insert(j);
    }

  for (auto& [name, inst] : instances) {
    const std::set<std::string> reaches = reached(name);
    std::set<uint32_t> own;
    for (const image::Symbol* f : code_of[name]) inst.functions.push_back(f->name);
    for (const std::string& r : reaches)
      for (const image::Symbol* f : code_of[r]) own.insert(f->addr);
    for (const image::Symbol* f : fns)
      if (!f->is_local() && f->name.rfind(name + "_gust_hal_", 0) == 0 && !is_dissolved(f->addr))
        inst.bridge.push_back(f->name);
    // Its data: the objects of its dissolved objects, and its prefixed globals, in writable sections.
    std::vector<DataObject> data;
    for (const auto& s : img.symbols) {
      if (!s.is_object() || s.size == 0 || s.section == 0 || s.section >= img.sections.size()) continue;
      if (!img.sections[s.section].write() || !img.sections[s.section].alloc()) continue;
      // In a fused object the symbol's prefix says whose a local object is, as for a global one.
      const bool mine = s.is_local() && !fused_object.count(s.file_id) ? objects_of[name].count(s.file_id) > 0
                                                                        : in_namespace(s.name, reaches);
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
  Auditor a{img, rep, {}, {}, {}, {}, {}, {}, {}, {}};
  a.links = opts.links;
  a.fused = opts.fused;
  // On its own, gust audit reads the wiring gust build recorded in the image.
  const bool read_links = a.links.empty(), read_fused = a.fused.empty();
  if (read_links || read_fused)
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
        if (sp == std::string::npos || sp == 0 || sp + 1 >= line.size()) continue;
        if (line.substr(0, sp) == kFusedLine) {
          std::set<std::string> group;
          std::istringstream names(line.substr(sp + 1));
          for (std::string n; names >> n;) group.insert(n);
          if (read_fused && !group.empty()) a.fused.push_back(std::move(group));
        } else if (read_links) {
          a.links[line.substr(0, sp)].insert(line.substr(sp + 1));
        }
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
