// The instruction form of a bounds check's compare, chosen just before
// instruction selection. A check `br (x >u C), trap, ok` whose C is not a
// compare immediate of the target (on Thumb-2 a modified immediate, or one
// for cmn) but whose C + 1 is, is written `br (x <u C + 1), ok, trap`, which
// selects as `cmp x, #C+1; bhs trap` (2 instructions). Left as it is,
// SelectionDAG's setcc combine turns `x >u C` with C = m * 2^k - 1 into
// `(x >> k) >u m - 1` (lsrs; cmp; bhi: 3), and other Cs into movw; cmp; bhi.
// Written `x <u C + 1` with a plain constant, it is turned back (a branch
// inverted for the block layout is x >=u C + 1, canonicalised to x >u C), so
// the immediate is an opaque constant (a no-op bitcast), and so is a check's
// C that already is an immediate. The same for `x <u C` with C - 1 an
// immediate (`!(x >u C - 1)`), and the signed forms. Only compares whose
// every use is a branch to a trap: elsewhere (two compares joined by a
// select into one branch) LLVM wants the plain constant, and on
// bench/realcode an opaque one there cost json_skip 6 instructions a call.
//
// The rule it rests on: x >u C and !(x <u C + 1) are the same predicate for
// every x when C + 1 does not wrap (likewise x <u C and !(x >u C - 1) when C
// - 1 does not), so each branch goes where it went; nothing moves, no check
// is added or dropped. Only the instructions that compute the condition
// change, after every IR pass that could fold them back.
#include "dissolve/check_form.h"

#include <llvm/Analysis/TargetTransformInfo.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Instructions.h>
#include <llvm/Target/TargetMachine.h>

#include "dissolve/checks.h"

namespace gust::dissolve {

namespace {

// The predicate that, negated, is `pred` with the constant moved by one, and
// that constant; nothing when it would wrap.
std::optional<std::pair<llvm::CmpInst::Predicate, llvm::APInt>> flipped(llvm::CmpInst::Predicate pred,
                                                                        const llvm::APInt& c) {
  using P = llvm::CmpInst::Predicate;
  switch (pred) {
    case P::ICMP_UGT:  // x >u C  ==  !(x <u C + 1)
      if (c.isMaxValue()) return std::nullopt;
      return std::pair{P::ICMP_ULT, c + 1};
    case P::ICMP_ULT:  // x <u C  ==  !(x >u C - 1)
      if (c.isMinValue()) return std::nullopt;
      return std::pair{P::ICMP_UGT, c - 1};
    case P::ICMP_SGT:
      if (c.isMaxSignedValue()) return std::nullopt;
      return std::pair{P::ICMP_SLT, c + 1};
    case P::ICMP_SLT:
      if (c.isMinSignedValue()) return std::nullopt;
      return std::pair{P::ICMP_SGT, c - 1};
    default:
      return std::nullopt;
  }
}

}  // namespace

unsigned shape_compares(llvm::Module& mod, llvm::TargetMachine& tm) {
  unsigned shaped = 0;
  for (llvm::Function& f : mod) {
    if (f.isDeclaration()) continue;
    const llvm::TargetTransformInfo tti = tm.getTargetTransformInfo(f);
    for (llvm::BasicBlock& bb : f) {
      for (llvm::Instruction& i : llvm::make_early_inc_range(bb)) {
        auto* cmp = llvm::dyn_cast<llvm::ICmpInst>(&i);
        if (!cmp || !cmp->getType()->isIntegerTy(1)) continue;
        auto* c = llvm::dyn_cast<llvm::ConstantInt>(cmp->getOperand(1));
        if (!c || c->getBitWidth() != 32) continue;  // the target's compare width
        // Checks only: every use a branch to a trap. Elsewhere LLVM may want
        // the constant as it is (two compares joined into one branch, a
        // select), and an opaque one would cost there.
        bool all = !cmp->use_empty();
        for (llvm::User* u : cmp->users()) {
          auto* br = llvm::dyn_cast<llvm::BranchInst>(u);
          if (!br || !br->isConditional() ||
              !(is_any_trap_block(br->getSuccessor(0)) || is_any_trap_block(br->getSuccessor(1))))
            all = false;
        }
        if (!all) continue;
        const bool is_signed = cmp->isSigned();
        auto imm = [&](const llvm::APInt& v) {
          return tti.isLegalICmpImmediate(is_signed ? v.getSExtValue() : int64_t(v.getZExtValue()));
        };
        // Against 0 or -1 LLVM has its own forms (cbz, the sign bit).
        if (c->isZero() || c->isMinusOne() || !cmp->isRelational()) continue;
        auto to = flipped(cmp->getPredicate(), c->getValue());
        llvm::CmpInst::Predicate pred = cmp->getPredicate();
        llvm::APInt value = c->getValue();
        bool swap = false;
        if (!imm(value)) {
          if (!to || !imm(to->second)) continue;  // no immediate either way: LLVM's choice stands
          std::tie(pred, value) = *to;
          swap = true;
        }
        // At each branch, a compare of its own behind a no-op bitcast, which
        // SelectionDAG takes as an opaque constant: its setcc
        // canonicalisation (x >=u C to x >u C - 1, after a branch is inverted
        // for the block layout) and the shift fold above then leave the
        // compare against the immediate as it is. In the branch's block: a
        // compare LICM took out of a loop would reach the loop's DAG as a
        // register, and the opaque constant with it (a mov.w in the loop).
        for (llvm::User* u : llvm::make_early_inc_range(cmp->users())) {
          auto* br = llvm::cast<llvm::BranchInst>(u);
          auto* k = new llvm::BitCastInst(llvm::ConstantInt::get(c->getType(), value), c->getType(), "gust.imm",
                                          br->getIterator());
          br->setCondition(new llvm::ICmpInst(br->getIterator(), pred, cmp->getOperand(0), k));
          if (swap) br->swapSuccessors();
        }
        cmp->eraseFromParent();
        ++shaped;
      }
    }
  }
  return shaped;
}

}  // namespace gust::dissolve
