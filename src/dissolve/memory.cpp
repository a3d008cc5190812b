// The memory model: effective addresses and their bounds checks, loads,
// stores, memory.size/grow and the bulk operations (init, copy, fill).
#include "dissolve/lowering.h"
#include "gust/trap.h"

namespace gust::dissolve {

Value* Lowering::memory_bytes() {
  if (!memory_pages_) return b_.getInt64(memory_size_);
  return b_.CreateMul(b_.CreateZExt(b_.CreateLoad(b_.getInt32Ty(), memory_pages_), b_.getInt64Ty()),
                      b_.getInt64(kPage));
}

// base + addr + offset, after checking addr + offset + size <= memory size.
Value* Lowering::address(Value* addr, uint32_t offset, unsigned size) {
  if (!memory_) GUST_DIE("memory access without a region");
  if (o_.bounds_checks && memory_pages_) {
    Value* end = b_.CreateAdd(b_.CreateZExt(addr, b_.getInt64Ty()), b_.getInt64(uint64_t(offset) + size));
    trap_if(b_.CreateICmpUGT(end, memory_bytes()), GUST_TRAP_MEMORY_OOB);
  } else if (o_.bounds_checks) {
    const uint64_t need = uint64_t(offset) + size;
    if (need > memory_size_) {
      trap_if(b_.getTrue(), GUST_TRAP_MEMORY_OOB);
    } else {
      // One unsigned compare against a constant: addr > size - offset - width.
      trap_if(b_.CreateICmpUGT(b_.CreateZExt(addr, b_.getInt64Ty()), b_.getInt64(memory_size_ - need)),
              GUST_TRAP_MEMORY_OOB);
    }
  }
  Value* ea = b_.CreateZExt(addr, b_.getInt64Ty());
  if (offset) ea = b_.CreateAdd(ea, b_.getInt64(offset), "", /*NUW*/ true);
  return b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {ea});
}

