// References and tables: ref.func/null/is_null, table.get/set/size/grow/fill/
// copy/init and elem.drop, with their bounds checks.
#include "dissolve/lowering.h"
#include "gust/trap.h"

namespace gust::dissolve {

Value* Lowering::table_size(uint32_t t) {
  const Table& tab = tables2_[t];
  if (!tab.size) return b_.getInt32(uint32_t(tab.min));
  return b_.CreateLoad(b_.getInt32Ty(), tab.size);
}

Value* Lowering::table_slot(uint32_t table, Value* index, unsigned code) {
  trap_if(b_.CreateICmpUGE(index, table_size(table)), code);
  const Table& t = tables2_[table];
  return b_.CreateInBoundsGEP(t.slots->getValueType(), t.slots, {b_.getInt32(0), index});
}

// for (i = 0; i < n; ++i) table[at + i] = value, bounds already checked.
void Lowering::fill_table(uint32_t table, Value* at, Value* value, Value* n) {
  const Table& t = tables2_[table];
  BasicBlock* head = BasicBlock::Create(ctx_, "fill", fn_);
  BasicBlock* body = BasicBlock::Create(ctx_, "fill_body", fn_);
  BasicBlock* done = BasicBlock::Create(ctx_, "fill_done", fn_);
  BasicBlock* entry = b_.GetInsertBlock();
  b_.CreateBr(head);
  b_.SetInsertPoint(head);
  auto* i = b_.CreatePHI(b_.getInt32Ty(), 2);
  i->addIncoming(b_.getInt32(0), entry);
  b_.CreateCondBr(b_.CreateICmpULT(i, n), body, done);
  b_.SetInsertPoint(body);
  Value* slot = b_.CreateInBoundsGEP(t.slots->getValueType(), t.slots, {b_.getInt32(0), b_.CreateAdd(at, i)});
  b_.CreateStore(value, slot);
  i->addIncoming(b_.CreateAdd(i, b_.getInt32(1)), body);
  b_.CreateBr(head);
  b_.SetInsertPoint(done);
}

bool Lowering::lower_table(const Instr& in) {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  switch (in.op) {
    // ---- references
    case Op::RefNull:
      push(llvm::ConstantPointerNull::get(b_.getPtrTy()));
      return true;
    case Op::RefIsNull:
      push(bool_to_i32(b_.CreateIsNull(pop())));
      return true;
    case Op::RefFunc:
      push(descriptor(in.a));
      return true;
    // ---- tables
    case Op::TableGet: {
      Value* slot = table_slot(in.a, pop(), GUST_TRAP_TABLE_ACCESS_OOB);
      push(b_.CreateLoad(b_.getPtrTy(), slot));
      return true;
    }
    case Op::TableSet: {
      Value* v = pop();
      Value* slot = table_slot(in.a, pop(), GUST_TRAP_TABLE_ACCESS_OOB);
      b_.CreateStore(v, slot);
      return true;
    }
    case Op::TableSize:
      push(table_size(in.a));
      return true;
    case Op::TableGrow: {
      Value* n = pop();
      Value* init = pop();
      const Table& t = tables2_[in.a];
      if (!t.size) {
        push(b_.CreateSelect(b_.CreateICmpEQ(n, b_.getInt32(0)), b_.getInt32(uint32_t(t.min)),
                             b_.getInt32(uint32_t(-1))));
        return true;
      }
      Value* old = b_.CreateLoad(i32, t.size);
      Value* want = b_.CreateAdd(b_.CreateZExt(old, i64), b_.CreateZExt(n, i64));
      Value* cap = t.capacity_var ? b_.CreateZExt(b_.CreateLoad(i32, t.capacity_var), i64)
                                  : static_cast<Value*>(b_.getInt64(t.capacity));
      BasicBlock* grow = BasicBlock::Create(ctx_, "table_grow", fn_);
      BasicBlock* done = BasicBlock::Create(ctx_, "table_grown", fn_);
      BasicBlock* here = b_.GetInsertBlock();
      b_.CreateCondBr(b_.CreateICmpULE(want, cap), grow, done);
      b_.SetInsertPoint(grow);
      b_.CreateStore(b_.CreateTrunc(want, i32), t.size);
      fill_table(in.a, old, init, n);
      BasicBlock* grow_end = b_.GetInsertBlock();
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
      auto* phi = b_.CreatePHI(i32, 2);
      phi->addIncoming(b_.getInt32(uint32_t(-1)), here);
      phi->addIncoming(old, grow_end);
      push(phi);
      return true;
    }
    case Op::TableFill: {
      Value* n = pop();
      Value* v = pop();
      Value* at = pop();
      trap_if(past_end(at, n, table_size(in.a)), GUST_TRAP_TABLE_ACCESS_OOB);
      fill_table(in.a, at, v, n);
      return true;
    }
    case Op::TableCopy: {  // a = destination table, b = source table
      Value* n = pop();
      Value* src = pop();
      Value* dst = pop();
      Value* bad = b_.CreateOr(past_end(src, n, table_size(in.b)), past_end(dst, n, table_size(in.a)));
      trap_if(bad, GUST_TRAP_TABLE_ACCESS_OOB);
      const Table& d = tables2_[in.a];
      const Table& s = tables2_[in.b];
      Value* dp = b_.CreateInBoundsGEP(d.slots->getValueType(), d.slots, {b_.getInt32(0), dst});
      Value* sp = b_.CreateInBoundsGEP(s.slots->getValueType(), s.slots, {b_.getInt32(0), src});
      b_.CreateMemMove(dp, llvm::MaybeAlign(4), sp, llvm::MaybeAlign(4), b_.CreateMul(n, b_.getInt32(4)));
      return true;
    }
    case Op::TableInit: {  // a = segment, b = table
      Value* n = pop();
      Value* src = pop();
      Value* dst = pop();
      Value* bad =
          b_.CreateOr(past_end(src, n, b_.CreateLoad(i32, elem_lens_[in.a])), past_end(dst, n, table_size(in.b)));
      trap_if(bad, GUST_TRAP_TABLE_ACCESS_OOB);
      const Table& d = tables2_[in.b];
      Value* dp = b_.CreateInBoundsGEP(d.slots->getValueType(), d.slots, {b_.getInt32(0), dst});
      Value* sp = b_.CreateInBoundsGEP(elem_segs_[in.a]->getValueType(), elem_segs_[in.a], {b_.getInt32(0), src});
      b_.CreateMemCpy(dp, llvm::MaybeAlign(4), sp, llvm::MaybeAlign(4), b_.CreateMul(n, b_.getInt32(4)));
      return true;
    }
    case Op::ElemDrop:
      b_.CreateStore(b_.getInt32(0), elem_lens_[in.a]);
      return true;
    default:
      return false;
  }
}

}  // namespace gust::dissolve
