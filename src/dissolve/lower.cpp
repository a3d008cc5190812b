// Stage 3: wasm -> LLVM IR. Each wasm function becomes one LLVM function;
// the operand stack becomes SSA values, blocks become basic blocks with phis,
// locals become allocas that mem2reg promotes. Every wasm trap becomes a call
// to the bridge's noreturn gust_trap(code). This file runs the lowering: the
// module's layout, then each function body, one instruction at a time,
// dispatched to the file of its concern (see lowering.h).
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "dissolve/lowering.h"

namespace gust::dissolve {

[[noreturn]] void unsupported(size_t at, uint32_t func, Op op, const std::string& what) {
  Error e;
  e.kind = Error::Kind::Unsupported;
  e.offset = at;
  e.func = func;
  e.opcode = info(op).text;
  e.message = what;
  throw Failure{e};
}

[[noreturn]] void unsupported(size_t at, const std::string& what, const char* opcode) {
  Error e;
  e.kind = Error::Kind::Unsupported;
  e.offset = at;
  e.opcode = opcode;
  e.message = what;
  throw Failure{e};
}

std::unique_ptr<llvm::Module> Lowering::run() {
  b_.setIsFPConstrained(true);
  b_.setDefaultConstrainedExcept(llvm::fp::ebStrict);
  b_.setDefaultConstrainedRounding(llvm::RoundingMode::NearestTiesToEven);
  desc_type_ = llvm::StructType::get(ctx_, {b_.getPtrTy(), b_.getPtrTy()});  // {function, signature}
  claim("gust_trap", "the bridge's trap function");
  auto* trap_ty = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt32Ty()}, false);
  auto* trap = llvm::Function::Create(trap_ty, llvm::GlobalValue::ExternalLinkage, "gust_trap", *mod_);
  trap->addFnAttr(llvm::Attribute::NoReturn);
  trap->addFnAttr(llvm::Attribute::NoUnwind);
  trap->addFnAttr(llvm::Attribute::Cold);
  trap_fn_ = trap;
  func_names_ = function_names(m_);
  begin_debug();
  declare_functions();
  define_memory();
  define_globals();
  define_tables();
  define_segments();
  const uint32_t base = m_.imported(ExternKind::Func);
  for (uint32_t i = 0; i < m_.functions.size(); ++i) lower_function(base + i);
  b_.SetCurrentDebugLocation(llvm::DebugLoc());
  export_symbols();
  define_start();
  if (debug_) debug_->finish();
  if (!warnings_.empty()) {
    llvm::NamedMDNode* md = mod_->getOrInsertNamedMetadata(kWarningsMetadata);
    for (const auto& w : warnings_) md->addOperand(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, w)}));
  }
  if (memory_) {
    llvm::NamedMDNode* md = mod_->getOrInsertNamedMetadata(kRegionMetadata);
    md->addOperand(llvm::MDNode::get(ctx_, {llvm::MDString::get(ctx_, std::to_string(memory_size_))}));
  }
  return std::move(mod_);
}

