// The place choice of a load as two predicated loads. With read-only data in
// flash, a load that may reach it reads one of two (or three) places, and
// the lowering (memory.cpp, load_pointer) picks the pointer with a select.
// ARM codegen makes that a select of bases before one load: `mov r3, r5;
// cmp r1, #B; it cs; subwcs r3, r6, #k; ldrb r3, [r3, r1]`, five
// instructions. After the IR pipeline, this turns each load of a pointer
// chosen by a select between two globals into a diamond: a branch on the
// select's condition, in each arm the load from that arm's pointer, a phi.
// The ARM if-converter predicates the diamond: `cmp r1, #B; ite cs; ldrbcs
// r3, [rS, r1]; ldrbcc r3, [rF, r1]`, four, both bases loop invariant.
//
// The rule it rests on: each load still runs once, exactly when it ran
// before, from the pointer the select chose; nothing is speculated (each
// arm's load runs only under its side of the compare, so an address in
// flash past the read-only data, which may not exist, is never read). The
// arms' pointers are copies of the GEPs between the select and the load,
// which are pure. One arm ends in a bitcast of the loaded value to its own
// type, which codegen drops: without it the simplifycfg that the ARM target
// runs before instruction selection (its atomic tidy, which sinks common
// instructions) would sink the two loads back into one load of a phi.
#include "dissolve/predload.h"

#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/Local.h>

#include <functional>
#include <map>
#include <vector>

namespace gust::dissolve {

namespace {

// The select a load's pointer comes from, through GEPs (outermost last in
// `chain`), or null. Both arms must point into globals: the region's places.
llvm::SelectInst* place_select(llvm::LoadInst* ld, std::vector<llvm::GetElementPtrInst*>& chain) {
  if (ld->isVolatile() || ld->isAtomic()) return nullptr;
  chain.clear();
  llvm::Value* p = ld->getPointerOperand();
  while (auto* g = llvm::dyn_cast<llvm::GetElementPtrInst>(p)) {
    chain.push_back(g);
    p = g->getPointerOperand();
  }
  auto* s = llvm::dyn_cast<llvm::SelectInst>(p);
  if (!s || !s->getType()->isPointerTy() || s->getCondition()->getType()->isVectorTy()) return nullptr;
  for (llvm::Value* arm : {s->getTrueValue(), s->getFalseValue()})
    if (!llvm::isa<llvm::GlobalVariable>(llvm::getUnderlyingObject(arm))) return nullptr;
  return s;
}

// Splits ld's block before ld into head -> (then | else) -> tail; returns
// the two new loads (which may choose again, in the three-place layout).
std::vector<llvm::LoadInst*> split(llvm::LoadInst* ld, llvm::SelectInst* s,
                                   const std::vector<llvm::GetElementPtrInst*>& chain,
                                   const std::function<llvm::Value*(llvm::Value*)>& base) {
  llvm::LLVMContext& ctx = ld->getContext();
  llvm::BasicBlock* head = ld->getParent();
  llvm::Function* f = head->getParent();
  llvm::BasicBlock* tail = head->splitBasicBlock(ld->getIterator(), head->getName() + ".placed");
  // The else arm first, on the inverse compare: instruction selection
  // branches over the arm that follows on the inverse of the branch's
  // condition, so the compare it emits is the select's own (`x < B`, whose
  // constant the lowering chose; its inverse `x > B - 1` may not encode).
  auto* else_bb = llvm::BasicBlock::Create(ctx, "place.else", f, tail);
  auto* then_bb = llvm::BasicBlock::Create(ctx, "place.then", f, tail);
  head->getTerminator()->eraseFromParent();
  if (auto* c = llvm::dyn_cast<llvm::ICmpInst>(s->getCondition())) {
    auto* inverse = new llvm::ICmpInst(c->getInversePredicate(), c->getOperand(0), c->getOperand(1));
    inverse->insertInto(head, head->end());
    llvm::BranchInst::Create(else_bb, then_bb, inverse, head);
  } else {
    llvm::BranchInst::Create(then_bb, else_bb, s->getCondition(), head);
  }
  auto* phi = llvm::PHINode::Create(ld->getType(), 2, ld->getName());
  phi->insertBefore(tail->begin());
  llvm::Value* bases[2] = {base(s->getTrueValue()), base(s->getFalseValue())};
  std::vector<llvm::LoadInst*> loads;
  for (bool then : {true, false}) {
    llvm::BasicBlock* bb = then ? then_bb : else_bb;
    llvm::IRBuilder<> b(bb);
    llvm::Value* p = bases[then ? 0 : 1];
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      auto* g = llvm::cast<llvm::GetElementPtrInst>((*it)->clone());
      g->setOperand(llvm::GetElementPtrInst::getPointerOperandIndex(), p);
      b.Insert(g);
      p = g;
    }
    llvm::LoadInst* nl = b.CreateAlignedLoad(ld->getType(), p, ld->getAlign());
    nl->copyMetadata(*ld);
    llvm::Value* v = nl;
    if (!then) v = b.Insert(new llvm::BitCastInst(nl, nl->getType()));  // unlike the other arm: not sunk
    b.CreateBr(tail);
    phi->addIncoming(v, bb);
    loads.push_back(nl);
  }
  llvm::Value* old = ld->getPointerOperand();
  ld->replaceAllUsesWith(phi);
  ld->eraseFromParent();
  llvm::RecursivelyDeleteTriviallyDeadInstructions(old);
  return loads;
}

}  // namespace

unsigned predicate_place_loads(llvm::Module& mod) {
  unsigned n = 0;
  for (llvm::Function& f : mod) {
    if (f.isDeclaration()) continue;
    std::vector<llvm::LoadInst*> work;
    for (llvm::BasicBlock& bb : f)
      for (llvm::Instruction& i : bb)
        if (auto* ld = llvm::dyn_cast<llvm::LoadInst>(&i)) work.push_back(ld);
    // Each constant base once, as a value of the entry block, so that it is
    // one register (a literal, and its offset) over the function, and each
    // arm one load: a constant would be made again in each arm. A freeze of
    // a constant is the constant; it keeps codegen from folding it back in.
    std::map<llvm::Value*, llvm::Value*> bases;
    auto base = [&](llvm::Value* v) -> llvm::Value* {
      if (!llvm::isa<llvm::Constant>(v)) return v;
      llvm::Value*& b = bases[v];
      if (!b) b = llvm::IRBuilder<>(&*f.getEntryBlock().getFirstInsertionPt()).CreateFreeze(v);
      return b;
    };
    std::vector<llvm::GetElementPtrInst*> chain;
    while (!work.empty()) {
      llvm::LoadInst* ld = work.back();
      work.pop_back();
      llvm::SelectInst* s = place_select(ld, chain);
      if (!s) continue;
      for (llvm::LoadInst* nl : split(ld, s, chain, base)) work.push_back(nl);
      ++n;
    }
  }
  return n;
}

}  // namespace gust::dissolve
