// Numeric operators: constants, integer and float comparisons and arithmetic
// (soft float: LLVM calls the AEABI helpers), conversions.
#include "dissolve/lowering.h"
#include "gust/trap.h"

namespace gust::dissolve {

Value* Lowering::checked_trunc(Value* x, llvm::Type* to, bool is_signed) {
  // Valid inputs lie strictly between lo and hi (both exactly representable).
  const bool is64 = to->isIntegerTy(64);
  const bool from_double = x->getType()->isDoubleTy();
  double lo, hi;
  if (is_signed) {
    hi = is64 ? 9223372036854775808.0 : 2147483648.0;
    if (is64)
      lo = from_double ? -9223372036854777856.0 : -9223373136366403584.0;
    else
      lo = from_double ? -2147483649.0 : -2147483904.0;
  } else {
    hi = is64 ? 18446744073709551616.0 : 4294967296.0;
    lo = -1.0;
  }
  trap_if(b_.CreateFCmpUNO(x, x), GUST_TRAP_BAD_CONVERSION);
  Value* in_range = b_.CreateAnd(b_.CreateFCmpOGT(x, llvm::ConstantFP::get(x->getType(), lo)),
                                 b_.CreateFCmpOLT(x, llvm::ConstantFP::get(x->getType(), hi)));
  trap_if(b_.CreateNot(in_range), GUST_TRAP_INT_OVERFLOW);
  return is_signed ? b_.CreateFPToSI(x, to) : b_.CreateFPToUI(x, to);
}

// ceil, floor, trunc, nearest and sqrt through libm, except that a NaN
// comes back quietened (x + x), as wasm requires and newlib does not do.
Value* Lowering::float_unary(llvm::Intrinsic::ID constrained) {
  Value* x = pop();
  Value* r = b_.CreateConstrainedFPCall(llvm::Intrinsic::getDeclaration(mod_.get(), constrained, {x->getType()}), {x});
  return b_.CreateSelect(b_.CreateFCmpUNO(x, x), b_.CreateFAdd(x, x), r);
}

// wasm min/max: NaN if either is NaN, and -0 below +0. LLVM's
// llvm.minimum has these semantics but no soft-float lowering on ARM.
Value* Lowering::float_min_max(bool is_min) {
  Value* b = pop();
  Value* a = pop();
  llvm::Type* ft = a->getType();
  llvm::Type* it = ft->isFloatTy() ? b_.getInt32Ty() : b_.getInt64Ty();
  Value* ai = b_.CreateBitCast(a, it);
  Value* bi = b_.CreateBitCast(b, it);
  // Equal operands differ at most in the sign of zero: OR keeps -0 for min,
  // AND keeps +0 for max.
  Value* same = b_.CreateBitCast(is_min ? b_.CreateOr(ai, bi) : b_.CreateAnd(ai, bi), ft);
  Value* pick = b_.CreateSelect(is_min ? b_.CreateFCmpOLT(a, b) : b_.CreateFCmpOGT(a, b), a, b);
  Value* r = b_.CreateSelect(b_.CreateFCmpOEQ(a, b), same, pick);
  // A NaN operand: a + b propagates it, quietened.
  return b_.CreateSelect(b_.CreateFCmpUNO(a, b), b_.CreateFAdd(a, b), r);
}

bool Lowering::lower_numeric(const Instr& in) {
  using P = llvm::CmpInst::Predicate;
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  auto binop = [&](llvm::Instruction::BinaryOps o) {
    Value* rhs = pop();
    Value* lhs = pop();
    push(b_.CreateBinOp(o, lhs, rhs));
  };
  auto cmp = [&](P p) {
    Value* rhs = pop();
    Value* lhs = pop();
    push(bool_to_i32(p >= P::FIRST_ICMP_PREDICATE ? b_.CreateICmp(p, lhs, rhs) : b_.CreateFCmp(p, lhs, rhs)));
  };
  auto shift = [&](llvm::Instruction::BinaryOps o) {
    Value* rhs = pop();
    Value* lhs = pop();
    const unsigned bits = lhs->getType()->getIntegerBitWidth();
    push(b_.CreateBinOp(o, lhs, b_.CreateAnd(rhs, llvm::ConstantInt::get(lhs->getType(), bits - 1))));
  };
  auto unary_intr = [&](llvm::Intrinsic::ID id) {
    Value* x = pop();
    push(intrinsic(id, {x->getType()}, {x}));
  };
  auto binary_intr = [&](llvm::Intrinsic::ID id) {
    Value* rhs = pop();
    Value* lhs = pop();
    push(intrinsic(id, {lhs->getType()}, {lhs, rhs}));
  };
  auto divide = [&](bool is_signed, bool rem) {
    Value* rhs = pop();
    Value* lhs = pop();
    llvm::Type* t = lhs->getType();
    trap_if(b_.CreateICmpEQ(rhs, llvm::ConstantInt::get(t, 0)), GUST_TRAP_DIV_ZERO);
    if (!is_signed) {
      push(rem ? b_.CreateURem(lhs, rhs) : b_.CreateUDiv(lhs, rhs));
      return;
    }
    const unsigned bits = t->getIntegerBitWidth();
    Value* minus1 = b_.CreateICmpEQ(rhs, llvm::ConstantInt::getSigned(t, -1));
    if (!rem) {
      Value* min = llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(bits));
      trap_if(b_.CreateAnd(minus1, b_.CreateICmpEQ(lhs, min)), GUST_TRAP_INT_OVERFLOW);
      push(b_.CreateSDiv(lhs, rhs));
    } else {
      // x rem_s -1 is 0, where LLVM's srem of INT_MIN by -1 is undefined.
      Value* safe = b_.CreateSelect(minus1, llvm::ConstantInt::get(t, 1), rhs);
      push(b_.CreateSRem(lhs, safe));
    }
  };
  auto sext_in = [&](llvm::Type* narrow) {
    Value* x = pop();
    push(b_.CreateSExt(b_.CreateTrunc(x, narrow), x->getType()));
  };
  switch (in.op) {
    // ---- constants
    case Op::I32Const:
      push(b_.getInt32(uint32_t(in.value)));
      return true;
    case Op::I64Const:
      push(b_.getInt64(in.value));
      return true;
    case Op::F32Const:
    case Op::F64Const: {
      ConstExpr c;
      c.op = in.op;
      c.value = in.value;
      push(const_value(c));
      return true;
    }
    // ---- integer comparisons
    case Op::I32Eqz:
    case Op::I64Eqz: {
      Value* x = pop();
      push(bool_to_i32(b_.CreateICmpEQ(x, llvm::ConstantInt::get(x->getType(), 0))));
      return true;
    }
    case Op::I32Eq:
    case Op::I64Eq:
      cmp(P::ICMP_EQ);
      return true;
    case Op::I32Ne:
    case Op::I64Ne:
      cmp(P::ICMP_NE);
      return true;
    case Op::I32LtS:
    case Op::I64LtS:
      cmp(P::ICMP_SLT);
      return true;
    case Op::I32LtU:
    case Op::I64LtU:
      cmp(P::ICMP_ULT);
      return true;
    case Op::I32GtS:
    case Op::I64GtS:
      cmp(P::ICMP_SGT);
      return true;
    case Op::I32GtU:
    case Op::I64GtU:
      cmp(P::ICMP_UGT);
      return true;
    case Op::I32LeS:
    case Op::I64LeS:
      cmp(P::ICMP_SLE);
      return true;
    case Op::I32LeU:
    case Op::I64LeU:
      cmp(P::ICMP_ULE);
      return true;
    case Op::I32GeS:
    case Op::I64GeS:
      cmp(P::ICMP_SGE);
      return true;
    case Op::I32GeU:
    case Op::I64GeU:
      cmp(P::ICMP_UGE);
      return true;
    // ---- float comparisons (ordered, except ne which is true on NaN)
    case Op::F32Eq:
    case Op::F64Eq:
      cmp(P::FCMP_OEQ);
      return true;
    case Op::F32Ne:
    case Op::F64Ne:
      cmp(P::FCMP_UNE);
      return true;
    case Op::F32Lt:
    case Op::F64Lt:
      cmp(P::FCMP_OLT);
      return true;
    case Op::F32Gt:
    case Op::F64Gt:
      cmp(P::FCMP_OGT);
      return true;
    case Op::F32Le:
    case Op::F64Le:
      cmp(P::FCMP_OLE);
      return true;
    case Op::F32Ge:
    case Op::F64Ge:
      cmp(P::FCMP_OGE);
      return true;
    // ---- integer arithmetic
    case Op::I32Clz:
    case Op::I64Clz: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::ctlz, {x->getType()}, {x, b_.getFalse()}));
      return true;
    }
    case Op::I32Ctz:
    case Op::I64Ctz: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::cttz, {x->getType()}, {x, b_.getFalse()}));
      return true;
    }
    case Op::I32Popcnt:
    case Op::I64Popcnt:
      unary_intr(llvm::Intrinsic::ctpop);
      return true;
    case Op::I32Add:
    case Op::I64Add:
      binop(llvm::Instruction::Add);
      return true;
    case Op::I32Sub:
    case Op::I64Sub:
      binop(llvm::Instruction::Sub);
      return true;
    case Op::I32Mul:
    case Op::I64Mul:
      binop(llvm::Instruction::Mul);
      return true;
    case Op::I32DivS:
    case Op::I64DivS:
      divide(true, false);
      return true;
    case Op::I32DivU:
    case Op::I64DivU:
      divide(false, false);
      return true;
    case Op::I32RemS:
    case Op::I64RemS:
      divide(true, true);
      return true;
    case Op::I32RemU:
    case Op::I64RemU:
      divide(false, true);
      return true;
    case Op::I32And:
    case Op::I64And:
      binop(llvm::Instruction::And);
      return true;
    case Op::I32Or:
    case Op::I64Or:
      binop(llvm::Instruction::Or);
      return true;
    case Op::I32Xor:
    case Op::I64Xor:
      binop(llvm::Instruction::Xor);
      return true;
    case Op::I32Shl:
    case Op::I64Shl:
      shift(llvm::Instruction::Shl);
      return true;
    case Op::I32ShrS:
    case Op::I64ShrS:
      shift(llvm::Instruction::AShr);
      return true;
    case Op::I32ShrU:
    case Op::I64ShrU:
      shift(llvm::Instruction::LShr);
      return true;
    case Op::I32Rotl:
    case Op::I64Rotl: {
      Value* n = pop();
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fshl, {x->getType()}, {x, x, n}));
      return true;
    }
    case Op::I32Rotr:
    case Op::I64Rotr: {
      Value* n = pop();
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fshr, {x->getType()}, {x, x, n}));
      return true;
    }
    // ---- float arithmetic (soft float: LLVM calls the AEABI helpers)
    case Op::F32Abs:
    case Op::F64Abs:
      unary_intr(llvm::Intrinsic::fabs);
      return true;
    case Op::F32Neg:
    case Op::F64Neg:
      push(b_.CreateFNeg(pop()));
      return true;
    case Op::F32Ceil:
    case Op::F64Ceil:
      push(float_unary(llvm::Intrinsic::experimental_constrained_ceil));
      return true;
    case Op::F32Floor:
    case Op::F64Floor:
      push(float_unary(llvm::Intrinsic::experimental_constrained_floor));
      return true;
    case Op::F32Trunc:
    case Op::F64Trunc:
      push(float_unary(llvm::Intrinsic::experimental_constrained_trunc));
      return true;
    // nearest is rint: ties to even is the default rounding mode
    case Op::F32Nearest:
    case Op::F64Nearest:
      push(float_unary(llvm::Intrinsic::experimental_constrained_rint));
      return true;
    case Op::F32Sqrt:
    case Op::F64Sqrt:
      push(float_unary(llvm::Intrinsic::experimental_constrained_sqrt));
      return true;
    case Op::F32Add:
    case Op::F64Add: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFAdd(l, r));
      return true;
    }
    case Op::F32Sub:
    case Op::F64Sub: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFSub(l, r));
      return true;
    }
    case Op::F32Mul:
    case Op::F64Mul: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFMul(l, r));
      return true;
    }
    case Op::F32Div:
    case Op::F64Div: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFDiv(l, r));
      return true;
    }
    case Op::F32Min:
    case Op::F64Min:
      push(float_min_max(true));
      return true;
    case Op::F32Max:
    case Op::F64Max:
      push(float_min_max(false));
      return true;
    case Op::F32Copysign:
    case Op::F64Copysign:
      binary_intr(llvm::Intrinsic::copysign);
      return true;
    // ---- conversions
    case Op::I32WrapI64:
      push(b_.CreateTrunc(pop(), i32));
      return true;
    case Op::I32TruncF32S:
    case Op::I32TruncF64S:
      push(checked_trunc(pop(), i32, true));
      return true;
    case Op::I32TruncF32U:
    case Op::I32TruncF64U:
      push(checked_trunc(pop(), i32, false));
      return true;
    case Op::I64TruncF32S:
    case Op::I64TruncF64S:
      push(checked_trunc(pop(), i64, true));
      return true;
    case Op::I64TruncF32U:
    case Op::I64TruncF64U:
      push(checked_trunc(pop(), i64, false));
      return true;
    case Op::I64ExtendI32S:
      push(b_.CreateSExt(pop(), i64));
      return true;
    case Op::I64ExtendI32U:
      push(b_.CreateZExt(pop(), i64));
      return true;
    case Op::F32ConvertI32S:
    case Op::F32ConvertI64S:
      push(b_.CreateSIToFP(pop(), b_.getFloatTy()));
      return true;
    case Op::F32ConvertI32U:
    case Op::F32ConvertI64U:
      push(b_.CreateUIToFP(pop(), b_.getFloatTy()));
      return true;
    case Op::F64ConvertI32S:
    case Op::F64ConvertI64S:
      push(b_.CreateSIToFP(pop(), b_.getDoubleTy()));
      return true;
    case Op::F64ConvertI32U:
    case Op::F64ConvertI64U:
      push(b_.CreateUIToFP(pop(), b_.getDoubleTy()));
      return true;
    case Op::F32DemoteF64:
      push(b_.CreateFPTrunc(pop(), b_.getFloatTy()));
      return true;
    case Op::F64PromoteF32:
      push(b_.CreateFPExt(pop(), b_.getDoubleTy()));
      return true;
    case Op::I32ReinterpretF32:
      push(b_.CreateBitCast(pop(), i32));
      return true;
    case Op::I64ReinterpretF64:
      push(b_.CreateBitCast(pop(), i64));
      return true;
    case Op::F32ReinterpretI32:
      push(b_.CreateBitCast(pop(), b_.getFloatTy()));
      return true;
    case Op::F64ReinterpretI64:
      push(b_.CreateBitCast(pop(), b_.getDoubleTy()));
      return true;
    case Op::I32Extend8S:
    case Op::I64Extend8S:
      sext_in(b_.getInt8Ty());
      return true;
    case Op::I32Extend16S:
    case Op::I64Extend16S:
      sext_in(b_.getInt16Ty());
      return true;
    case Op::I64Extend32S:
      sext_in(i32);
      return true;
    case Op::I32TruncSatF32S:
    case Op::I32TruncSatF64S: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptosi_sat, {i32, x->getType()}, {x}));
      return true;
    }
    case Op::I32TruncSatF32U:
    case Op::I32TruncSatF64U: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptoui_sat, {i32, x->getType()}, {x}));
      return true;
    }
    case Op::I64TruncSatF32S:
    case Op::I64TruncSatF64S: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptosi_sat, {i64, x->getType()}, {x}));
      return true;
    }
    case Op::I64TruncSatF32U:
    case Op::I64TruncSatF64U: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptoui_sat, {i64, x->getType()}, {x}));
      return true;
    }
    default:
      return false;
  }
}

}  // namespace gust::dissolve
