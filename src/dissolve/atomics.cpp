// The threads proposal's atomics, for one Cortex-M3 core whose only other
// agent is an interrupt handler on the same core: loads and stores are single
// LDR/STR (single-copy atomic when aligned), read-modify-write and cmpxchg are
// LDREX/STREX loops (an exception entry or return clears the local monitor, so
// a handler that runs between the two makes the STREX fail and the loop
// retry). No barrier instruction: one core needs none. Every access is
// monotonic in LLVM's model between two single-thread seq_cst fences, which
// order it against every other access as wasm's seq_cst requires, so the
// optimiser neither moves plain accesses across it nor hoists it out of a
// loop, and the ARM backend emits no DMB (a signal fence is a compiler
// barrier only).
#include "dissolve/lowering.h"
#include "gust/trap.h"

namespace gust::dissolve {

namespace {

// The group of an atomic opcode in opcodes.def: load, store, then the
// read-modify-write operators in encoding order.
enum class Group { Load, Store, Add, Sub, And, Or, Xor, Xchg, Cmpxchg };

Group group_of(Op op) { return Group((info(op).code - 0x10) / 7); }

bool is_i64(Op op) { return std::string_view(info(op).text).substr(0, 3) == "i64"; }

llvm::AtomicRMWInst::BinOp rmw_op(Group g) {
  switch (g) {
    case Group::Add:
      return llvm::AtomicRMWInst::Add;
    case Group::Sub:
      return llvm::AtomicRMWInst::Sub;
    case Group::And:
      return llvm::AtomicRMWInst::And;
    case Group::Or:
      return llvm::AtomicRMWInst::Or;
    case Group::Xor:
      return llvm::AtomicRMWInst::Xor;
    case Group::Xchg:
      return llvm::AtomicRMWInst::Xchg;
    default:
      GUST_DIE("not a read-modify-write group");
  }
}

}  // namespace

bool Lowering::lower_atomic(const Instr& in) {
  const OpInfo& oi = info(in.op);
  if (in.op != Op::AtomicFence && oi.imm != Imm::AtomicMemArg) return false;
  const auto one_core = llvm::SyncScope::SingleThread;
  auto fence = [&] { b_.CreateFence(llvm::AtomicOrdering::SequentiallyConsistent, one_core); };
  if (in.op == Op::AtomicFence) {
    fence();
    return true;
  }
  const unsigned size = 1u << atomic_width_log2(in.op);
  llvm::Type* mem_ty = b_.getIntNTy(8 * size);
  llvm::Type* val_ty = is_i64(in.op) ? b_.getInt64Ty() : b_.getInt32Ty();
  const Group g = group_of(in.op);
  // Operands: address, then the value (store, rmw), or expected and
  // replacement (cmpxchg).
  Value* replacement = g == Group::Cmpxchg ? pop() : nullptr;
  Value* operand = g == Group::Load ? nullptr : pop();
  Value* addr = pop();
  Value* p = address(addr, in.b, size, g != Group::Load);
  // wasm traps on a misaligned effective address (addr + offset, whose low
  // bits do not depend on a wrap); the region is 8-aligned, so an aligned
  // wasm address is an aligned native one (LDREX/STREX fault otherwise).
  if (size > 1) {
    Value* ea_low = b_.CreateAdd(addr, b_.getInt32(in.b));
    trap_if(b_.CreateICmpNE(b_.CreateAnd(ea_low, b_.getInt32(size - 1)), b_.getInt32(0)), GUST_TRAP_UNALIGNED_ATOMIC);
  }
  auto narrow = [&](Value* v) { return v->getType() == mem_ty ? v : b_.CreateTrunc(v, mem_ty); };
  auto widen = [&](Value* v) { return v->getType() == val_ty ? v : b_.CreateZExt(v, val_ty); };
  const auto order = llvm::AtomicOrdering::Monotonic;
  const llvm::Align align(size);
  fence();
  switch (g) {
    case Group::Load: {
      auto* ld = b_.CreateAlignedLoad(mem_ty, p, align);
      ld->setAtomic(order, one_core);
      push(widen(ld));
      break;
    }
    case Group::Store: {
      auto* st = b_.CreateAlignedStore(narrow(operand), p, align);
      st->setAtomic(order, one_core);
      break;
    }
    case Group::Cmpxchg: {
      // A narrow cmpxchg compares the loaded bits with the expected value
      // wrapped to the access width, and stores the wrapped replacement.
      auto* x = b_.CreateAtomicCmpXchg(p, narrow(operand), narrow(replacement), align, order, order, one_core);
      push(widen(b_.CreateExtractValue(x, 0)));
      break;
    }
    default:
      push(widen(b_.CreateAtomicRMW(rmw_op(g), p, narrow(operand), align, order, one_core)));
      break;
  }
  fence();
  return true;
}

}  // namespace gust::dissolve