bool Lowering::lower_memory(const Instr& in) {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  auto load = [&](llvm::Type* mem_ty, llvm::Type* to, bool sign) {
    Value* p = address(pop(), in.b, unsigned(mem_ty->getPrimitiveSizeInBits() / 8));
    auto* ld = b_.CreateAlignedLoad(mem_ty, p, llvm::Align(1));
    Value* v = ld;
    if (mem_ty != to) v = sign ? b_.CreateSExt(v, to) : b_.CreateZExt(v, to);
    push(v);
  };
  auto store = [&](llvm::Type* mem_ty) {
    Value* v = pop();
    Value* p = address(pop(), in.b, unsigned(mem_ty->getPrimitiveSizeInBits() / 8));
    if (v->getType() != mem_ty) v = b_.CreateTrunc(v, mem_ty);
    b_.CreateAlignedStore(v, p, llvm::Align(1));
  };
  switch (in.op) {
    case Op::DataDrop:
      b_.CreateStore(b_.getInt32(0), data_lens_[in.a]);
      return true;
    case Op::MemoryInit: {
      Value* n = pop();
      Value* src = pop();
      Value* dst = pop();
      Value* bad =
          b_.CreateOr(past_end(src, n, b_.CreateLoad(i32, data_lens_[in.a])), past_end(dst, n, memory_bytes()));
      trap_if(bad, GUST_TRAP_MEMORY_OOB);
      Value* dp = b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {b_.CreateZExt(dst, i64)});
      Value* sp = b_.CreateInBoundsGEP(data_segs_[in.a]->getValueType(), data_segs_[in.a], {b_.getInt32(0), src});
      b_.CreateMemCpy(dp, llvm::MaybeAlign(1), sp, llvm::MaybeAlign(1), n);
      return true;
    }
    // ---- memory
    case Op::I32Load:
      load(i32, i32, false);
      return true;
    case Op::I64Load:
      load(i64, i64, false);
      return true;
    case Op::F32Load:
      load(b_.getFloatTy(), b_.getFloatTy(), false);
      return true;
    case Op::F64Load:
      load(b_.getDoubleTy(), b_.getDoubleTy(), false);
      return true;
    case Op::I32Load8S:
      load(b_.getInt8Ty(), i32, true);
      return true;
    case Op::I32Load8U:
      load(b_.getInt8Ty(), i32, false);
      return true;
    case Op::I32Load16S:
      load(b_.getInt16Ty(), i32, true);
      return true;
    case Op::I32Load16U:
      load(b_.getInt16Ty(), i32, false);
      return true;
    case Op::I64Load8S:
      load(b_.getInt8Ty(), i64, true);
      return true;
    case Op::I64Load8U:
      load(b_.getInt8Ty(), i64, false);
      return true;
    case Op::I64Load16S:
      load(b_.getInt16Ty(), i64, true);
      return true;
    case Op::I64Load16U:
      load(b_.getInt16Ty(), i64, false);
      return true;
    case Op::I64Load32S:
      load(i32, i64, true);
      return true;
    case Op::I64Load32U:
      load(i32, i64, false);
      return true;
    case Op::I32Store:
      store(i32);
      return true;
    case Op::I64Store:
      store(i64);
      return true;
    case Op::F32Store:
      store(b_.getFloatTy());
      return true;
    case Op::F64Store:
      store(b_.getDoubleTy());
      return true;
    case Op::I32Store8:
    case Op::I64Store8:
      store(b_.getInt8Ty());
      return true;
    case Op::I32Store16:
    case Op::I64Store16:
      store(b_.getInt16Ty());
      return true;
    case Op::I64Store32:
      store(i32);
      return true;
    case Op::MemorySize:
      push(memory_pages_ ? static_cast<Value*>(b_.CreateLoad(i32, memory_pages_))
                         : b_.getInt32(uint32_t(memory_size_ / kPage)));
      return true;
    case Op::MemoryGrow: {
      Value* delta = pop();
      if (memory_pages_) {
        // Pages up to the placed capacity; beyond it -1, as the spec allows.
        Value* old = b_.CreateLoad(i32, memory_pages_);
        Value* want = b_.CreateAdd(b_.CreateZExt(old, i64), b_.CreateZExt(delta, i64));
        Value* cap = memory_max_pages_ ? b_.CreateZExt(b_.CreateLoad(i32, memory_max_pages_), i64)
                                       : static_cast<Value*>(b_.getInt64(memory_capacity_ / kPage));
        Value* ok = b_.CreateICmpULE(want, cap);
        b_.CreateStore(b_.CreateSelect(ok, b_.CreateTrunc(want, i32), old), memory_pages_);
        push(b_.CreateSelect(ok, old, b_.getInt32(uint32_t(-1))));
        return true;
      }
      // The region is placed at its full size: growing by 0 succeeds, any
      // other growth fails with -1, as the spec allows.
      push(b_.CreateSelect(b_.CreateICmpEQ(delta, b_.getInt32(0)), b_.getInt32(uint32_t(memory_size_ / kPage)),
                           b_.getInt32(uint32_t(-1))));
      return true;
    }
    case Op::MemoryFill:
    case Op::MemoryCopy: {
      Value* n = pop();
      Value* src_or_val = pop();
      Value* dst = pop();
      Value* size = memory_bytes();
      Value* bad = past_end(dst, n, size);
      if (in.op == Op::MemoryCopy) bad = b_.CreateOr(bad, past_end(src_or_val, n, size));
      trap_if(bad, GUST_TRAP_MEMORY_OOB);
      Value* d = b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {b_.CreateZExt(dst, i64)});
      if (in.op == Op::MemoryFill) {
        b_.CreateMemSet(d, b_.CreateTrunc(src_or_val, b_.getInt8Ty()), n, llvm::MaybeAlign(1));
      } else {
        Value* s = b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {b_.CreateZExt(src_or_val, i64)});
        b_.CreateMemMove(d, llvm::MaybeAlign(1), s, llvm::MaybeAlign(1), n);
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace gust::dissolve
