// The stack half of the SRAM oracle: the worst-case stack depth of a linked
// image, read from its own instructions. A function's frame is the deepest its
// SP goes along its control flow (PUSH, SUB sp, STR/STRD/STM with SP
// writeback); call edges come from every BL and every branch that leaves the
// function, and from BLX/BX through a register whose value the code loaded as
// a constant; any other indirect call or jump may reach every function whose
// address the image holds (literal pools, data, MOVW/MOVT, ADR). Roots are the
// vector table's reset handler (the thread) and its exception handlers, nested
// by preemption level, each level adding the exception frame and its STKALIGN
// pad. The same walk refuses code that writes interrupt priorities outside the
// generated set-up, so that the levels the oracle assumes are the only ones.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <set>
#include <unordered_map>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "image/elf.h"

namespace gust::compose {

namespace {

using image::AluOp;
using image::Cond;
using image::Flow;
using image::Insn;
using image::Op;

constexpr int kSP = image::kSP, kLR = image::kLR, kPC = image::kPC;

constexpr uint32_t kNvicIpr = 0xE000E400;
constexpr uint32_t kAircr = 0xE000ED0C, kPrigroup = 7u << 8;
constexpr uint32_t kSysmBasepri = 17, kSysmBasepriMax = 18;  // MSR's SYSm for BASEPRI, BASEPRI_MAX

// Exception numbers of the vector table (ARMv7-M B1.5.2).
constexpr uint32_t kNmi = 2, kHardFault = 3, kFirstIrq = 16;

std::string hex(uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

// UDF (16-bit 0xDExx, 32-bit 0xF7Fx 0xAxxx): a deliberate trap, where a path ends.
bool is_udf(const Insn& in) {
  if (!in.is32()) return (in.raw & 0xFF00) == 0xDE00;
  return (in.raw >> 16 & 0xFFF0) == 0xF7F0 && (in.raw & 0xF000) == 0xA000;
}

// A function of the image: its code range and its decoded instructions.
struct Function {
  std::string name;  // a global before a weak alias
  std::vector<std::string> names;
  uint32_t begin = 0, end = 0;
  std::string component;
  bool dissolved = false;  // a driver instance's code
  std::vector<Insn> code;
  std::unordered_map<uint32_t, size_t> at;  // instruction address -> index in code
};

// What the code knows of each register: a constant, or bits known to be 0;
// and whether LR still holds the return address.
struct Regs {
  uint16_t known = 0;
  std::array<uint32_t, 16> value{};
  std::array<uint32_t, 16> zeros{};  // bits known to be 0 (all of ~value for a constant)
  bool lr_moved = false;
  std::optional<uint32_t> get(int r) const {
    if (r < 0 || r > 15 || !(known >> r & 1)) return std::nullopt;
    return value[size_t(r)];
  }
  void set(int r, uint32_t v) {
    known |= uint16_t(1u << r);
    value[size_t(r)] = v;
    zeros[size_t(r)] = ~v;
  }
  void forget(uint16_t mask) {
    known &= uint16_t(~mask);
    for (int r = 0; r < 16; ++r)
      if (mask >> r & 1) zeros[size_t(r)] = 0;
  }
  // Keeps what both agree on; true when this changed.
  bool merge(const Regs& o) {
    uint16_t keep = known & o.known;
    for (int r = 0; r < 16; ++r)
      if ((keep >> r & 1) && value[size_t(r)] != o.value[size_t(r)]) keep &= uint16_t(~(1u << r));
    bool changed = keep != known || (o.lr_moved && !lr_moved);
    for (size_t r = 0; r < 16; ++r) {
      changed = changed || (zeros[r] & ~o.zeros[r]);
      zeros[r] &= o.zeros[r];
    }
    known = keep;
    lr_moved = lr_moved || o.lr_moved;
    return changed;
  }
};

// A call or a tail transfer out of a unit, made with `depth` bytes of the
// unit's own on the stack.
struct Edge {
  bool tail = false;
  uint32_t site = 0;
  int64_t depth = 0;
  std::optional<uint32_t> target;  // none: indirect, to any address-taken entry
  std::optional<uint32_t> sig;     // an indirect call_indirect dispatch: its signature object's address
};

// The stack behaviour of the code entered at `entry`.
struct Unit {
  uint32_t entry = 0;
  const Function* fn = nullptr;
  int64_t frame = 0;  // the deepest SP below the entry's, in the function's own code
  std::vector<Edge> edges;
  std::string failure;                           // why its stack cannot be bounded
  bool setup_first = false;                      // every call it makes comes after a call to the priority set-up
  bool returns = false;                          // some path reaches a return
  std::map<uint32_t, uint32_t> priority_writes;  // the set-up's byte stores: address -> value
};

// One step of a worst path: a function and the bytes it adds.
struct Step {
  std::string name, component;
  int64_t bytes = 0;
};
struct Depth {
  std::optional<int64_t> bytes;  // none: unbounded
  std::vector<Step> path;
};

class Oracle {
 public:
  Oracle(const image::Image& img, const StackInput& in, const Chip& chip) : img_(img), in_(in), chip_(chip) {}
  Result<StackReport> run();

 private:
  void collect_functions();
  std::string component_at(uint32_t addr) const;
  bool dissolved_at(uint32_t addr) const;
  const Function* function_for(uint32_t addr) const;
  void take_address(uint32_t value);
  void scan_data();
  std::optional<uint32_t> dispatch_signature(const Function& fn, size_t i, const std::set<uint32_t>& entered,
                                             const std::function<std::optional<Regs>(uint32_t)>& regs_at) const;
  Unit walk(const Function& fn, uint32_t entry);
  void walk_all();
  bool bound_names(const std::string& key, const Function& f) const;
  std::optional<std::pair<std::string, uint64_t>> bound_for(const Function& f) const;
  Result<void> check_bounds() const;
  std::set<uint32_t> never_returning() const;
  void apply(const Insn& in, Regs& r) const;
  void check_priority_access(const Function& fn, const Insn& in, const Regs& before, const Regs& after, Unit& u);
  std::string name_of(uint32_t entry) const;
  Depth worst(uint32_t entry);
  void unbounded(const std::string& why);
  std::string advice(const std::vector<uint32_t>& entries, bool cycle) const;
  Result<void> check_setup();
  bool is_setup(const Function& fn) const;

  const image::Image& img_;
  const StackInput& in_;
  const Chip& chip_;
  std::vector<Function> fns_;                      // sorted by begin
  std::set<uint32_t> taken_;                       // address-taken entries
  std::set<uint32_t> sigs_;                        // the dissolver's signature objects (gust_sig_*)
  std::map<uint32_t, std::set<uint32_t>> by_sig_;  // signature object -> the functions of its descriptors
  std::map<uint32_t, Unit> units_;
  std::set<uint32_t> noreturn_;       // entries from which no path returns
  std::set<std::string> violations_;  // priority-register writes outside the set-up
  uint32_t vectors_end_ = 0;

  std::map<uint32_t, Depth> memo_;
  std::vector<uint32_t> on_path_;
  std::vector<std::string> unbounded_;
};

void Oracle::collect_functions() {
  // Every defined FUNC symbol, one per address. A symbol of size 0 (libgcc's
  // assembly helpers, __aeabi_uldivmod among them) runs to the next function
  // or to the end of its code.
  std::map<uint32_t, std::vector<const image::Symbol*>> by_addr;
  for (const auto& s : img_.symbols)
    if (s.is_func() && s.section != 0 && s.section < 0xFF00) by_addr[s.addr].push_back(&s);
  for (auto it = by_addr.begin(); it != by_addr.end(); ++it) {
    auto& syms = it->second;
    std::stable_sort(syms.begin(), syms.end(),
                     [](const image::Symbol* a, const image::Symbol* b) { return a->bind == 1 && b->bind != 1; });
    Function f;
    f.begin = it->first;
    uint32_t size = 0;
    for (const auto* s : syms) {
      f.names.push_back(s->name);
      size = std::max(size, s->size);
    }
    f.name = f.names.front();
    if (size == 0) {
      auto next = std::next(it);
      const image::Piece* p = img_.piece_at(f.begin);
      uint32_t end = p ? p->end : f.begin;
      if (next != by_addr.end()) end = std::min(end, next->first);
      size = end - f.begin;
    }
    f.end = f.begin + size;
    f.component = component_at(f.begin);
    f.dissolved = dissolved_at(f.begin);
    image::Symbol sym = *syms.front();
    sym.size = size;
    f.code = img_.decode(sym);
    for (size_t i = 0; i < f.code.size(); ++i) f.at[f.code[i].addr] = i;
    fns_.push_back(std::move(f));
  }
}

std::string Oracle::component_at(uint32_t addr) const {
  for (const auto& o : in_.owners)
    if (addr >= o.begin && addr < o.end) return o.component;
  return "other";
}

bool Oracle::dissolved_at(uint32_t addr) const {
  for (const auto& o : in_.owners)
    if (addr >= o.begin && addr < o.end) return o.dissolved;
  return false;
}

// The function entered at addr: one that begins there, else the innermost
// one that holds it (libgcc's helpers overlap: __aeabi_frsub runs into
// __aeabi_fsub).
const Function* Oracle::function_for(uint32_t addr) const {
  auto it = std::upper_bound(fns_.begin(), fns_.end(), addr, [](uint32_t a, const Function& f) { return a < f.begin; });
  while (it != fns_.begin()) {
    --it;
    if (addr < it->end) return &*it;
  }
  return nullptr;
}

// A constant the image holds that may be a code address: the Thumb address
// of any instruction, or the plain address of a function's start.
void Oracle::take_address(uint32_t value) {
  const uint32_t addr = value & ~1u;
  const Function* f = function_for(addr);
  if (!f || !f->at.count(addr)) return;
  if ((value & 1) || addr == f->begin) taken_.insert(addr);
}

// Every word of data the image holds (literal pools, .rodata, .data's
// initial values) at every byte offset; the vector table is the hardware's
// and gives the roots instead.
void Oracle::scan_data() {
  for (const auto& sym : img_.symbols)
    if (sym.is_object() && sym.name.rfind(dissolve::kSignaturePrefix, 0) == 0) sigs_.insert(sym.addr);
  for (const auto& p : img_.pieces) {
    if (p.kind != image::Mapping::Data || p.end - p.begin < 4) continue;
    for (uint32_t a = p.begin; a + 4 <= p.end; ++a) {
      if (a >= chip_.flash_origin && a < vectors_end_) continue;
      auto w = img_.read32(a);
      if (!w) break;  // no contents (.bss)
      take_address(*w);
      // A call_indirect descriptor: {the function's Thumb address, its
      // signature object}. Every such pair the image holds, wherever it lies.
      if (auto sig = img_.read32(a + 4); sig && sigs_.count(*sig) && (*w & 1))
        if (const Function* f = function_for(*w & ~1u); f && f->at.count(*w & ~1u)) by_sig_[*sig].insert(*w & ~1u);
      if (a % 4 == 0 && priority_register(*w, 1)) {
        const Function* f = function_for(a);
        if (!f || !is_setup(*f))
          violations_.insert("the word at " + hex(a) + (f ? " (in " + f->name + ")" : "") + " holds " + hex(*w) +
                             ", an address of " + priority_register(*w, 1));
      }
    }
  }
}

bool Oracle::is_setup(const Function& fn) const {
  return std::find(fn.names.begin(), fn.names.end(), kPrioritySetup) != fn.names.end();
}

// What an instruction leaves in the registers, as far as constants go.
void Oracle::apply(const Insn& in, Regs& r) const {
  std::optional<uint32_t> v;
  switch (in.op) {
    case Op::LdrLit:
      if (in.literal) v = img_.read32(*in.literal);
      break;
    case Op::Movw:
      v = uint32_t(in.imm);
      break;
    case Op::Movt:
      if (auto lo = r.get(in.rd)) v = (*lo & 0xFFFF) | uint32_t(in.imm) << 16;
      break;
    case Op::Adr:
      v = in.literal;
      break;
    case Op::Mov:
      if (in.has_imm && in.alu == AluOp::Mov)
        v = uint32_t(in.imm);
      else if (in.has_imm && in.alu == AluOp::Mvn)
        v = ~uint32_t(in.imm);
      else if (!in.has_imm && in.alu == AluOp::Mov && in.shift_amount == 0)
        v = r.get(in.rm);
      break;
    case Op::Alu:
      if (auto base = r.get(in.rn); base && in.has_imm && in.alu == AluOp::Add) v = *base + uint32_t(in.imm);
      if (auto base = r.get(in.rn); base && in.has_imm && in.alu == AluOp::Sub) v = *base - uint32_t(in.imm);
      break;
    default:
      break;
  }
  // Bits known to be 0, through AND, ORR, BIC and moves: enough to see that
  // an AIRCR write keeps PRIGROUP. A word read from AIRCR has PRIGROUP 0,
  // since no code may set it otherwise (the writes are checked here too).
  uint32_t zeros = 0;
  auto zeros_of = [&](int reg) { return reg >= 0 && reg < 16 ? r.zeros[size_t(reg)] : 0u; };
  const bool plain = !in.has_imm && in.shift_amount == 0;
  if (in.op == Op::Ldr && !in.reg_offset && in.width == 4)
    if (auto base = r.get(in.rn); base && *base + uint32_t(in.post_index ? 0 : in.imm) == kAircr) zeros = kPrigroup;
  if (in.op == Op::Alu && in.alu == AluOp::And)
    zeros = in.has_imm ? zeros_of(in.rn) | ~uint32_t(in.imm) : plain ? zeros_of(in.rn) | zeros_of(in.rm) : 0;
  if (in.op == Op::Alu && in.alu == AluOp::Orr)
    zeros = in.has_imm ? zeros_of(in.rn) & ~uint32_t(in.imm) : plain ? zeros_of(in.rn) & zeros_of(in.rm) : 0;
  if (in.op == Op::Alu && in.alu == AluOp::Bic && in.has_imm) zeros = zeros_of(in.rn) | uint32_t(in.imm);
  if (in.op == Op::Mov && in.alu == AluOp::Mov && plain) zeros = zeros_of(in.rm);
  uint16_t writes = in.writes;
  if (in.op == Op::Bl || in.op == Op::BlxReg) writes |= 0xFFFF & ~(1u << kSP);  // a call may change any register
  r.forget(writes);
  if (v && in.rd >= 0 && in.rd < 15 && in.rd != kSP) r.set(in.rd, *v);
  if (!v && in.rd >= 0 && in.rd < 15 && in.rd != kSP && (writes >> in.rd & 1)) r.zeros[size_t(in.rd)] = zeros;
  if (writes & (1u << kLR)) {
    // LR is the return address again only when restored from the stack.
    const bool restore =
        (in.op == Op::Pop && (in.reglist >> kLR & 1)) || (in.op == Op::Ldr && in.rn == kSP && in.rd == kLR);
    r.lr_moved = !restore;
  }
}

// A store into the priority registers, an address of one made in a
// register, or an MSR to BASEPRI, outside the set-up, is refused; the set-up's
// own byte stores are recorded for check_setup.
void Oracle::check_priority_access(const Function& fn, const Insn& in, const Regs& before, const Regs& after, Unit& u) {
  const bool setup = is_setup(fn);
  auto refuse = [&](const std::string& what) {
    violations_.insert(fn.name + " " + what + " (" + image::describe(in) + ")");
  };
  if (in.op == Op::Msr) {
    const uint32_t sysm = in.raw & 0xFF;
    if (sysm == kSysmBasepri || sysm == kSysmBasepriMax) refuse("writes BASEPRI");
    return;
  }
  if (!setup)
    for (int r = 0; r < 15; ++r)
      if ((in.writes >> r & 1) && after.get(r))
        if (const char* reg = priority_register(*after.get(r), 1))
          refuse("makes the address " + hex(*after.get(r)) + " of " + reg);
  if (!in.is_store() || in.op == Op::Push) return;
  auto base = before.get(in.rn);
  if (!base) return;
  uint64_t addr = *base, n = in.width ? in.width : 4;
  if (in.op == Op::Stm) {
    const uint64_t bytes = 4u * uint64_t(__builtin_popcount(in.reglist));
    addr = *base >= bytes ? *base - bytes : 0;  // STMDB or STMIA: both sides of the base
    n = 2 * bytes;
  } else if (in.reg_offset) {
    auto index = before.get(in.rm);
    if (!index) return;
    addr += uint64_t(*index) << in.shift_amount;
  } else if (!in.post_index) {
    addr += uint64_t(int64_t(in.imm));
  }
  addr &= 0xFFFFFFFFu;
  const char* reg = priority_register(addr, n);
  if (!reg) return;
  auto value = before.get(in.rd);
  // AIRCR also requests a reset (SYSRESETREQ, the reset trap policy): a word
  // write is harmless to the nesting when its value keeps PRIGROUP at 0,
  // whichever function makes it.
  if (addr == kAircr && n == 4 && in.op == Op::Str && !in.in_it &&
      (before.zeros[size_t(in.rd)] & kPrigroup) == kPrigroup)
    return;
  if (!setup) return refuse("writes " + std::string(reg) + " at " + hex(uint32_t(addr)));
  if (in.op != Op::Str || n != 1 || !value || in.in_it)
    return refuse("writes " + std::string(reg) + " in a way the oracle cannot check; the set-up stores constant bytes");
  u.priority_writes[uint32_t(addr)] = *value & 0xFF;
}

// Walks the code entered at `entry` with the SP offset each instruction runs
// at, which must be the same on every path that reaches it.
Unit Oracle::walk(const Function& fn, uint32_t entry) {
  Unit u;
  u.entry = entry;
  u.fn = &fn;
  struct State {
    int64_t depth = 0;
    Regs regs;
    bool setup_done = false;  // the priority set-up has been called on every path here
  };
  std::unordered_map<uint32_t, State> seen;
  std::set<uint32_t> entered = {entry};  // where control arrives other than by falling through
  std::vector<uint32_t> work;
  const bool tracks_setup = !in_.priorities.empty();
  bool setup_first = true;
  auto fail = [&](const Insn& in, const std::string& why) {
    if (u.failure.empty()) u.failure = fn.name + ": " + why + " (" + image::describe(in) + ")";
  };
  auto to = [&](const Insn& from, uint32_t target, int64_t depth, const Regs& regs, bool setup_done) {
    if (target >= fn.begin && target < fn.end) {
      if (!fn.at.count(target)) return fail(from, "control reaches " + hex(target) + ", which is not an instruction");
      if (target != from.next()) entered.insert(target);
      auto [it, fresh] = seen.try_emplace(target, State{depth, regs, setup_done});
      if (fresh) return work.push_back(target);
      if (it->second.depth != depth)
        return fail(from, "the SP differs where paths join at " + hex(target) + " (" +
                              std::to_string(it->second.depth) + " and " + std::to_string(depth) + " bytes)");
      bool changed = it->second.regs.merge(regs);
      if (it->second.setup_done && !setup_done) {
        it->second.setup_done = false;
        changed = true;
      }
      if (changed) work.push_back(target);
      return;
    }
    u.edges.push_back({true, from.addr, depth, target, std::nullopt});
    if (!setup_done) setup_first = false;
  };
  if (!fn.at.count(entry)) {
    u.failure = fn.name + ": entered at " + hex(entry) + ", which is not an instruction";
    return u;
  }
  seen[entry] = State{};
  work.push_back(entry);
  while (!work.empty() && u.failure.empty()) {
    const uint32_t addr = work.back();
    work.pop_back();
    const State s = seen.at(addr);
    const Insn& in = fn.code[fn.at.at(addr)];
    const bool maybe = in.in_it && in.cond != Cond::AL;  // conditional inside an IT block
    if (in.op == Op::Undefined) {
      if (!is_udf(in)) fail(in, "an instruction the oracle cannot decode");
      continue;  // UDF traps: the path ends (the fault handler is counted as its own level)
    }
    if (in.sp_unknown) {
      fail(in, "the SP changes by an amount not known from the code");
      continue;
    }
    if (maybe && in.sp_delta != 0 && in.flow != Flow::Return) {
      fail(in, "the SP changes only on one side of a condition");
      continue;
    }
    const int64_t depth = s.depth - in.sp_delta;
    u.frame = std::max({u.frame, s.depth, depth});
    Regs after = s.regs;
    apply(in, after);
    if (in.op == Op::Movw || in.op == Op::Movt || in.op == Op::Adr)
      if (auto v = after.get(in.rd)) take_address(*v);
    check_priority_access(fn, in, s.regs, after, u);
    bool setup_done = s.setup_done;
    if (maybe && in.flow != Flow::CondJump) to(in, in.next(), s.depth, s.regs, s.setup_done);  // not executed
    auto call = [&](std::optional<uint32_t> target) {
      const bool is_setup_call = target && function_for(*target) && is_setup(*function_for(*target));
      if (!is_setup_call && !setup_done) setup_first = false;
      u.edges.push_back({false, in.addr, s.depth, target, std::nullopt});
      setup_done = setup_done || is_setup_call;
      // After a call that never returns (gust_trap) come padding and pools.
      if (!target || !noreturn_.count(*target)) to(in, in.next(), depth, after, setup_done);
    };
    switch (in.flow) {
      case Flow::Next:
        to(in, in.next(), depth, after, setup_done);
        break;
      case Flow::Jump:
        to(in, *in.target, depth, after, setup_done);
        break;
      case Flow::CondJump:
        to(in, *in.target, depth, after, setup_done);
        to(in, in.next(), depth, after, setup_done);
        break;
      case Flow::Call:
        call(in.target);
        break;
      case Flow::IndirectCall: {
        auto v = s.regs.get(in.rm);
        if (v && !(*v & 1)) {  // BLX to an even address faults (no ARM state): the path ends
          if (!setup_done) setup_first = false;
          break;
        }
        call(v ? std::optional<uint32_t>(*v & ~1u) : std::nullopt);
        break;
      }
      case Flow::IndirectJump:
        if (in.op == Op::Tbb) {
          // TBB/TBH [pc, rm]: the table follows the instruction, as data.
          const bool half = in.raw & 0x10;
          const uint32_t base = in.next();
          const image::Piece* p = img_.piece_at(base);
          if (in.rn != kPC || !p || p->kind != image::Mapping::Data) {
            fail(in, "a table branch whose table the oracle cannot find");
            break;
          }
          for (uint32_t e = base; e + (half ? 2 : 1) <= p->end; e += half ? 2 : 1) {
            auto b = img_.bytes_at(e, half ? 2 : 1);
            const uint32_t off = half ? uint32_t((*b)[0] | (*b)[1] << 8) : (*b)[0];
            to(in, base + 2 * off, depth, after, setup_done);
          }
        } else if (auto v = in.op == Op::Bx ? s.regs.get(in.rm) : std::nullopt; v && (*v & 1)) {
          to(in, *v & ~1u, depth, after, setup_done);
        } else {
          u.edges.push_back({true, in.addr, depth, std::nullopt, std::nullopt});
          if (!setup_done) setup_first = false;
        }
        break;
      case Flow::Return:
        if (in.op == Op::Bx && s.regs.lr_moved) {
          if (auto v = s.regs.get(kLR); v && (*v & 1))
            to(in, *v & ~1u, depth, after, setup_done);
          else
            fail(in, "returns through LR after LR was changed");
          break;
        }
        if (depth > 0 && entry == fn.begin)
          fail(in, "returns with " + std::to_string(depth) + " bytes of its frame still on the stack");
        u.returns = true;
        break;
      case Flow::Trap:
        // SVC and BKPT continue after their exception (counted as a level).
        if (in.op == Op::Svc || in.op == Op::Bkpt) to(in, in.next(), depth, after, setup_done);
        break;
    }
  }
  u.setup_first = tracks_setup && setup_first;
  // Each indirect call that is a call_indirect dispatch reaches only the
  // functions of its signature; read once the walk has settled.
  auto regs_at = [&](uint32_t a) -> std::optional<Regs> {
    auto it = seen.find(a);
    if (it == seen.end()) return std::nullopt;
    return it->second.regs;
  };
  if (u.failure.empty())
    for (auto& e : u.edges)
      if (!e.target && !e.tail) e.sig = dispatch_signature(fn, fn.at.at(e.site), entered, regs_at);
  return u;
}

namespace {

// The base register and byte offset of a plain word load into r (LDR, LDRD
// or LDM from [rn, #imm], no writeback), if `in` is one.
std::optional<std::pair<int, int64_t>> word_load(const Insn& in, int r) {
  if (in.in_it || in.writeback || in.post_index || in.reg_offset) return std::nullopt;
  if (in.op == Op::Ldr && in.width == 4 && in.rd == r) return std::pair{in.rn, in.imm};
  if (in.op == Op::Ldrd && (in.rd == r || in.ra == r)) return std::pair{in.rn, in.imm + (in.ra == r ? 4 : 0)};
  if (in.op == Op::Ldm && (in.reglist >> r & 1)) {
    int64_t off = 0;
    for (int k = 0; k < r; ++k) off += (in.reglist >> k & 1) ? 4 : 0;
    return std::pair{in.rn, off};
  }
  return std::nullopt;
}

}  // namespace

// The signature object a call_indirect's BLX is checked against, when the
// call is the dissolver's dispatch (src/dissolve/control.cpp):
//   ldr rS, [rD, #4]; (movw/movt rE, gust_sig_X); cmp rS, rE; bne <trap>;
//   ldr rT, [rD, #0]; ...; blx rT
// in one straight line that control enters only at its top, rD unchanged
// between its two loads, and rE holding the signature's address on every
// path to the compare. rD is a table slot's value, which only ever holds a
// descriptor (the dissolved code reaches its tables only through table.*),
// so the call reaches only a descriptor whose second word is gust_sig_X.
// Anything else: none, and the call may reach every address-taken function.
std::optional<uint32_t> Oracle::dispatch_signature(const Function& fn, size_t i, const std::set<uint32_t>& entered,
                                                   const std::function<std::optional<Regs>(uint32_t)>& regs_at) const {
  const Insn& blx = fn.code[i];
  if (blx.op != Op::BlxReg || blx.in_it) return std::nullopt;
  // The straight line before it: fall-through instructions and conditional branches.
  size_t lo = i;
  while (lo > 0 && i - lo < 32 && (fn.code[lo - 1].flow == Flow::Next || fn.code[lo - 1].flow == Flow::CondJump)) --lo;
  auto last_def = [&](size_t from, size_t to, int r) -> std::optional<size_t> {
    for (size_t k = to; k > from; --k)
      if (fn.code[k - 1].writes >> r & 1) return k - 1;
    return std::nullopt;
  };
  const auto tload = last_def(lo, i, blx.rm);
  if (!tload) return std::nullopt;
  const auto tsrc = word_load(fn.code[*tload], blx.rm);
  if (!tsrc || tsrc->second != 0) return std::nullopt;
  const int desc = tsrc->first;
  // The last conditional branch before the call: BNE after a CMP.
  size_t b = i;
  while (b > lo && fn.code[b - 1].flow != Flow::CondJump) --b;
  if (b == lo) return std::nullopt;
  const Insn& bne = fn.code[--b];
  if (bne.op != Op::Bcc || bne.cond != Cond::NE || bne.in_it) return std::nullopt;
  size_t f = b;
  while (f > lo && !fn.code[f - 1].sets_flags && fn.code[f - 1].op != Op::Cmp) --f;
  if (f == lo) return std::nullopt;
  const Insn& cmp = fn.code[--f];
  if (cmp.alu != AluOp::Cmp || cmp.in_it || cmp.has_imm || cmp.shift_amount != 0 || cmp.rn == cmp.rm)
    return std::nullopt;
  const auto at_cmp = regs_at(cmp.addr);
  if (!at_cmp) return std::nullopt;
  auto sig_in = [&](int r) -> std::optional<uint32_t> {
    auto v = at_cmp->get(r);
    if (v && sigs_.count(*v)) return v;
    return std::nullopt;
  };
  std::optional<uint32_t> sig = sig_in(cmp.rm);
  int word = cmp.rn;
  if (!sig) {
    sig = sig_in(cmp.rn);
    word = cmp.rm;
  }
  if (!sig) return std::nullopt;
  const auto iload = last_def(lo, f, word);
  if (!iload) return std::nullopt;
  const auto isrc = word_load(fn.code[*iload], word);
  if (!isrc || isrc->first != desc || isrc->second != 4) return std::nullopt;
  // rD is the same register value at both loads.
  const size_t first = std::min({*tload, *iload, f}), a = std::min(*tload, *iload), z = std::max(*tload, *iload);
  if (last_def(a + 1, z, desc)) return std::nullopt;
  if ((fn.code[a].writes >> desc & 1)) return std::nullopt;  // the first load replaced its own base
  // Control enters the sequence only at its top, and every instruction of it was walked.
  for (size_t k = first + 1; k <= i; ++k)
    if (entered.count(fn.code[k].addr)) return std::nullopt;
  for (size_t k = first; k <= i; ++k)
    if (!regs_at(fn.code[k].addr)) return std::nullopt;
  return sig;
}

std::string Oracle::name_of(uint32_t entry) const {
  const Function* f = function_for(entry);
  if (!f) return hex(entry);
  if (f->begin == entry) return f->name;
  char buf[16];
  snprintf(buf, sizeof buf, "+0x%" PRIx32, entry - f->begin);
  return f->name + buf;
}

// What to do about code that leaves the stack unbounded: a trusted native
// function may be bounded in the manifest (its name, exactly as to write it);
// a driver's own code is never bounded, only changed (named by its C++ name
// where the module's name section gives one).
std::string Oracle::advice(const std::vector<uint32_t>& entries, bool cycle) const {
  const Function* native = nullptr;
  std::vector<const Function*> driver;
  for (uint32_t e : entries) {
    const Function* f = function_for(e);
    if (!f) continue;
    if (!f->dissolved && !native && f->begin == e) native = f;
    if (f->dissolved && std::find(driver.begin(), driver.end(), f) == driver.end()) driver.push_back(f);
  }
  if (native) {
    std::string key = native->name;
    size_t owners = 0;
    for (const auto& g : fns_)
      if (std::find(g.names.begin(), g.names.end(), native->name) != g.names.end()) ++owners;
    if (owners > 1) key = "\"" + native->component + ":" + native->name + "\"";
    return "\n    " + native->name + " is trusted native code (" + native->component +
           "): bound its whole worst-case depth, callees included, in the manifest:\n      [stack_bounds]\n      " +
           key + " = BYTES";
  }
  if (driver.empty()) return "";
  std::string names, instance;
  for (const Function* f : driver) {
    std::string n = f->name;
    if (auto s = in_.source_names.find(f->name); s != in_.source_names.end()) n += " (" + s->second + ")";
    names += (names.empty() ? "" : ", ") + n;
    const size_t at = f->component.find('@');
    if (instance.empty()) instance = at == std::string::npos ? f->component : f->component.substr(at + 1);
  }
  return "\n    " + names + (driver.size() > 1 ? " are" : " is") + " code of driver instance '" + instance +
         "', which gust takes no [stack_bounds] for (nothing on the device would hold the driver to it): " +
         (cycle ? "make the recursion a loop (with an explicit stack of fixed size if it needs one), or keep a call "
                  "through a function pointer or a virtual call from reaching its caller"
                : "change the code so that its stack is known from the code");
}

void Oracle::unbounded(const std::string& why) {
  if (std::find(unbounded_.begin(), unbounded_.end(), why) == unbounded_.end()) unbounded_.push_back(why);
}

// A [stack_bounds] key is a function's name, or "INSTANCE:name" (or
// "COMPONENT:name") where the name alone is not enough: static functions of
// one name in two objects.
bool Oracle::bound_names(const std::string& key, const Function& f) const {
  const size_t colon = key.find(':');
  const std::string name = colon == std::string::npos ? key : key.substr(colon + 1);
  // <instance>_gust_f<N> also names the function that the dissolver calls
  // <instance>_gust_f<N>_<C++ name> (dissolve::function_symbol).
  auto names = [&](const std::string& n) {
    if (n == name) return true;
    const size_t f_at = name.rfind("gust_f");
    return f_at != std::string::npos && f_at + 6 < name.size() &&
           name.find_first_not_of("0123456789", f_at + 6) == std::string::npos && n.size() > name.size() &&
           n.compare(0, name.size(), name) == 0 && n[name.size()] == '_';
  };
  if (std::none_of(f.names.begin(), f.names.end(), names)) return false;
  if (colon == std::string::npos) return true;
  const std::string q = key.substr(0, colon);
  const size_t at = f.component.find('@');
  return q == f.component || (at != std::string::npos && q == f.component.substr(at + 1));
}

std::optional<std::pair<std::string, uint64_t>> Oracle::bound_for(const Function& f) const {
  for (const auto& [key, bytes] : in_.bounds)
    if (bound_names(key, f)) return std::make_pair(key, bytes);
  return std::nullopt;
}

// Every key names a function of trusted native code (a dissolved driver's
// own functions are never taken at the manifest's word), and a bare name
// only one component's; every bound is more than 0.
Result<void> Oracle::check_bounds() const {
  for (const auto& [key, bytes] : in_.bounds) {
    std::set<std::string> components;
    const Function* driver_fn = nullptr;
    for (const auto& f : fns_)
      if (bound_names(key, f)) {
        components.insert(f.component);
        if (f.dissolved && !driver_fn) driver_fn = &f;
      }
    auto where = in_.bound_where.find(key);
    auto fail = [&](const std::string& msg) {
      return Error::make(Error::Kind::Input, "[stack_bounds] '" + key + "' " + msg,
                         where != in_.bound_where.end() ? where->second : img_.where);
    };
    if (bytes == 0)
      return fail(
          "= 0: a bound is the function's whole worst-case depth in bytes, callees included; give it, or "
          "remove the entry");
    if (driver_fn) {
      const size_t at = driver_fn->component.find('@');
      const std::string instance = at == std::string::npos ? driver_fn->component : driver_fn->component.substr(at + 1);
      return fail("bounds " + driver_fn->name + ", a function of driver instance '" + instance +
                  "' (dissolved from its wasm): a bound there is a claim about the driver's own behaviour that "
                  "nothing on the device checks, so gust does not take it. Remove the entry; the oracle reads the "
                  "driver's depth from its code, so make that depth finite there: recursion becomes a loop (with "
                  "an explicit stack of fixed size if it needs one), and a call through a function pointer or a "
                  "virtual call must not reach back into its caller");
    }
    if (components.empty()) {
      // A name given without its instance prefix matches nothing: say what would.
      std::set<std::string> close, driver_close;
      const std::string bare = key.substr(key.find(':') == std::string::npos ? 0 : key.find(':') + 1);
      for (const auto& f : fns_)
        for (const auto& n : f.names)
          if (n.size() > bare.size() && n.compare(n.size() - bare.size(), bare.size(), bare) == 0 &&
              n[n.size() - bare.size() - 1] == '_')
            (f.dissolved ? driver_close : close).insert(n);
      std::string hint;
      for (const auto& n : close) hint += (hint.empty() ? " (the image has " : ", ") + n;
      if (!hint.empty()) hint += ")";
      std::string driver_hint;
      for (const auto& n : driver_close) driver_hint += (driver_hint.empty() ? "" : ", ") + n;
      if (!driver_hint.empty())
        driver_hint = "; " + driver_hint + (driver_close.size() > 1 ? " are" : " is") +
                      " a driver's own code, which takes no bound: remove the entry";
      return fail("names no function of the image" + hint +
                  ": give a trusted native function's symbol as the image has it, or \"COMPONENT:name\"" + driver_hint);
    }
    if (components.size() > 1) {
      std::string list;
      for (const auto& c : components) list += (list.empty() ? "" : ", ") + c;
      return fail("names functions of " + list + ": give it as \"INSTANCE:name\"");
    }
  }
  return {};
}

// The deepest the stack goes below the entry's SP, through every callee.
Depth Oracle::worst(uint32_t entry) {
  const Function* f = function_for(entry);
  if (f && f->begin == entry)
    if (auto b = bound_for(*f))
      return {int64_t(b->second),
              {{b->first + " [bound " + std::to_string(b->second) + " B]", f->component, int64_t(b->second)}}};
  if (auto m = memo_.find(entry); m != memo_.end()) return m->second;
  if (std::find(on_path_.begin(), on_path_.end(), entry) != on_path_.end()) {
    std::string cycle;
    std::vector<uint32_t> members;
    for (auto it = std::find(on_path_.begin(), on_path_.end(), entry); it != on_path_.end(); ++it) {
      cycle += name_of(*it) + " -> ";
      members.push_back(*it);
    }
    unbounded("recursion through " + name_of(entry) + ": " + cycle + name_of(entry) + advice(members, true));
    return {};
  }
  auto u = units_.find(entry);
  if (u == units_.end() || !u->second.failure.empty()) {
    unbounded(u == units_.end() ? "a transfer to " + hex(entry) + ", outside every function"
                                : u->second.failure + advice({entry}, false));
    return memo_[entry] = Depth{};
  }
  on_path_.push_back(entry);
  const Unit& unit = u->second;
  Depth best{unit.frame, {{name_of(entry), unit.fn->component, unit.frame}}};
  bool ok = true;
  for (const auto& e : unit.edges) {
    std::vector<uint32_t> targets;
    if (e.target)
      targets.push_back(*e.target);
    else if (e.sig && in_.by_signature)
      targets.assign(by_sig_[*e.sig].begin(), by_sig_[*e.sig].end());  // a dispatch: its signature's functions
    else
      targets.assign(taken_.begin(), taken_.end());
    for (uint32_t t : targets) {
      Depth sub = worst(t);
      if (!sub.bytes) {
        ok = false;
        continue;
      }
      if (e.depth + *sub.bytes > *best.bytes) {
        best.bytes = e.depth + *sub.bytes;
        best.path = {{name_of(entry), unit.fn->component, e.depth}};
        best.path.insert(best.path.end(), sub.path.begin(), sub.path.end());
      }
    }
  }
  on_path_.pop_back();
  if (!ok) best = Depth{};
  return memo_[entry] = best;
}

// The set-up writes exactly the declared levels, from straight-line code, and
// runs before the reset handler calls anything else (so before any line is
// enabled): then each line is at its declared level whenever it can fire.
Result<void> Oracle::check_setup() {
  const Function* setup = nullptr;
  for (const auto& f : fns_)
    if (is_setup(f)) setup = &f;
  std::map<uint32_t, uint32_t> want;
  for (const auto& [line, level] : in_.priorities) want[kNvicIpr + line] = (level << (8 - chip_.priority_bits)) & 0xFF;
  if (!setup) {
    if (want.empty()) return {};
    return Error::make(Error::Kind::Input,
                       "the manifest declares interrupt priorities but the image has no " +
                           std::string(kPrioritySetup) + " to set them",
                       img_.where);
  }
  const Unit& u = units_.at(setup->begin);
  for (const auto& in : setup->code)
    if (in.flow != Flow::Next && in.flow != Flow::Return)
      return Error::make(Error::Kind::Input,
                         std::string(kPrioritySetup) + " must be straight-line code: " + image::describe(in),
                         img_.where);
  for (const auto& [addr, value] : u.priority_writes) {
    auto w = want.find(addr);
    if (w == want.end() || w->second != value)
      return Error::make(Error::Kind::Input,
                         std::string(kPrioritySetup) + " writes " + hex(value) + " to NVIC_IPR line " +
                             std::to_string(addr - kNvicIpr) + ", which the manifest does not declare" +
                             (w == want.end() ? "" : " (it declares " + hex(w->second) + ")"),
                         img_.where);
  }
  for (const auto& [addr, value] : want)
    if (!u.priority_writes.count(addr))
      return Error::make(Error::Kind::Input,
                         std::string(kPrioritySetup) + " does not set line " + std::to_string(addr - kNvicIpr) +
                             " to the declared " + hex(value),
                         img_.where);
  return {};
}

// Walks every function from its start (every store is checked, reachable or
// not), then every entry that a transfer, a vector or an address reaches.
void Oracle::walk_all() {
  units_.clear();
  std::vector<uint32_t> pending;
  for (const auto& f : fns_) pending.push_back(f.begin);
  for (uint32_t n = 1; n < kFirstIrq + chip_.irq_count; ++n)
    if (auto v = img_.read32(chip_.flash_origin + 4 * n); v && *v) pending.push_back(*v & ~1u);
  for (;;) {
    if (pending.empty())
      for (uint32_t t : taken_)
        if (!units_.count(t)) pending.push_back(t);
    if (pending.empty()) break;
    const uint32_t entry = pending.back();
    pending.pop_back();
    if (units_.count(entry)) continue;
    const Function* f = function_for(entry);
    if (!f) {
      Unit u;
      u.entry = entry;
      u.failure = "a transfer to " + hex(entry) + ", outside every function";
      units_[entry] = u;
      continue;
    }
    Unit u = walk(*f, entry);
    for (const auto& e : u.edges)
      if (e.target && !units_.count(*e.target)) pending.push_back(*e.target);
    units_[entry] = std::move(u);
  }
}

// The entries from which no path returns: no return of their own, and every
// tail transfer to such code. Code the oracle cannot follow, or that the
// manifest bounds, is taken to return.
std::set<uint32_t> Oracle::never_returning() const {
  std::set<uint32_t> never;
  for (const auto& [entry, u] : units_) {
    bool bounded = false;
    if (u.fn && u.fn->begin == entry) bounded = bound_for(*u.fn).has_value();
    if (u.failure.empty() && !u.returns && !bounded) never.insert(entry);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = never.begin(); it != never.end();) {
      bool leaves = false;
      for (const auto& e : units_.at(*it).edges) leaves = leaves || (e.tail && (!e.target || !never.count(*e.target)));
      if (leaves) {
        it = never.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
  }
  return never;
}

Result<StackReport> Oracle::run() {
  vectors_end_ = chip_.flash_origin + 4 * (kFirstIrq + chip_.irq_count);
  collect_functions();
  if (auto r = check_bounds(); !r) return r.error();
  scan_data();
  auto vector = [&](uint32_t n) { return img_.read32(chip_.flash_origin + 4 * n); };
  // Calls are first taken to return; then the fall-through after a call to
  // code that never returns is dropped, and the walks run again, until the
  // set of such code stops growing (dropping paths only removes returns).
  for (;;) {
    walk_all();
    std::set<uint32_t> never = never_returning();
    if (never == noreturn_) break;
    noreturn_ = std::move(never);
  }
  if (!violations_.empty()) {
    std::string why;
    for (const auto& v : violations_) why += "\n  " + v;
    return Error::make(Error::Kind::Input,
                       "the image writes interrupt priorities outside the generated set-up (" +
                           std::string(kPrioritySetup) +
                           "), so its interrupt nesting is not what the manifest says:" + why,
                       img_.where);
  }
  if (auto r = check_setup(); !r) return r.error();

  StackReport rep;
  for (const auto& f : fns_)
    if (auto u = units_.find(f.begin); u != units_.end() && u->second.failure.empty())
      for (const auto& n : f.names) rep.frames[n] = uint64_t(u->second.frame);
  auto reset = vector(1);
  if (!reset || !(*reset & 1)) {
    rep.unbounded.push_back("no Thumb reset handler in the vector table at " + hex(chip_.flash_origin + 4));
    return rep;
  }
  const uint32_t reset_entry = *reset & ~1u;
  if (!in_.priorities.empty() && !units_.at(reset_entry).setup_first)
    return Error::make(Error::Kind::Input,
                       "the reset handler " + name_of(reset_entry) + " calls other code before " + kPrioritySetup +
                           ": an interrupt could fire at its reset priority",
                       img_.where);
  Depth thread = worst(reset_entry);

  // Handlers by preemption level: NMI and HardFault have fixed levels above
  // every configurable one; the system exceptions keep their reset level 0
  // (no code may write SHPR); each IRQ line has its declared level, else 0.
  std::map<int, Depth> levels;  // level -> its deepest handler
  for (uint32_t n = kNmi; n < kFirstIrq + chip_.irq_count; ++n) {
    auto v = vector(n);
    if (!v || *v == 0) continue;
    int level = 0;
    if (n == kNmi) level = -2;
    if (n == kHardFault) level = -1;
    if (n >= kFirstIrq)
      if (auto p = in_.priorities.find(n - kFirstIrq); p != in_.priorities.end()) level = int(p->second);
    if (!(*v & 1)) {
      unbounded("vector " + std::to_string(n) + " holds " + hex(*v) + ", not a Thumb address");
      continue;
    }
    Depth d = worst(*v & ~1u);
    Depth& deepest = levels[level];
    if (d.bytes && (!deepest.bytes || *d.bytes > *deepest.bytes)) deepest = d;
  }
  rep.unbounded = unbounded_;
  if (!thread.bytes || !rep.unbounded.empty()) return rep;
  rep.bounded = true;
  const uint64_t frame = chip_.exception_frame + (chip_.stkalign ? 4 : 0);
  rep.thread_bytes = uint64_t(*thread.bytes);
  for (const auto& s : thread.path) {
    rep.by_component[s.component] += uint64_t(std::max<int64_t>(s.bytes, 0));
    rep.path.push_back(s.name);
  }
  for (const auto& [level, d] : levels) {
    StackLevel l;
    l.level = level;
    l.frame = frame;
    l.handler = uint64_t(*d.bytes);
    l.handler_name = d.path.front().name;
    rep.levels.push_back(l);
    rep.interrupt_bytes += frame + l.handler;
    const std::string what = level == -2 ? "NMI" : level == -1 ? "HardFault" : "level " + std::to_string(level);
    rep.path.push_back("(" + what + ": +" + std::to_string(frame) + " B exception frame)");
    rep.by_component[d.path.front().component] += frame;
    for (const auto& s : d.path) {
      rep.by_component[s.component] += uint64_t(std::max<int64_t>(s.bytes, 0));
      rep.path.push_back(s.name);
    }
  }
  rep.total = rep.thread_bytes + rep.interrupt_bytes;
  return rep;
}

}  // namespace

Result<StackReport> analyze_stack(const StackInput& in, const Chip& chip) {
  auto img = image::read_elf(in.elf);
  if (!img) return img.error();
  Oracle oracle(*img, in, chip);
  return oracle.run();
}

}  // namespace gust::compose