void Lowering::lower_function(uint32_t index) {
  func_index_ = index;
  fn_ = funcs_[index];
  ftype_ = &m_.func_type(index);
  const Function& f = m_.functions[index - m_.imported(ExternKind::Func)];
  trap_blocks_.clear();
  stack_.clear();
  ctrls_.clear();
  dead_ = false;
  dead_depth_ = 0;

  // Float operations are constrained (strict): LLVM must not fold x * 1.0 to
  // x, which would hand out a signalling NaN where wasm quietens it.
  fn_->addFnAttr(llvm::Attribute::StrictFP);
  BasicBlock* entry = BasicBlock::Create(ctx_, "entry", fn_);
  b_.SetInsertPoint(entry);
  if (debug_) {
    debug_->function(fn_, cxx_name(index), fn_->hasLocalLinkage(), f.body_begin, f.body_end);
    b_.SetCurrentDebugLocation(debug_->entry());
  }
  local_types_ = ftype_->params;
  local_types_.insert(local_types_.end(), f.locals.begin(), f.locals.end());
  locals_.clear();
  for (size_t i = 0; i < local_types_.size(); ++i) {
    auto* a = b_.CreateAlloca(type(local_types_[i]));
    locals_.push_back(a);
    if (i < ftype_->params.size())
      b_.CreateStore(fn_->getArg(unsigned(i)), a);
    else
      b_.CreateStore(llvm::Constant::getNullValue(type(local_types_[i])), a);
  }
  Ctrl top;
  top.op = Op::Block;
  top.results = ftype_->results;
  top.end_bb = BasicBlock::Create(ctx_, "return", fn_);
  top.end_phis = make_phis(top.end_bb, top.results);
  ctrls_.push_back(top);

  Reader r(m_.bytes, f.body_begin, f.body_end);
  Instr in;
  while (!r.at_end()) {
    read_instr(r, in, true);
    at_ = in.offset;
    op_ = in.op;
    if (debug_) b_.SetCurrentDebugLocation(debug_->at(in.offset));
    try {
      lower_instr(in);
    } catch (Failure& fail) {
      if (!fail.error.func) fail.error.func = index;
      throw;
    }
  }
}

// The line table, when asked for and present; a malformed one is a
// warning, as custom sections never make a module invalid.
void Lowering::begin_debug() {
  if (!o_.debug_info) return;
  auto lines = o_.source_map.empty() ? read_line_table(m_) : read_source_map(m_, o_.source_map, o_.source_map_where);
  if (!lines) {
    warnings_.push_back("warning: no debug information: " + lines.error().str());
    return;
  }
  if (lines->empty()) return;
  debug_ = std::make_unique<DebugInfo>(*mod_, std::move(*lines));
}

std::string Lowering::cxx_name(uint32_t func) const {
  if (func < func_names_.size() && !func_names_[func].empty()) return readable_name(func_names_[func]);
  for (const auto& e : m_.exports)
    if (e.kind == ExternKind::Func && e.index == func) return e.name;
  return "wasm-function[" + std::to_string(func) + "]";
}

void Lowering::lower_instr(const Instr& in) {
  // Unreachable code is skipped up to the else/end that closes it.
  if (dead_) {
    switch (in.op) {
      case Op::Block:
      case Op::Loop:
      case Op::If:
        ++dead_depth_;
        return;
      case Op::Else:
        if (dead_depth_) return;
        break;
      case Op::End:
        if (dead_depth_) {
          --dead_depth_;
          return;
        }
        break;
      default:
        return;
    }
  }
  if (lower_control(in) || lower_table(in) || lower_memory(in) || lower_atomic(in) || lower_numeric(in)) return;
  unsupported_here("not dissolved yet");
}

std::string region_size_refusal(uint64_t bytes) {
  if (bytes % 4 == 0) return "";
  return std::to_string(bytes) + " is not a multiple of 4 bytes (try " + std::to_string((bytes + 3) & ~uint64_t(3)) +
         "): the C runtime's scans read aligned words, which stay inside such a region";
}

Result<std::unique_ptr<llvm::Module>> lower(const Module& m, const Options& opts, llvm::LLVMContext& ctx) {
  if (!valid_prefix(opts.prefix))
    return Error::make(
        Error::Kind::Input,
        "instance prefix \"" + opts.prefix + "\" is not an instance name and '_' ([a-z][a-z0-9]*_, other than gust_)");
  if (opts.memory_bytes)
    if (const std::string why = region_size_refusal(*opts.memory_bytes); !why.empty())
      return Error::make(Error::Kind::Input, "the memory region size " + why);
  try {
    Lowering l(m, opts, ctx);
    auto mod = l.run();
    std::string msg;
    llvm::raw_string_ostream os(msg);
    if (llvm::verifyModule(*mod, &os)) GUST_DIE("lowering produced invalid IR: " + os.str());
    return mod;
  } catch (Failure& f) {
    return f.error;
  }
}

}  // namespace gust::dissolve
