// The memory model: effective addresses and their bounds checks, loads,
// stores, memory.size/grow and the bulk operations (init, copy, fill).
#include <cstdio>

#include "dissolve/lowering.h"
#include "gust/trap.h"

namespace gust::dissolve {

Value* Lowering::memory_bytes() {
  if (!memory_pages_) return b_.getInt64(memory_size_);
  return b_.CreateMul(b_.CreateZExt(b_.CreateLoad(b_.getInt32Ty(), memory_pages_), b_.getInt64Ty()),
                      b_.getInt64(kPage));
}

// Where the bytes live (define_memory): one SRAM array, memory_ + e; or,
// with read-only data in flash, three places: below the hull [A, B) in
// memory_ + e, inside it in rodata_ + (e - A), from B - pad up in
// memory_ + e + hi_off_. The pads are copies of the hull's ends, so that an
// access straddling A or B reads one array.
//
// The low layout (read_only_data: the hull from 0, A = 0) has two places and
// no low copy: a load below B - size + 1 is in flash, any other access in
// memory_ + e + hi_off_; a store traps below B. One compare per load.
Value* Lowering::ram_pointer(Value* ea) {
  if (!rodata_) return b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {ea});
  if (ro_begin_ == 0) return b_.CreateGEP(b_.getInt8Ty(), memory_, {b_.CreateAdd(ea, b_.getInt64(uint64_t(hi_off_)))});
  Value* low = b_.CreateICmpULT(ea, b_.getInt64(ro_begin_));
  Value* at = b_.CreateSelect(low, ea, b_.CreateAdd(ea, b_.getInt64(uint64_t(hi_off_))));
  return b_.CreateGEP(b_.getInt8Ty(), memory_, {at});
}

Value* Lowering::load_pointer(Value* ea, unsigned size) {
  if (!rodata_) return ram_pointer(ea);
  Value* in_ro = b_.CreateICmpULE(b_.CreateAdd(ea, b_.getInt64(size)), b_.getInt64(ro_end_));
  Value* flash = b_.CreateGEP(b_.getInt8Ty(), rodata_, {b_.CreateSub(ea, b_.getInt64(ro_begin_))});
  Value* high = b_.CreateGEP(b_.getInt8Ty(), memory_, {b_.CreateAdd(ea, b_.getInt64(uint64_t(hi_off_)))});
  if (ro_begin_ == 0) return b_.CreateSelect(in_ro, flash, high);
  Value* low = b_.CreateICmpULT(ea, b_.getInt64(ro_begin_));
  Value* low_p = b_.CreateGEP(b_.getInt8Ty(), memory_, {ea});
  return b_.CreateSelect(low, low_p, b_.CreateSelect(in_ro, flash, high));
}

// [ea, ea + n) meets [A, B): n > 0, ea < B and ea + n > A (i64, no wrap).
Value* Lowering::store_forbidden(Value* ea, Value* n) {
  if (ro_begin_ == 0) {  // [0, B): a non-empty access from below B
    Value* below = b_.CreateICmpULT(ea, b_.getInt64(ro_end_));
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(n); c && !c->isZero()) return below;
    return b_.CreateAnd(below, b_.CreateICmpNE(n, b_.getInt64(0)));
  }
  Value* end = b_.CreateAdd(ea, n);
  return b_.CreateAnd(b_.CreateICmpULT(ea, b_.getInt64(ro_end_)), b_.CreateICmpUGT(end, b_.getInt64(ro_begin_)));
}

// base + addr + offset, after checking addr + offset + size <= memory size,
// and for a store that it misses the read-only hull. A store to read-only
// data traps as an access out of bounds: C never makes one, so the trap is a
// defined program's only way to notice the data is in flash.
Value* Lowering::address(Value* addr, uint32_t offset, unsigned size, bool store) {
  if (!memory_) GUST_DIE("memory access without a region");
  if (o_.bounds_checks && memory_pages_) {
    Value* end = b_.CreateAdd(b_.CreateZExt(addr, b_.getInt64Ty()), b_.getInt64(uint64_t(offset) + size));
    trap_if(b_.CreateICmpUGT(end, memory_bytes()), GUST_TRAP_MEMORY_OOB);
  } else if (o_.bounds_checks) {
    const uint64_t need = uint64_t(offset) + size;
    if (need > memory_size_) {
      warn_out_of_bounds(offset, size);
      trap_if(b_.getTrue(), GUST_TRAP_MEMORY_OOB);
    } else {
      if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(addr); c && c->getZExtValue() > memory_size_ - need)
        warn_out_of_bounds(c->getZExtValue() + offset, size);
      // One unsigned compare against a constant: addr > size - offset - width.
      trap_if(b_.CreateICmpUGT(b_.CreateZExt(addr, b_.getInt64Ty()), b_.getInt64(memory_size_ - need)),
              GUST_TRAP_MEMORY_OOB);
    }
  }
  Value* ea = b_.CreateZExt(addr, b_.getInt64Ty());
  if (offset) ea = b_.CreateAdd(ea, b_.getInt64(offset), "", /*NUW*/ true);
  if (!rodata_) return b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {ea});
  if (!store) return load_pointer(ea, size);
  // Unchecked code (--no-bounds-checks) is unsafe anyway, but a store into
  // flash would fault the core rather than trap: it is checked regardless.
  trap_if(store_forbidden(ea, b_.getInt64(size)), GUST_TRAP_MEMORY_OOB);
  return ram_pointer(ea);
}

