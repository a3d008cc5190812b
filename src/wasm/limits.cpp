// Enforcing the implementation limits: the refusal, and the code's cost.
#include "limits.h"

#include <string>

namespace gust::wasm {

void check_cap(const Cap& cap, uint64_t value, size_t offset) {
  if (value <= cap.value) return;
  Error e;
  e.kind = Error::Kind::Limit;
  e.offset = offset;
  e.message = "implementation limit: " + std::to_string(value) + " " + cap.what + ", more than gust takes on (" +
              std::to_string(cap.value) + ")";
  throw Failure{e};
}

bool can_trap(Op op) {
  if (info(op).imm == Imm::MemArg || info(op).imm == Imm::AtomicMemArg) return true;
  switch (op) {
    case Op::I32DivS:
    case Op::I32DivU:
    case Op::I32RemS:
    case Op::I32RemU:
    case Op::I64DivS:
    case Op::I64DivU:
    case Op::I64RemS:
    case Op::I64RemU:
    case Op::I32TruncF32S:
    case Op::I32TruncF32U:
    case Op::I32TruncF64S:
    case Op::I32TruncF64U:
    case Op::I64TruncF32S:
    case Op::I64TruncF32U:
    case Op::I64TruncF64S:
    case Op::I64TruncF64U:
    case Op::CallIndirect:
    case Op::MemoryCopy:
    case Op::MemoryFill:
    case Op::MemoryInit:
    case Op::TableGet:
    case Op::TableSet:
    case Op::TableCopy:
    case Op::TableInit:
    case Op::TableFill:
      return true;
    default:
      return false;
  }
}

uint32_t CodeBudget::type_values(uint32_t type) const {
  if (type >= m_.types.size()) return 0;
  return uint32_t(m_.types[type].params.size() + m_.types[type].results.size());
}

uint32_t CodeBudget::label_arity(uint32_t depth) const {
  return depth < labels_.size() ? labels_[labels_.size() - 1 - depth].arity : 0;
}

void CodeBudget::begin_function(uint32_t type) {
  results_ = type < m_.types.size() ? uint32_t(m_.types[type].results.size()) : 0;
  labels_.assign(1, Label{results_, false});
  loops_ = 0;
}

void CodeBudget::step(const Instr& in) {
  // A trap check is a branch on a condition: the dominating-condition
  // analysis of LLVM's optimiser is superlinear in those (measured: 1,600 of
  // them in one function take 4.5 s), where plain instructions are linear.
  uint64_t cost = can_trap(in.op) ? 4 : 1;
  switch (in.op) {
    case Op::Block:
    case Op::Loop:
    case Op::If: {
      const auto sig = block_signature(m_, in.block);
      const uint32_t params = sig ? uint32_t(sig->params.size()) : 0;
      const uint32_t results = sig ? uint32_t(sig->results.size()) : 0;
      cost += params + results;  // the phis at its end (and a loop's header)
      const bool loop = in.op == Op::Loop;
      labels_.push_back({loop ? params : results, loop});
      check_cap(kMaxNesting, labels_.size() - 1, in.offset);
      if (loop) check_cap(kMaxLoopNesting, ++loops_, in.offset);
      break;
    }
    case Op::End:
      if (!labels_.empty()) {
        if (labels_.back().loop) --loops_;
        labels_.pop_back();
      }
      break;
    case Op::Br:
    case Op::BrIf:
      cost += label_arity(in.a);
      break;
    case Op::BrTable:
      check_cap(kMaxBrTableLabels, in.targets.size(), in.offset);
      for (uint32_t t : in.targets) cost += label_arity(t);
      break;
    case Op::Return:
      cost += results_;
      break;
    case Op::Call:
      if (in.a < func_types_.size()) cost += type_values(func_types_[in.a]);
      break;
    case Op::CallIndirect:
      cost += type_values(in.a);
      break;
    default:
      break;
  }
  cost_ += cost;
  check_cap(kMaxCodeCost, cost_, in.offset);
}

}  // namespace gust::wasm
