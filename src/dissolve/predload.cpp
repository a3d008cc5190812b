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
// It acts where each arm is one load: a base (a global and a constant
// offset, one register set in the outermost loop's preheader, or outside a
// loop in the load's block) and at most one index, and the load at most 4
// bytes; the three-place layout's nested choice keeps the select.
//
// The rule it rests on: each load still runs once, exactly when it ran
// before, from the pointer the select chose; nothing is speculated (each
// arm's load runs only under its side of the compare, so an address in
// flash past the read-only data, which may not exist, is never read). Each
// arm's pointer is the same address, the sum of the GEPs between its global
// and the load, computed afresh (GEPs are pure). One arm ends in a bitcast
// of the loaded value to its own type, which codegen drops: without it the simplifycfg that the ARM target
// runs before instruction selection (its atomic tidy, which sinks common
// instructions) would sink the two loads back into one load of a phi.
#include "dissolve/predload.h"

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Operator.h>
#include <llvm/Transforms/Utils/Local.h>

#include <functional>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace gust::dissolve {

namespace {

// An arm's address as a global, a constant offset and at most one value:
// what one load from a base register and an index register reaches.
struct Place {
  llvm::GlobalVariable* global = nullptr;
  int64_t offset = 0;
  llvm::Value* index = nullptr;
};

// Adds one byte GEP's index to `at`; false if it is not a byte GEP of one
// index, or a second value.
bool add_index(const llvm::GEPOperator* g, Place& at) {
  if (!g->getSourceElementType()->isIntegerTy(8) || g->getNumIndices() != 1) return false;
  llvm::Value* i = g->getOperand(1);
  if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(i)) {
    at.offset += c->getSExtValue();
    return true;
  }
  if (at.index) return false;
  at.index = i;
  return true;
}

std::optional<Place> place_of(llvm::Value* arm, const std::vector<llvm::GetElementPtrInst*>& chain) {
  Place at;
  for (auto* g : chain)
    if (!add_index(llvm::cast<llvm::GEPOperator>(g), at)) return std::nullopt;
  llvm::Value* p = arm;
  while (auto* g = llvm::dyn_cast<llvm::GEPOperator>(p)) {
    if (!add_index(g, at)) return std::nullopt;
    p = g->getPointerOperand();
  }
  at.global = llvm::dyn_cast<llvm::GlobalVariable>(p);
  if (!at.global) return std::nullopt;
  return at;
}

// The select a load's pointer comes from, through GEPs (the load's own first in
// `chain`), when both arms are places one load reaches, and the load is one
// instruction (at most 4 bytes: an 8-byte load is two, and its arms would
// not fit one IT block); or null.
llvm::SelectInst* place_select(llvm::LoadInst* ld, std::vector<llvm::GetElementPtrInst*>& chain, Place (&arms)[2]) {
  if (ld->isVolatile() || ld->isAtomic()) return nullptr;
  if (ld->getModule()->getDataLayout().getTypeStoreSize(ld->getType()) > 4) return nullptr;
  chain.clear();
  llvm::Value* p = ld->getPointerOperand();
  while (auto* g = llvm::dyn_cast<llvm::GetElementPtrInst>(p)) {
    chain.push_back(g);
    p = g->getPointerOperand();
  }
  auto* s = llvm::dyn_cast<llvm::SelectInst>(p);
  if (!s || !s->getType()->isPointerTy() || s->getCondition()->getType()->isVectorTy()) return nullptr;
  for (int k = 0; k < 2; ++k) {
    auto at = place_of(k ? s->getFalseValue() : s->getTrueValue(), chain);
    if (!at) return nullptr;
    arms[k] = *at;
  }
  return s;
}

