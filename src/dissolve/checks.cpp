// Bounds-check motion after LLVM's pipeline: one check of the largest offset
// from one base over a straight line of accesses (widening), and a loop's
// per-iteration check replaced by one before the loop (hoisting).
//
// The rule both rest on. A gust trap is fatal: gust_trap never returns, and
// nothing reads the instance's linear memory after it (the firmware halts or
// resets; the spec runner discards the instance). So a trap that happens
// earlier, over stores to linear memory that would have run before it, is
// invisible. Over anything else it is not: an import call (a register access
// the hardware sees), a return (the caller goes on), a store outside linear
// memory (globals, tables), or another kind of trap (whose code the firmware
// reports) must run, or not run, exactly as before. So a check moves only
// over code that holds none of these, and only to where the access it guards
// was certain to run: a check is widened only within a straight line that
// every path from the first check follows to the last, and hoisted only out
// of a loop whose exact trip count says the check would have run.
#include "dissolve/checks.h"

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/Transforms/Utils/ScalarEvolutionExpander.h>

#include <map>

#include "gust/trap.h"

namespace gust::dissolve {

namespace {

// A block that does nothing but gust_trap(code).
bool is_trap_block(const llvm::BasicBlock* bb, unsigned code) {
  if (!llvm::isa<llvm::UnreachableInst>(bb->getTerminator())) return false;
  for (const llvm::Instruction& i : *bb) {
    if (auto* call = llvm::dyn_cast<llvm::CallInst>(&i)) {
      const llvm::Function* f = call->getCalledFunction();
      auto* c = llvm::dyn_cast<llvm::ConstantInt>(call->getArgOperand(0));
      return f && f->getName() == "gust_trap" && c && c->getZExtValue() == code;
    }
  }
  return false;
}


// A bounds check: `br (X > limit), trap(OOB), ok` in one of the forms
// instcombine leaves (ugt X, L trapping on true; ult X, L + 1 or ule X, L
// trapping on false), with its operands.
struct Check {
  llvm::BranchInst* br = nullptr;
  llvm::ICmpInst* cmp = nullptr;
  llvm::Value* x = nullptr;
  uint64_t limit = 0;  // traps when x > limit, unsigned
  llvm::BasicBlock* ok = nullptr;
  llvm::BasicBlock* trap = nullptr;
};

std::optional<Check> as_check(llvm::Instruction* term) {
  auto* br = llvm::dyn_cast<llvm::BranchInst>(term);
  if (!br || !br->isConditional()) return std::nullopt;
  auto* cmp = llvm::dyn_cast<llvm::ICmpInst>(br->getCondition());
  if (!cmp || !cmp->hasOneUse()) return std::nullopt;
  auto* c = llvm::dyn_cast<llvm::ConstantInt>(cmp->getOperand(1));
  if (!c || c->getBitWidth() > 64) return std::nullopt;
  Check k;
  k.br = br;
  k.cmp = cmp;
  k.x = cmp->getOperand(0);
  const uint64_t v = c->getZExtValue();
  llvm::BasicBlock* t = br->getSuccessor(0);
  llvm::BasicBlock* f = br->getSuccessor(1);
  if (cmp->getPredicate() == llvm::ICmpInst::ICMP_UGT && is_trap_block(t, GUST_TRAP_MEMORY_OOB)) {
    k.limit = v;
    k.trap = t;
    k.ok = f;
  } else if (cmp->getPredicate() == llvm::ICmpInst::ICMP_ULT && v > 0 && is_trap_block(f, GUST_TRAP_MEMORY_OOB)) {
    k.limit = v - 1;
    k.trap = f;
    k.ok = t;
  } else if (cmp->getPredicate() == llvm::ICmpInst::ICMP_ULE && is_trap_block(f, GUST_TRAP_MEMORY_OOB)) {
    k.limit = v;
    k.trap = f;
    k.ok = t;
  } else {
    return std::nullopt;
  }
  return k;
}

// Whether a check may move over this instruction (the rule above): loads,
// arithmetic, stores to linear memory and the memory intrinsics on it may be
// passed; calls (imports, or wasm functions that may reach one), stores
// elsewhere, and anything that may have effects of its own may not.
bool passable(const llvm::Instruction& i, const llvm::GlobalVariable* memory) {
  if (auto* st = llvm::dyn_cast<llvm::StoreInst>(&i))
    return !st->isVolatile() && memory && llvm::getUnderlyingObject(st->getPointerOperand()) == memory;
  if (auto* mi = llvm::dyn_cast<llvm::MemIntrinsic>(&i))
    return memory && llvm::getUnderlyingObject(mi->getDest()) == memory;
  if (auto* ii = llvm::dyn_cast<llvm::IntrinsicInst>(&i))
    return !ii->mayHaveSideEffects() || ii->isAssumeLikeIntrinsic();
  if (llvm::isa<llvm::CallBase>(&i)) return false;
  return !i.mayHaveSideEffects();
}

// The SRAM region: the global the accesses' pointers are based on.
const llvm::GlobalVariable* region_of(llvm::Module& mod, const std::string& prefix) {
  return mod.getGlobalVariable(prefix + "gust_memory", true);
}

// Straight-line widening. From each check, follow the line: the check's ok
// block when it has no other predecessor, over passable instructions, then
// through the next check or an unconditional branch to a block with one
// predecessor. The line ends at anything else. Checks on one base B, each
// on X = B + c with a constant c <= 0 (B itself, or a frame slot below the
// shadow stack pointer; positive offsets are the access's own immediate,
// already in the limit), pass for B in [-c, limit - c]: the first check of
// the line takes the intersection of these intervals, so it traps exactly
// when one of them would, and the later ones never trap.
struct Group {
  Check first;
  int64_t lo = 0, hi = 0;  // B passes every check of the group so far
};

// X as B + c: the base and the constant.
std::pair<llvm::Value*, int64_t> split_base(llvm::Value* x) {
  if (auto* add = llvm::dyn_cast<llvm::BinaryOperator>(x); add && add->getOpcode() == llvm::Instruction::Add)
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(add->getOperand(1)))
      if (c->getBitWidth() == 32 && c->getSExtValue() <= 0 && c->getSExtValue() >= -(int64_t(1) << 30))
        return {add->getOperand(0), c->getSExtValue()};
  return {x, 0};
}

unsigned widen(llvm::Function& f, const llvm::GlobalVariable* memory) {
  unsigned widened = 0;
  for (llvm::BasicBlock& start : f) {
    auto first = as_check(start.getTerminator());
    if (!first || !first->x->getType()->isIntegerTy(32) || first->limit >= (uint64_t(1) << 30)) continue;
    std::map<llvm::Value*, Group> open;
    auto add = [&](const Check& k) {
      auto [base, c] = split_base(k.x);
      auto it = open.find(base);
      if (it == open.end()) {
        open[base] = Group{k, -c, int64_t(k.limit) - c};
        return;
      }
      Group& g = it->second;
      g.lo = std::max(g.lo, -c);
      g.hi = std::min(g.hi, int64_t(k.limit) - c);
      // The first check, rewritten: trap unless lo <= B <= hi.
      llvm::IRBuilder<> b(g.first.br);
      llvm::Value* cond = g.hi < g.lo ? static_cast<llvm::Value*>(b.getTrue())
                                      : b.CreateICmpUGT(g.lo ? b.CreateAdd(base, b.getInt32(uint32_t(-g.lo))) : base,
                                                        b.getInt32(uint32_t(g.hi - g.lo)));
      if (g.first.br->getSuccessor(0) != g.first.trap) g.first.br->swapSuccessors();
      g.first.br->setCondition(cond);
      // Never taken now: the first check traps first.
      k.br->setCondition(llvm::ConstantInt::getBool(f.getContext(), k.trap == k.br->getSuccessor(1)));
      ++widened;
    };
    add(*first);
    llvm::BasicBlock* bb = first->ok;
    while (bb && bb->getSinglePredecessor()) {
      bool ok = true;
      for (llvm::Instruction& i : *bb) {
        if (i.isTerminator()) break;
        if (!passable(i, memory)) {
          ok = false;
          break;
        }
      }
      if (!ok) break;
      llvm::Instruction* term = bb->getTerminator();
      if (auto k = as_check(term)) {
        if (k->x->getType()->isIntegerTy(32) && k->limit < (uint64_t(1) << 30)) add(*k);
        bb = k->ok;
        continue;
      }
      auto* br = llvm::dyn_cast<llvm::BranchInst>(term);
      if (!br || br->isConditional()) break;
      bb = br->getSuccessor(0);
    }
  }
  return widened;
}

// Loop hoisting. A check inside loop L (not in a loop nested in it) on
// X = {start,+,step} with a constant step, where L has a preheader, an exact
// backedge-taken count BTC and nothing but passable instructions and
// out-of-bounds traps: the check runs K times, on X = start + step * j for
// j < K, where K is BTC + 1 when its block dominates the latch and every
// exiting block, and BTC when the header is L's only exiting block and the
// check's block (not the header) dominates the latch. In the preheader, one
// check traps exactly when one of those K would have: K > 0 and the first
// or the last X is past the limit, computed so that nothing wraps (for a
// step small against the limit, the first X past it comes before any wrap).
bool hoist_one(llvm::Function& f, const llvm::GlobalVariable* memory, llvm::LoopInfo& li, llvm::DominatorTree& dt,
               llvm::ScalarEvolution& se) {
  std::vector<Check> checks;
  for (llvm::BasicBlock& bb : f)
    if (auto k = as_check(bb.getTerminator()); k && li.getLoopFor(&bb)) checks.push_back(*k);
  const llvm::DataLayout& dl = f.getParent()->getDataLayout();
  for (Check& k : checks) {
    llvm::BasicBlock* bb = k.br->getParent();
    llvm::Loop* loop = li.getLoopFor(bb);
    llvm::BasicBlock* pre = loop->getLoopPreheader();
    llvm::BasicBlock* latch = loop->getLoopLatch();
    if (!pre || !latch || !k.x->getType()->isIntegerTy() || k.x->getType()->getIntegerBitWidth() > 32) continue;
    bool clean = true;
    for (llvm::BasicBlock* b : loop->blocks()) {
      for (llvm::Instruction& i : *b) {
        if (i.isTerminator()) {
          for (llvm::BasicBlock* s : llvm::successors(b))
            if (!loop->contains(s) && is_any_trap_block(s) && !is_trap_block(s, GUST_TRAP_MEMORY_OOB)) clean = false;
          continue;
        }
        if (!passable(i, memory)) clean = false;
      }
    }
    if (!clean) continue;
    auto* ar = llvm::dyn_cast<llvm::SCEVAddRecExpr>(se.getSCEV(k.x));
    if (!ar || ar->getLoop() != loop || !ar->isAffine()) continue;
    auto* step_c = llvm::dyn_cast<llvm::SCEVConstant>(ar->getStepRecurrence(se));
    if (!step_c) continue;
    const int64_t step = step_c->getAPInt().getSExtValue();
    if (step == 0 || step > 65536 || step < -65536 || k.limit > (1ull << 30)) continue;
    // The loop's one real exit E (its out-of-bounds traps aside: they are
    // fatal, and the trip count must not count them, or the hoisted check
    // would only cover the iterations that pass), and how often the
    // backedge runs before E is taken.
    llvm::SmallVector<llvm::BasicBlock*, 4> all_exiting, exiting;
    loop->getExitingBlocks(all_exiting);
    for (llvm::BasicBlock* e : all_exiting) {
      bool to_trap_only = true;
      for (llvm::BasicBlock* s : llvm::successors(e))
        if (!loop->contains(s) && !is_trap_block(s, GUST_TRAP_MEMORY_OOB)) to_trap_only = false;
      if (!to_trap_only) exiting.push_back(e);
    }
    if (exiting.size() != 1) continue;
    llvm::BasicBlock* exit = exiting[0];
    const llvm::SCEV* btc = se.getExitCount(loop, exit);
    if (llvm::isa<llvm::SCEVCouldNotCompute>(btc) || !btc->getType()->isIntegerTy()) continue;
    // The check runs BTC + 1 times when its block dominates E (and the
    // latch); BTC times when E is the header and the check's block is on
    // every path from it to the latch.
    const bool dominates_exits = dt.dominates(bb, exit) && dt.dominates(bb, latch);
    const bool header_only = bb != loop->getHeader() && exit == loop->getHeader() && dt.dominates(bb, latch);
    if (!dominates_exits && !header_only) continue;
    llvm::SCEVExpander expander(se, dl, "gust.hoist");
    if (btc->getType()->getIntegerBitWidth() > 32 || !expander.isSafeToExpandAt(ar->getStart(), pre->getTerminator()) ||
        !expander.isSafeToExpandAt(btc, pre->getTerminator()))
      continue;
    llvm::IRBuilder<> b(pre->getTerminator());
    llvm::Type* i32 = b.getInt32Ty();
    auto expand32 = [&](const llvm::SCEV* e) {
      llvm::Value* v = expander.expandCodeFor(e, e->getType(), pre->getTerminator());
      return b.CreateZExtOrTrunc(v, i32);
    };
    llvm::Value* start = expand32(ar->getStart());
    llvm::Value* count = expand32(btc);
    // K - 1, the iterations after the first: BTC, or BTC - 1 (and none at
    // all when BTC is 0).
    llvm::Value* any = b.getTrue();
    llvm::Value* span = count;
    if (!dominates_exits) {
      any = b.CreateICmpNE(count, b.getInt32(0));
      span = b.CreateSub(count, b.getInt32(1));
    }
    // In 32 bits, without a multiply that could wrap: once start <= limit,
    // the last X is within it when span <= (limit - start) / step (rising)
    // or span <= start / -step (falling). The division is one UDIV on the
    // Cortex-M3, or a shift for a power of two.
    llvm::Value* limit = b.getInt32(uint32_t(k.limit));
    llvm::Value* bad = b.CreateICmpUGT(start, limit);
    const uint32_t magnitude = uint32_t(step > 0 ? step : -step);
    llvm::Value* room = step > 0 ? b.CreateSub(limit, start) : start;
    if (magnitude != 1) room = b.CreateUDiv(room, b.getInt32(magnitude));
    bad = b.CreateOr(bad, b.CreateICmpUGT(span, room));
    bad = b.CreateAnd(any, bad);
    // The preheader's check traps to the same block as the loop's did.
    llvm::BasicBlock* rest = pre->splitBasicBlock(pre->getTerminator(), "gust.hoisted");
    pre->getTerminator()->eraseFromParent();
    llvm::BranchInst::Create(k.trap, rest, bad, pre);
    // The loop's check: never taken now.
    k.br->setCondition(llvm::ConstantInt::getBool(f.getContext(), k.trap == k.br->getSuccessor(1)));
    return true;
  }
  return false;
}

}  // namespace