// A module's constant out-of-bounds access is legal wasm that can only
// trap; it is nearly always a region smaller than the data the code
// reaches, so it is reported with where it is and how large the region is.
void Lowering::warn_out_of_bounds(uint64_t at, unsigned size) {
  warned_.insert(func_index_);
  fn_->addFnAttr("gust-warned");  // emit's check after optimisation says it once
  char where[64];
  snprintf(where, sizeof where, "%08zx", at_);
  warnings_.push_back(std::string(where) + ": warning: function " + std::to_string(func_index_) +
                      function_name_suffix() + ": a " + std::to_string(size) + "-byte access at address " +
                      std::to_string(at) + " is always outside the " + std::to_string(memory_size_) +
                      "-byte memory region, so it can only trap");
}

// memory.copy's source, which may lie in any of the three places, and span
// them (a copy from below the hull over it, or over its end): the parts one
// by one, in the order memmove needs (a destination below the source takes
// the low part first; above it, the high part first). The destination is
// writable, so in one SRAM part. An internal function, so that each call
// site is one check and a call.
llvm::Function* Lowering::copy_in() {
  if (copy_in_fn_) return copy_in_fn_;
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::Type* ptr = b_.getPtrTy();
  auto* ft = llvm::FunctionType::get(b_.getVoidTy(), {ptr, i64, i64, i64}, false);
  copy_in_fn_ = llvm::Function::Create(ft, llvm::GlobalValue::InternalLinkage, local_name("copy_in"), *mod_);
  copy_in_fn_->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::IRBuilder<> saved(b_.GetInsertBlock(), b_.GetInsertPoint());
  auto* entry = BasicBlock::Create(ctx_, "entry", copy_in_fn_);
  auto* one = BasicBlock::Create(ctx_, "one", copy_in_fn_);
  auto* parts = BasicBlock::Create(ctx_, "parts", copy_in_fn_);
  auto* up = BasicBlock::Create(ctx_, "up", copy_in_fn_);
  auto* down = BasicBlock::Create(ctx_, "down", copy_in_fn_);
  auto* done = BasicBlock::Create(ctx_, "done", copy_in_fn_);
  llvm::IRBuilder<> fb(entry);
  auto args = copy_in_fn_->arg_begin();
  Value* dst = &args[0];     // the destination's place
  Value* dst_ea = &args[1];  // and its wasm address
  Value* src = &args[2];     // the source's wasm address
  Value* n = &args[3];
  Value* a = fb.getInt64(ro_begin_);
  Value* b = fb.getInt64(ro_end_);
  Value* src_end = fb.CreateAdd(src, n);
  auto at = [&](llvm::IRBuilder<>& ib, llvm::GlobalVariable* g, Value* off) {
    return ib.CreateGEP(ib.getInt8Ty(), g, {off});
  };
  // One place holds the whole source: below A plus the low pad, inside the
  // hull, or from B less the high pad up.
  Value* in_low = ro_begin_ == 0 ? fb.getFalse() : fb.CreateICmpULE(src_end, fb.getInt64(ro_begin_ + lo_pad_));
  Value* in_ro = fb.CreateAnd(fb.CreateICmpUGE(src, a), fb.CreateICmpULE(src_end, b));
  Value* in_high = fb.CreateICmpUGE(src, fb.getInt64(ro_end_ - kReadOnlyPad));
  Value* whole = fb.CreateSelect(in_low, at(fb, memory_, src),
                                 fb.CreateSelect(in_ro, at(fb, rodata_, fb.CreateSub(src, a)),
                                                 at(fb, memory_, fb.CreateAdd(src, fb.getInt64(uint64_t(hi_off_))))));
  fb.CreateCondBr(fb.CreateOr(in_low, fb.CreateOr(in_ro, in_high)), one, parts);
  fb.SetInsertPoint(one);
  fb.CreateMemMove(dst, llvm::MaybeAlign(1), whole, llvm::MaybeAlign(1), n);
  fb.CreateBr(done);
  // Spanning: [src, A') low, [A', B') flash, [B', src_end) high, where A' is
  // max(src, A) and B' min(src_end, B).
  fb.SetInsertPoint(parts);
  Value* a1 = fb.CreateSelect(fb.CreateICmpUGT(src, a), src, a);
  Value* b1 = fb.CreateSelect(fb.CreateICmpULT(src_end, b), src_end, b);
  Value* low_n = fb.CreateSub(a1, src);
  Value* ro_n = fb.CreateSub(b1, a1);
  Value* high_n = fb.CreateSub(src_end, b1);
  auto dst_at = [&](llvm::IRBuilder<>& ib, Value* wasm) {
    return ib.CreateGEP(ib.getInt8Ty(), dst, {ib.CreateSub(wasm, src)});
  };
  auto copy_parts = [&](llvm::IRBuilder<>& ib, bool low_first) {
    auto low = [&] {
      ib.CreateMemMove(dst_at(ib, src), llvm::MaybeAlign(1), at(ib, memory_, src), llvm::MaybeAlign(1), low_n);
    };
    auto high = [&] {
      ib.CreateMemMove(dst_at(ib, b1), llvm::MaybeAlign(1),
                       at(ib, memory_, ib.CreateAdd(b1, ib.getInt64(uint64_t(hi_off_)))), llvm::MaybeAlign(1), high_n);
    };
    if (low_first)
      low();
    else
      high();
    ib.CreateMemCpy(dst_at(ib, a1), llvm::MaybeAlign(1), at(ib, rodata_, ib.CreateSub(a1, a)), llvm::MaybeAlign(1),
                    ro_n);
    if (low_first)
      high();
    else
      low();
    ib.CreateBr(done);
  };
  fb.CreateCondBr(fb.CreateICmpULT(dst_ea, src), up, down);
  fb.SetInsertPoint(up);
  copy_parts(fb, true);
  fb.SetInsertPoint(down);
  copy_parts(fb, false);
  fb.SetInsertPoint(done);
  fb.CreateRetVoid();
  (void)saved;
  return copy_in_fn_;
}