// Splits ld's block before ld into head -> (then | else) -> tail, with one
// load in each arm, from its place's base (base(): a value of the entry
// block) and index.
void split(llvm::LoadInst* ld, llvm::SelectInst* s, const Place (&arms)[2],
           const std::function<llvm::Value*(llvm::GlobalVariable*, int64_t)>& base) {
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
  for (bool then : {true, false}) {
    llvm::BasicBlock* bb = then ? then_bb : else_bb;
    llvm::IRBuilder<> b(bb);
    const Place& at = arms[then ? 0 : 1];
    llvm::Value* p = base(at.global, at.offset);
    if (at.index) p = b.CreateGEP(b.getInt8Ty(), p, {at.index});
    llvm::LoadInst* nl = b.CreateAlignedLoad(ld->getType(), p, ld->getAlign());
    nl->copyMetadata(*ld);
    llvm::Value* v = nl;
    if (!then) v = b.Insert(new llvm::BitCastInst(nl, nl->getType()));  // unlike the other arm: not sunk
    b.CreateBr(tail);
    phi->addIncoming(v, bb);
  }
  llvm::Value* old = ld->getPointerOperand();
  ld->replaceAllUsesWith(phi);
  ld->eraseFromParent();
  llvm::RecursivelyDeleteTriviallyDeadInstructions(old);
}

}  // namespace

unsigned predicate_place_loads(llvm::Module& mod) {
  unsigned n = 0;
  for (llvm::Function& f : mod) {
    if (f.isDeclaration()) continue;
    std::vector<llvm::WeakTrackingVH> work;  // a split may delete a load its address made dead
    for (llvm::BasicBlock& bb : f)
      for (llvm::Instruction& i : bb)
        if (llvm::isa<llvm::LoadInst>(&i)) work.emplace_back(&i);
    // Each base once per loop nest, as a value of the outermost loop's
    // preheader, so that it is one register (a literal, and its offset) over
    // the loop and each arm one load: a constant would be made again in each
    // arm. Outside a loop, in the block of the load, where holding it costs
    // no register elsewhere. A freeze of a constant is the constant; it keeps
    // codegen from folding it back into the arm.
    llvm::DominatorTree dt(f);
    llvm::LoopInfo li(dt);
    std::map<llvm::Value*, llvm::BasicBlock*> home;  // load -> the preheader its bases go to
    for (llvm::Value* v : work) {
      auto* ld = llvm::cast<llvm::LoadInst>(v);
      llvm::Loop* l = li.getLoopFor(ld->getParent());
      while (l && l->getParentLoop()) l = l->getParentLoop();
      home[ld] = l ? l->getLoopPreheader() : nullptr;
    }
    std::map<std::tuple<llvm::BasicBlock*, llvm::GlobalVariable*, int64_t>, llvm::Value*> bases;
    llvm::BasicBlock* at_home = nullptr;
    llvm::BasicBlock* head = nullptr;  // the load's block, which split() leaves ending in its branch
    auto base = [&](llvm::GlobalVariable* g, int64_t offset) -> llvm::Value* {
      llvm::Constant* c = llvm::ConstantExpr::getGetElementPtr(
          llvm::Type::getInt8Ty(f.getContext()), g,
          llvm::ConstantInt::get(f.getContext(), llvm::APInt(32, uint64_t(offset))));
      if (!at_home) return llvm::IRBuilder<>(head->getTerminator()).CreateFreeze(c);
      llvm::Value*& v = bases[{at_home, g, offset}];
      if (!v) v = llvm::IRBuilder<>(at_home->getTerminator()).CreateFreeze(c);
      return v;
    };
    std::vector<llvm::GetElementPtrInst*> chain;
    Place arms[2];
    for (llvm::Value* v : work)
      if (auto* ld = llvm::dyn_cast_or_null<llvm::LoadInst>(v); ld && ld->getParent())
        if (llvm::SelectInst* s = place_select(ld, chain, arms)) {
          at_home = home[ld];
          head = ld->getParent();
          split(ld, s, arms, base);
          ++n;
        }
  }
  return n;
}

}  // namespace gust::dissolve