bool is_any_trap_block(const llvm::BasicBlock* bb) {
  if (!llvm::isa<llvm::UnreachableInst>(bb->getTerminator())) return false;
  for (const llvm::Instruction& i : *bb)
    if (auto* call = llvm::dyn_cast<llvm::CallInst>(&i))
      return call->getCalledFunction() && call->getCalledFunction()->getName() == "gust_trap";
  return false;
}

CheckMotion move_checks(llvm::Module& mod, const Options& opts, llvm::FunctionAnalysisManager& fam) {
  CheckMotion r;
  const llvm::GlobalVariable* memory = region_of(mod, opts.prefix);
  if (!memory || !opts.bounds_checks) return r;
  for (llvm::Function& f : mod) {
    if (f.isDeclaration()) continue;
    if (opts.widen_checks) {
      r.widened += widen(f, memory);
      fam.invalidate(f, llvm::PreservedAnalyses::none());
    }
    // One hoist at a time, each on fresh analyses: a hoist splits a
    // preheader, which the loop and dominator trees do not yet know.
    for (unsigned round = 0; opts.hoist_checks && round < 64; ++round) {
      auto& li = fam.getResult<llvm::LoopAnalysis>(f);
      auto& dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
      auto& se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
      const bool moved = hoist_one(f, memory, li, dt, se);
      fam.invalidate(f, llvm::PreservedAnalyses::none());
      if (!moved) break;
      ++r.hoisted;
    }
  }
  return r;
}

}  // namespace gust::dissolve
