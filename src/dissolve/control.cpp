// Structured control flow (blocks, loops, ifs, branches, returns), calls, and
// the frame: the operand stack, locals and globals.
#include <llvm/IR/InlineAsm.h>

#include "dissolve/lowering.h"
#include "gust/trap.h"

namespace gust::dissolve {

std::vector<llvm::PHINode*> Lowering::make_phis(BasicBlock* bb, const std::vector<ValType>& ts) {
  std::vector<llvm::PHINode*> phis;
  llvm::IRBuilder<> pb(bb, bb->begin());
  for (auto t : ts) phis.push_back(pb.CreatePHI(type(t), 2));
  return phis;
}

void Lowering::add_incoming(Ctrl& c, BasicBlock* from, const std::vector<Value*>& vals) {
  auto& phis = c.op == Op::Loop ? c.loop_phis : c.end_phis;
  for (size_t i = 0; i < phis.size(); ++i) phis[i]->addIncoming(vals[i], from);
}

void Lowering::branch_to(Ctrl& c) {
  const size_t n = c.op == Op::Loop ? c.params.size() : c.results.size();
  std::vector<Value*> vals(stack_.end() - n, stack_.end());
  add_incoming(c, b_.GetInsertBlock(), vals);
  b_.CreateBr(c.op == Op::Loop ? c.loop_bb : c.end_bb);
}

void Lowering::fall_through(Ctrl& c) {
  std::vector<Value*> vals(stack_.end() - c.results.size(), stack_.end());
  for (size_t i = 0; i < c.end_phis.size(); ++i) c.end_phis[i]->addIncoming(vals[i], b_.GetInsertBlock());
  b_.CreateBr(c.end_bb);
}

void Lowering::trap(unsigned code) {
  BasicBlock*& bb = trap_blocks_[code];
  if (!bb) {
    bb = BasicBlock::Create(ctx_, "trap" + std::to_string(code), fn_);
    llvm::IRBuilder<> tb(bb);
    tb.SetCurrentDebugLocation(b_.getCurrentDebugLocation());  // the first site's, with debug information
    tb.CreateCall(trap_fn_, {tb.getInt32(code)});
    tb.CreateUnreachable();
  }
  b_.CreateBr(bb);
}

void Lowering::trap_if(Value* cond, unsigned code) {
  if (auto* k = llvm::dyn_cast<llvm::ConstantInt>(cond); k && k->isZero()) return;
  BasicBlock* ok = BasicBlock::Create(ctx_, "ok", fn_);
  BasicBlock* here = b_.GetInsertBlock();
  BasicBlock* tb = BasicBlock::Create(ctx_, "t", fn_);
  b_.CreateCondBr(cond, tb, ok);
  b_.SetInsertPoint(tb);
  trap(code);
  (void)here;
  b_.SetInsertPoint(ok);
}

// The expected signature object's address for call_indirect, put in a
// register by a movw/movt pair right where the check is. The asm has side
// effects, so LLVM neither hoists it out of a loop nor shares it between
// checks: the compare and its constant stay in one straight line with the
// call, the shape the image audit accepts as the dispatch.
Value* Lowering::expected_signature(const FuncType& ft) {
  auto* ty = llvm::FunctionType::get(b_.getPtrTy(), {b_.getPtrTy()}, false);
  auto* movw_movt = llvm::InlineAsm::get(ty, "movw $0, :lower16:${1:c}\n\tmovt $0, :upper16:${1:c}", "=r,i",
                                         /*hasSideEffects=*/true);
  return b_.CreateCall(movw_movt, {signature(ft)});
}

std::vector<Value*> Lowering::call(llvm::FunctionCallee callee, const FuncType& ft, bool dispatch) {
  std::vector<Value*> args = pop_n(ft.params.size());
  llvm::CallInst* r = b_.CreateCall(callee, args);
  // Never a tail call: the indirect branch stays a blx right after its
  // check, the one shape the image audit accepts.
  if (dispatch) r->setTailCallKind(llvm::CallInst::TCK_NoTail);
  std::vector<Value*> out;
  if (ft.results.size() == 1)
    out.push_back(r);
  else
    for (unsigned i = 0; i < ft.results.size(); ++i) out.push_back(b_.CreateExtractValue(r, {i}));
  return out;
}

void Lowering::do_return() {
  std::vector<Value*> vals = pop_n(ftype_->results.size());
  if (vals.empty()) {
    b_.CreateRetVoid();
  } else if (vals.size() == 1) {
    b_.CreateRet(vals[0]);
  } else {
    Value* agg = llvm::UndefValue::get(fn_->getReturnType());
    for (unsigned i = 0; i < vals.size(); ++i) agg = b_.CreateInsertValue(agg, vals[i], {i});
    b_.CreateRet(agg);
  }
}

bool Lowering::lower_control(const Instr& in) {
  auto block_type = [&](const BlockType& bt) { return *block_signature(m_, bt); };  // validated
  switch (in.op) {
    // ---- control
    case Op::Unreachable:
      trap(GUST_TRAP_UNREACHABLE);
      dead_ = true;
      return true;
    case Op::Nop:
      return true;
    case Op::Block:
    case Op::Loop:
    case Op::If: {
      FuncType bt = block_type(in.block);
      Ctrl c;
      c.op = in.op;
      c.params = bt.params;
      c.results = bt.results;
      Value* cond = in.op == Op::If ? pop() : nullptr;
      c.height = stack_.size() - bt.params.size();
      c.end_bb = BasicBlock::Create(ctx_, "end", fn_);
      c.end_phis = make_phis(c.end_bb, c.results);
      if (in.op == Op::Loop) {
        c.loop_bb = BasicBlock::Create(ctx_, "loop", fn_);
        c.loop_phis = make_phis(c.loop_bb, c.params);
        branch_to(c);
        stack_.resize(c.height);
        for (auto* p : c.loop_phis) push(p);
        b_.SetInsertPoint(c.loop_bb);
      } else if (in.op == Op::If) {
        BasicBlock* then_bb = BasicBlock::Create(ctx_, "then", fn_);
        c.else_bb = BasicBlock::Create(ctx_, "else", fn_);
        c.if_params.assign(stack_.end() - bt.params.size(), stack_.end());
        b_.CreateCondBr(b_.CreateICmpNE(cond, b_.getInt32(0)), then_bb, c.else_bb);
        b_.SetInsertPoint(then_bb);
      }
      ctrls_.push_back(std::move(c));
      return true;
    }
    case Op::Else: {
      Ctrl& c = ctrls_.back();
      if (!dead_) fall_through(c);
      dead_ = false;
      stack_.resize(c.height);
      for (auto* v : c.if_params) push(v);
      b_.SetInsertPoint(c.else_bb);
      c.else_bb = nullptr;
      return true;
    }
    case Op::End: {
      Ctrl& c = ctrls_.back();
      if (!dead_) fall_through(c);
      if (c.else_bb) {  // an if without else passes its parameters through
        b_.SetInsertPoint(c.else_bb);
        for (size_t i = 0; i < c.end_phis.size(); ++i) c.end_phis[i]->addIncoming(c.if_params[i], c.else_bb);
        b_.CreateBr(c.end_bb);
      }
      stack_.resize(c.height);
      b_.SetInsertPoint(c.end_bb);
      if (llvm::pred_empty(c.end_bb)) {
        // Nothing reaches the end: the code after it is unreachable.
        for (auto* p : c.end_phis) p->eraseFromParent();
        c.end_phis.clear();
        dead_ = true;
        if (ctrls_.size() > 1) c.end_bb->eraseFromParent();
      } else {
        dead_ = false;
        for (auto* p : c.end_phis) push(p);
      }
      const bool outermost = ctrls_.size() == 1;
      ctrls_.pop_back();
      if (outermost) {
        if (dead_) {
          b_.CreateUnreachable();
        } else {
          do_return();
        }
      }
      return true;
    }
    case Op::Br:
      branch_to(ctrls_[ctrls_.size() - 1 - in.a]);
      dead_ = true;
      return true;
    case Op::BrIf: {
      Value* cond = pop();
      Ctrl& c = ctrls_[ctrls_.size() - 1 - in.a];
      BasicBlock* taken = BasicBlock::Create(ctx_, "br_if", fn_);
      BasicBlock* next = BasicBlock::Create(ctx_, "next", fn_);
      b_.CreateCondBr(b_.CreateICmpNE(cond, b_.getInt32(0)), taken, next);
      b_.SetInsertPoint(taken);
      branch_to(c);
      b_.SetInsertPoint(next);
      return true;
    }
    case Op::BrTable: {
      Value* index = pop();
      // One landing block per case, so each phi sees one edge per block.
      auto landing = [&](uint32_t depth) {
        BasicBlock* bb = BasicBlock::Create(ctx_, "br_table", fn_);
        llvm::IRBuilder<>::InsertPointGuard guard(b_);
        b_.SetInsertPoint(bb);
        branch_to(ctrls_[ctrls_.size() - 1 - depth]);
        return bb;
      };
      auto* sw = b_.CreateSwitch(index, landing(in.targets.back()), unsigned(in.targets.size() - 1));
      std::map<uint32_t, BasicBlock*> by_depth;
      for (size_t i = 0; i + 1 < in.targets.size(); ++i) {
        BasicBlock*& bb = by_depth[in.targets[i]];
        if (!bb) bb = landing(in.targets[i]);
        sw->addCase(b_.getInt32(uint32_t(i)), bb);
      }
      dead_ = true;
      return true;
    }
    case Op::Return:
      do_return();
      dead_ = true;
      return true;
    case Op::Call: {
      // Through the wasm type, as the callee may be an import declared before.
      const FuncType& ft = m_.func_type(in.a);
      for (auto* v : call(llvm::FunctionCallee(fn_type(ft), funcs_[in.a]), ft)) push(v);
      return true;
    }
    case Op::CallIndirect: {
      const FuncType& ft = m_.types[in.a];
      Value* index = pop();
      Value* slot = table_slot(in.b, index, GUST_TRAP_TABLE_OOB);
      Value* desc = b_.CreateLoad(b_.getPtrTy(), slot);
      trap_if(b_.CreateICmpEQ(desc, llvm::ConstantPointerNull::get(b_.getPtrTy())), GUST_TRAP_NULL_REF);
      // The exact check: the descriptor's signature object is the expected
      // one (see signature()), then the call. The image audit accepts an
      // indirect branch only in this dispatch, emitted as (registers vary;
      // Rd holds the descriptor, already checked non-null):
      //   ldr   Rs, [Rd, #4]           the descriptor's signature object
      //   movw  Re, #:lower16:gust_sig_<hex>   the expected one, here
      //   movt  Re, #:upper16:gust_sig_<hex>   (see expected_signature())
      //   cmp   Rs, Re
      //   bne   <movs r0, #7; bl gust_trap>    GUST_TRAP_SIG_MISMATCH
      //   ldr   Rt, [Rd, #0]           the function
      //   ...                          straight-line argument set-up: no
      //                                branch, no write to Rt or Rd
      //   blx   Rt                     never a tail call (bx): see call()
      // The ldr of Rs may come after the movw/movt.
      Value* sig = b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(desc_type_, desc, 1));
      trap_if(b_.CreateICmpNE(sig, expected_signature(ft)), GUST_TRAP_SIG_MISMATCH);
      Value* target = b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(desc_type_, desc, 0));
      for (auto* v : call(llvm::FunctionCallee(fn_type(ft), target), ft, /*dispatch=*/true)) push(v);
      return true;
    }
    // ---- parametric
    case Op::Drop:
      pop();
      return true;
    case Op::Select:
    case Op::SelectT: {
      Value* c = pop();
      Value* f = pop();
      Value* t = pop();
      push(b_.CreateSelect(b_.CreateICmpNE(c, b_.getInt32(0)), t, f));
      return true;
    }
    // ---- variables
    case Op::LocalGet:
      push(b_.CreateLoad(type(local_types_[in.a]), locals_[in.a]));
      return true;
    case Op::LocalSet:
      b_.CreateStore(pop(), locals_[in.a]);
      return true;
    case Op::LocalTee:
      b_.CreateStore(stack_.back(), locals_[in.a]);
      return true;
    case Op::GlobalGet:
      push(b_.CreateLoad(globals_[in.a]->getValueType(), globals_[in.a]));
      return true;
    case Op::GlobalSet:
      b_.CreateStore(pop(), globals_[in.a]);
      return true;
    default:
      return false;
  }
}

}  // namespace gust::dissolve