bool Lowering::lower_memory(const Instr& in) {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  auto load = [&](llvm::Type* mem_ty, llvm::Type* to, bool sign) {
    Value* p = address(pop(), in.b, unsigned(mem_ty->getPrimitiveSizeInBits() / 8), false);
    auto* ld = b_.CreateAlignedLoad(mem_ty, p, llvm::Align(1));
    Value* v = ld;
    if (mem_ty != to) v = sign ? b_.CreateSExt(v, to) : b_.CreateZExt(v, to);
    push(v);
  };
  auto store = [&](llvm::Type* mem_ty) {
    Value* v = pop();
    Value* p = address(pop(), in.b, unsigned(mem_ty->getPrimitiveSizeInBits() / 8), true);
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
      if (rodata_) bad = b_.CreateOr(bad, store_forbidden(b_.CreateZExt(dst, i64), b_.CreateZExt(n, i64)));
      trap_if(bad, GUST_TRAP_MEMORY_OOB);
      Value* dp = ram_pointer(b_.CreateZExt(dst, i64));
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
      // One check of both ends per call, then the C library's routine
      // (LLVM's memset/memmove: __aeabi_memset/__aeabi_memmove on this
      // target), which the image links; no per-byte check.
      Value* n = pop();
      Value* src_or_val = pop();
      Value* dst = pop();
      // A fixed region's size is a constant: in 32 bits, n > size or
      // at > size - n (no sum that could wrap), two compares, not 64-bit ones.
      auto outside = [&](Value* at) {
        if (memory_pages_) return past_end(at, n, memory_bytes());
        Value* size = b_.getInt32(uint32_t(memory_size_));
        return b_.CreateOr(b_.CreateICmpUGT(n, size), b_.CreateICmpUGT(at, b_.CreateSub(size, n)));
      };
      Value* bad = outside(dst);
      if (in.op == Op::MemoryCopy) bad = b_.CreateOr(bad, outside(src_or_val));
      Value* dst_ea = b_.CreateZExt(dst, i64);
      Value* n64 = b_.CreateZExt(n, i64);
      if (rodata_) bad = b_.CreateOr(bad, store_forbidden(dst_ea, n64));
      trap_if(bad, GUST_TRAP_MEMORY_OOB);
      Value* d = ram_pointer(dst_ea);
      if (in.op == Op::MemoryFill) {
        b_.CreateMemSet(d, b_.CreateTrunc(src_or_val, b_.getInt8Ty()), n, llvm::MaybeAlign(1));
      } else if (rodata_) {
        b_.CreateCall(copy_in(), {d, dst_ea, b_.CreateZExt(src_or_val, i64), n64});
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
