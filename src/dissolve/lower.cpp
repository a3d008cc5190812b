// Stage 3: wasm -> LLVM IR. Each wasm function becomes one LLVM function;
// the operand stack becomes SSA values, blocks become basic blocks with phis,
// locals become allocas that mem2reg promotes. Every wasm trap becomes a call
// to the bridge's noreturn gust_trap(code).
#include "dissolve/lower.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <cstring>
#include <map>

#include "gust/trap.h"
#include "wasm/reader.h"

namespace gust::dissolve {

using namespace wasm;
using llvm::BasicBlock;
using llvm::Value;

std::string import_symbol(const std::string& module, const std::string& name, const std::string& prefix) {
  auto clean = [](const std::string& s) {
    std::string out = s;
    for (char& c : out)
      if (!isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
    return out;
  };
  return prefix + clean(module) + "__" + clean(name);
}

std::string export_symbol(const std::string& name, const std::string& prefix) {
  bool plain = !name.empty() && !isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain = plain && (isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (plain) return prefix + name;
  static const char* hex = "0123456789abcdef";
  std::string s = prefix + "gust_x_";
  for (unsigned char c : name) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

namespace {

constexpr uint64_t kPage = 65536;
constexpr uint64_t kMaxRegion = 256ull << 20;    // of the 512 MiB Cortex-M SRAM space
constexpr uint64_t kMaxDataRegion = 1ull << 20;  // larger: data copied in at start-up

[[noreturn]] void unsupported(size_t at, uint32_t func, Op op, const std::string& what) {
  Error e;
  e.kind = Error::Kind::Unsupported;
  e.offset = at;
  e.func = func;
  e.opcode = info(op).text;
  e.message = what;
  throw Failure{e};
}

// Outside any function body: an import, or a constant expression.
[[noreturn]] void unsupported(size_t at, const std::string& what, const char* opcode = "") {
  Error e;
  e.kind = Error::Kind::Unsupported;
  e.offset = at;
  e.opcode = opcode;
  e.message = what;
  throw Failure{e};
}

// A structural type id, equal across modules for equal signatures, so that
// call_indirect through a table filled by another module checks correctly.
uint32_t type_id(const FuncType& t) {
  uint32_t h = 2166136261u;
  auto mix = [&](uint8_t b) { h = (h ^ b) * 16777619u; };
  for (auto p : t.params) mix(uint8_t(p));
  mix(0xFF);
  for (auto r : t.results) mix(uint8_t(r));
  return h;
}

class Lowering {
 public:
  Lowering(const Module& m, const Options& o, llvm::LLVMContext& ctx)
      : m_(m), o_(o), ctx_(ctx), mod_(std::make_unique<llvm::Module>("gust", ctx)), b_(ctx) {}
  std::unique_ptr<llvm::Module> run();

 private:
  // Module-level pieces.
  llvm::Type* type(ValType t);
  llvm::FunctionType* fn_type(const FuncType& t);
  llvm::Type* result_type(const FuncType& t);
  bool uses_memory() const;
  bool uses_op(Op op) const;
  void declare_functions();
  void define_memory();
  void define_globals();
  void define_tables();
  llvm::Constant* descriptor(uint32_t func);
  llvm::Constant* const_value(const ConstExpr& c);
  void export_symbols();
  void define_start();

  // Function bodies.
  struct Ctrl {
    Op op;
    std::vector<ValType> params, results;
    BasicBlock* end_bb = nullptr;   // where the block's results meet
    BasicBlock* loop_bb = nullptr;  // a loop's header
    BasicBlock* else_bb = nullptr;  // an if's false arm
    std::vector<llvm::PHINode*> end_phis, loop_phis;
    std::vector<Value*> if_params;
    size_t height = 0;
  };
  void lower_function(uint32_t index);
  void lower_instr(const Instr& in);
  Value* pop() {
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<Value*> pop_n(size_t n) {
    std::vector<Value*> vs(stack_.end() - n, stack_.end());
    stack_.resize(stack_.size() - n);
    return vs;
  }
  void push(Value* v) { stack_.push_back(v); }
  void branch_to(Ctrl& c);     // a br: to the label, carrying the label's values
  void fall_through(Ctrl& c);  // reaching the end: to the block's end, carrying its results
  void add_incoming(Ctrl& c, BasicBlock* from, const std::vector<Value*>& vals);
  std::vector<llvm::PHINode*> make_phis(BasicBlock* bb, const std::vector<ValType>& ts);
  void trap_if(Value* cond, unsigned code);
  void trap(unsigned code);
  Value* bool_to_i32(Value* v) { return b_.CreateZExt(v, b_.getInt32Ty()); }
  Value* address(Value* addr, uint32_t offset, unsigned size);
  Value* memory_bytes();
  void do_return();
  std::vector<Value*> call(llvm::FunctionCallee callee, const FuncType& ft);
  Value* intrinsic(llvm::Intrinsic::ID id, llvm::ArrayRef<llvm::Type*> tys, llvm::ArrayRef<Value*> args) {
    return b_.CreateCall(llvm::Intrinsic::getDeclaration(mod_.get(), id, tys), args);
  }
  Value* checked_trunc(Value* x, llvm::Type* to, bool is_signed);
  Value* float_min_max(bool is_min);
  // at + n > limit, computed in 64 bits so that no sum wraps.
  Value* past_end(Value* at, Value* n, Value* limit) {
    llvm::Type* i64 = b_.getInt64Ty();
    return b_.CreateICmpUGT(b_.CreateAdd(b_.CreateZExt(at, i64), b_.CreateZExt(n, i64)), b_.CreateZExt(limit, i64));
  }
  Value* float_unary(llvm::Intrinsic::ID constrained);
  Value* table_slot(uint32_t table, Value* index, unsigned code);
  void fill_table(uint32_t table, Value* at, Value* value, Value* n);
  [[noreturn]] void unsupported_here(const std::string& what) { unsupported(at_, func_index_, op_, what); }

  const Module& m_;
  const Options& o_;
  llvm::LLVMContext& ctx_;
  std::unique_ptr<llvm::Module> mod_;
  llvm::IRBuilder<> b_;
  std::vector<llvm::Function*> funcs_;
  std::vector<llvm::GlobalVariable*> globals_;
  struct Table {
    llvm::GlobalVariable* slots = nullptr;  // [capacity x ptr]
    llvm::GlobalVariable* size = nullptr;   // i32 current size, when it can grow
    uint64_t min = 0, capacity = 0;
    llvm::GlobalVariable* capacity_var = nullptr;  // an imported table's capacity
  };
  std::vector<Table> tables2_;
  std::vector<llvm::GlobalVariable*> elem_segs_;  // passive/declared segment contents, or null
  std::vector<llvm::GlobalVariable*> elem_lens_;  // i32 length, 0 once dropped
  std::vector<llvm::GlobalVariable*> data_segs_;
  std::vector<llvm::GlobalVariable*> data_lens_;
  llvm::GlobalVariable* memory_pages_ = nullptr;      // i32 current pages, when memory can grow
  llvm::GlobalVariable* memory_max_pages_ = nullptr;  // an imported memory's capacity in pages
  bool memory_imported() const { return memory_max_pages_ != nullptr; }
  bool data_at_start_ = false;    // the region is too large to store its initial contents
  uint64_t memory_capacity_ = 0;  // bytes placed
  Value* table_size(uint32_t t);
  void define_segments();
  std::map<uint32_t, llvm::Constant*> descriptors_;
  llvm::StructType* desc_type_ = nullptr;
  llvm::GlobalVariable* memory_ = nullptr;
  uint64_t memory_size_ = 0;
  llvm::FunctionCallee trap_fn_;

  // Per function.
  llvm::Function* fn_ = nullptr;
  const FuncType* ftype_ = nullptr;
  uint32_t func_index_ = 0;
  std::vector<llvm::AllocaInst*> locals_;
  std::vector<ValType> local_types_;
  std::vector<Value*> stack_;
  std::vector<Ctrl> ctrls_;
  std::map<unsigned, BasicBlock*> trap_blocks_;
  bool dead_ = false;        // the current position is unreachable
  unsigned dead_depth_ = 0;  // blocks opened inside unreachable code
  size_t at_ = 0;
  Op op_ = Op::Nop;
};

llvm::Type* Lowering::type(ValType t) {
  switch (t) {
    case ValType::I32:
      return b_.getInt32Ty();
    case ValType::I64:
      return b_.getInt64Ty();
    case ValType::F32:
      return b_.getFloatTy();
    case ValType::F64:
      return b_.getDoubleTy();
    default:
      return b_.getPtrTy();
  }
}

llvm::Type* Lowering::result_type(const FuncType& t) {
  if (t.results.empty()) return b_.getVoidTy();
  if (t.results.size() == 1) return type(t.results[0]);
  std::vector<llvm::Type*> ts;
  for (auto r : t.results) ts.push_back(type(r));
  return llvm::StructType::get(ctx_, ts);
}

llvm::FunctionType* Lowering::fn_type(const FuncType& t) {
  std::vector<llvm::Type*> ps;
  for (auto p : t.params) ps.push_back(type(p));
  return llvm::FunctionType::get(result_type(t), ps, false);
}

bool Lowering::uses_op(Op op) const {
  for (const auto& f : m_.functions) {
    Reader r(m_.bytes, f.body_begin, f.body_end);
    Instr in;
    while (!r.at_end()) {
      read_instr(r, in, true);
      if (in.op == op) return true;
    }
  }
  return false;
}

bool Lowering::uses_memory() const {
  if (!m_.datas.empty()) return true;
  for (const auto& e : m_.exports)
    if (e.kind == ExternKind::Memory && (o_.linkable || o_.keep_exports.count(e.name))) return true;
  if (o_.linkable && m_.imported(ExternKind::Memory)) return true;
  for (const auto& f : m_.functions) {
    Reader r(m_.bytes, f.body_begin, f.body_end);
    Instr in;
    while (!r.at_end()) {
      read_instr(r, in, true);
      const Imm imm = info(in.op).imm;
      if (imm == Imm::MemArg || in.op == Op::MemorySize || in.op == Op::MemoryGrow || in.op == Op::MemoryInit ||
          in.op == Op::MemoryCopy || in.op == Op::MemoryFill)
        return true;
    }
  }
  return false;
}

void Lowering::define_memory() {
  if (m_.num_memories() == 0 || !uses_memory()) return;
  if (const Import* im = m_.import_of(ExternKind::Memory, 0)) {
    if (!o_.linkable) unsupported(im->offset, "an imported memory needs --linkable");
    // Another instance's memory: every size is read at run time.
    const std::string sym = import_symbol(im->module, im->name, o_.prefix);
    memory_ = new llvm::GlobalVariable(*mod_, llvm::ArrayType::get(b_.getInt8Ty(), 0), false,
                                       llvm::GlobalValue::ExternalLinkage, nullptr, sym);
    memory_pages_ = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::ExternalLinkage, nullptr,
                                             sym + kMemorySizeSymbols.size);
    memory_max_pages_ = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                                                 nullptr, sym + kMemorySizeSymbols.capacity);
    return;
  }
  const Limits lim = m_.memory_limits(0);
  memory_size_ = o_.memory_bytes ? *o_.memory_bytes : lim.min * kPage;
  memory_capacity_ = memory_size_;
  bool exported = false;
  for (const auto& e : m_.exports) exported = exported || e.kind == ExternKind::Memory;
  if (o_.memory_max_bytes && !o_.memory_bytes && (uses_op(Op::MemoryGrow) || (o_.linkable && exported))) {
    uint64_t max_pages = lim.max ? *lim.max : 65536;
    max_pages = std::min(max_pages, *o_.memory_max_bytes / kPage);
    if (max_pages > lim.min || (o_.linkable && exported)) {
      memory_capacity_ = std::max<uint64_t>(max_pages, lim.min) * kPage;
      memory_pages_ = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                               b_.getInt32(uint32_t(lim.min)), "wasm_memory_pages");
    }
  }
  // A region gust places statically: it must fit the Cortex-M SRAM space,
  // and one with initial contents is stored whole in the object.
  if (memory_capacity_ > kMaxRegion) {
    Error e;
    e.kind = Error::Kind::Limit;
    e.message = "a " + std::to_string(memory_capacity_) + "-byte linear memory region is larger than gust places (" +
                std::to_string(kMaxRegion) + " bytes)";
    throw Failure{e};
  }
  // Initial contents go in the initialiser (.data) when the region is small
  // enough to store byte for byte; a larger one is zeroed (.bss) and its
  // segments are copied in by gust_start.
  bool has_data = false;
  for (const auto& d : m_.datas) has_data = has_data || (d.mode == SegmentMode::Active && !d.bytes.empty());
  data_at_start_ = has_data && memory_capacity_ > kMaxDataRegion;
  std::vector<uint8_t> image(has_data && !data_at_start_ ? memory_capacity_ : 0, 0);
  bool any = false;
  for (const auto& d : m_.datas) {
    if (d.mode != SegmentMode::Active || data_at_start_) continue;
    if (d.offset.op != Op::I32Const) continue;  // placed at start-up, by gust_start
    const uint64_t at = uint32_t(d.offset.value);
    if (at + d.bytes.size() > memory_size_) {
      Error e;
      e.kind = Error::Kind::Limit;
      e.offset = d.position;
      e.message = "data segment [" + std::to_string(at) + ", " + std::to_string(at + d.bytes.size()) +
                  ") lies outside the " + std::to_string(memory_size_) + "-byte memory region";
      throw Failure{e};
    }
    if (!d.bytes.empty()) std::memcpy(image.data() + at, d.bytes.data(), d.bytes.size());
    any = any || !d.bytes.empty();
  }
  auto* arr = llvm::ArrayType::get(b_.getInt8Ty(), memory_capacity_);
  llvm::Constant* init = any ? llvm::ConstantDataArray::get(ctx_, image)
                             : static_cast<llvm::Constant*>(llvm::ConstantAggregateZero::get(arr));
  memory_ = new llvm::GlobalVariable(*mod_, arr, false, llvm::GlobalValue::InternalLinkage, init, "wasm_memory");
  memory_->setAlignment(llvm::Align(8));
}

llvm::Constant* Lowering::const_value(const ConstExpr& c) {
  switch (c.op) {
    case Op::I32Const:
      return b_.getInt32(uint32_t(c.value));
    case Op::I64Const:
      return b_.getInt64(c.value);
    case Op::F32Const:
      return llvm::ConstantFP::get(ctx_, llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, c.value)));
    case Op::F64Const:
      return llvm::ConstantFP::get(ctx_, llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, c.value)));
    case Op::RefNull:
      return llvm::ConstantPointerNull::get(b_.getPtrTy());
    case Op::RefFunc:
      return descriptor(uint32_t(c.value));
    default:
      unsupported(c.offset, "constant expression reading an imported global", info(c.op).text);
  }
}

llvm::Constant* Lowering::descriptor(uint32_t func) {
  auto it = descriptors_.find(func);
  if (it != descriptors_.end()) return it->second;
  auto* init = llvm::ConstantStruct::get(desc_type_, {funcs_[func], b_.getInt32(type_id(m_.func_type(func)))});
  auto* g = new llvm::GlobalVariable(*mod_, desc_type_, true, llvm::GlobalValue::InternalLinkage, init,
                                     "wasm_ref_f" + std::to_string(func));
  return descriptors_[func] = g;
}

void Lowering::define_globals() {
  for (uint32_t i = 0; i < m_.num_globals(); ++i) {
    GlobalType gt = m_.global_type(i);
    if (auto* im = m_.import_of(ExternKind::Global, i)) {
      const std::string sym = import_symbol(im->module, im->name, o_.prefix);
      llvm::GlobalVariable* g = mod_->getGlobalVariable(sym);
      if (!g)
        g = new llvm::GlobalVariable(*mod_, type(gt.type), !gt.mutable_, llvm::GlobalValue::ExternalLinkage, nullptr,
                                     sym);
      globals_.push_back(g);
      continue;
    }
    const Global& def = m_.globals[i - m_.imported(ExternKind::Global)];
    llvm::Constant* init;
    // An imported global's value is known only at start-up: gust_start copies it.
    init = def.init.op == Op::GlobalGet ? llvm::Constant::getNullValue(type(gt.type)) : const_value(def.init);
    const bool set_at_start = def.init.op == Op::GlobalGet;
    globals_.push_back(new llvm::GlobalVariable(*mod_, type(gt.type), !gt.mutable_ && !set_at_start,
                                                llvm::GlobalValue::InternalLinkage, init,
                                                "wasm_global" + std::to_string(i)));
  }
}

void Lowering::define_tables() {
  for (uint32_t t = 0; t < m_.num_tables(); ++t) {
    if (const Import* im = m_.import_of(ExternKind::Table, t)) {
      if (!o_.linkable) unsupported(im->offset, "an imported table needs --linkable");
      const std::string sym = import_symbol(im->module, im->name, o_.prefix);
      Table tab;
      tab.slots = new llvm::GlobalVariable(*mod_, llvm::ArrayType::get(b_.getPtrTy(), 0), false,
                                           llvm::GlobalValue::ExternalLinkage, nullptr, sym);
      tab.size = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::ExternalLinkage, nullptr,
                                          sym + kTableSizeSymbols.size);
      tab.capacity_var = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                                                  nullptr, sym + kTableSizeSymbols.capacity);
      tables2_.push_back(tab);
      continue;
    }
    TableType tt = m_.table_type(t);
    Table tab;
    tab.min = tt.limits.min;
    const uint64_t max = tt.limits.max ? *tt.limits.max : UINT32_MAX;
    tab.capacity = std::min<uint64_t>(max, tab.min + o_.table_growth);
    if (tab.capacity > 65536) {
      Error e;
      e.kind = Error::Kind::Limit;
      e.message =
          "table " + std::to_string(t) + " needs " + std::to_string(tab.capacity) + " entries, more than gust places";
      throw Failure{e};
    }
    std::vector<llvm::Constant*> slots(tab.capacity, llvm::ConstantPointerNull::get(b_.getPtrTy()));
    for (const auto& e : m_.elems) {
      if (e.mode != SegmentMode::Active || e.table != t) continue;
      if (e.offset.op != Op::I32Const) continue;  // placed at start-up, by gust_start
      const uint64_t at = uint32_t(e.offset.value);
      if (at + e.items.size() > tab.min) {
        Error err;
        err.kind = Error::Kind::Limit;
        err.offset = e.position;
        err.message = "element segment out of bounds of table " + std::to_string(t) + " (out of bounds table access)";
        throw Failure{err};
      }
      for (size_t k = 0; k < e.items.size(); ++k) slots[at + k] = const_value(e.items[k]);
    }
    auto* arr = llvm::ArrayType::get(b_.getPtrTy(), tab.capacity);
    tab.slots = new llvm::GlobalVariable(*mod_, arr, false, llvm::GlobalValue::InternalLinkage,
                                         llvm::ConstantArray::get(arr, slots), "wasm_table" + std::to_string(t));
    bool exported = false;
    for (const auto& e : m_.exports) exported = exported || (e.kind == ExternKind::Table && e.index == t);
    if (tab.capacity > tab.min || (o_.linkable && exported))
      tab.size = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                          b_.getInt32(uint32_t(tab.min)), "wasm_table_size" + std::to_string(t));
    tables2_.push_back(tab);
  }
}

// Passive segments stay in flash for memory.init / table.init; a length
// global per segment drops to 0 at data.drop / elem.drop. Active and
// declarative segments count as dropped once instantiated.
void Lowering::define_segments() {
  for (size_t i = 0; i < m_.datas.size(); ++i) {
    const auto& d = m_.datas[i];
    const bool passive = d.mode == SegmentMode::Passive;
    auto* arr = llvm::ArrayType::get(b_.getInt8Ty(), passive ? d.bytes.size() : 0);
    data_segs_.push_back(new llvm::GlobalVariable(
        *mod_, arr, true, llvm::GlobalValue::InternalLinkage,
        passive ? llvm::ConstantDataArray::get(ctx_, d.bytes) : llvm::ConstantAggregateZero::get(arr),
        "wasm_data" + std::to_string(i)));
    data_lens_.push_back(new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                                  b_.getInt32(passive ? uint32_t(d.bytes.size()) : 0),
                                                  "wasm_data_len" + std::to_string(i)));
  }
  for (size_t i = 0; i < m_.elems.size(); ++i) {
    const auto& e = m_.elems[i];
    const bool passive = e.mode == SegmentMode::Passive;
    std::vector<llvm::Constant*> items;
    if (passive)
      for (const auto& it : e.items) items.push_back(const_value(it));
    auto* arr = llvm::ArrayType::get(b_.getPtrTy(), items.size());
    elem_segs_.push_back(new llvm::GlobalVariable(*mod_, arr, true, llvm::GlobalValue::InternalLinkage,
                                                  llvm::ConstantArray::get(arr, items),
                                                  "wasm_elem" + std::to_string(i)));
    elem_lens_.push_back(new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                                  b_.getInt32(uint32_t(items.size())),
                                                  "wasm_elem_len" + std::to_string(i)));
  }
}

void Lowering::declare_functions() {
  for (uint32_t i = 0; i < m_.num_funcs(); ++i) {
    const FuncType& ft = m_.func_type(i);
    llvm::Function* f;
    if (auto* im = m_.import_of(ExternKind::Func, i)) {
      const std::string sym = import_symbol(im->module, im->name, o_.prefix);
      f = mod_->getFunction(sym);
      if (!f) f = llvm::Function::Create(fn_type(ft), llvm::GlobalValue::ExternalLinkage, sym, *mod_);
    } else {
      f = llvm::Function::Create(fn_type(ft), llvm::GlobalValue::InternalLinkage, "wasm_f" + std::to_string(i), *mod_);
    }
    f->addFnAttr(llvm::Attribute::NoUnwind);
    funcs_.push_back(f);
  }
}

void Lowering::export_symbols() {
  // An exported memory that the module uses: the region under the export's
  // name and its size in <name>__bytes, for a bridge that moves blocks of
  // bytes in and out of it (it checks every address against the size).
  for (const auto& e : m_.exports) {
    if (e.kind != ExternKind::Memory || !memory_ || !memory_->hasInternalLinkage()) continue;
    const std::string sym = export_symbol(e.name, o_.prefix);
    memory_->setName(sym);
    memory_->setLinkage(llvm::GlobalValue::ExternalLinkage);
    new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                             b_.getInt32(uint32_t(memory_size_)), sym + "__bytes");
    if (o_.linkable && memory_pages_) {
      memory_pages_->setName(sym + kMemorySizeSymbols.size);
      memory_pages_->setLinkage(llvm::GlobalValue::ExternalLinkage);
      new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                               b_.getInt32(uint32_t(memory_capacity_ / kPage)), sym + kMemorySizeSymbols.capacity);
    }
  }
  if (o_.linkable) {
    for (const auto& e : m_.exports) {
      if (e.kind != ExternKind::Table) continue;
      Table& t = tables2_[e.index];
      if (!t.slots->hasInternalLinkage() || !t.size) continue;  // re-exported import, or already named
      const std::string sym = export_symbol(e.name, o_.prefix);
      t.slots->setName(sym);
      t.slots->setLinkage(llvm::GlobalValue::ExternalLinkage);
      t.size->setName(sym + kTableSizeSymbols.size);
      t.size->setLinkage(llvm::GlobalValue::ExternalLinkage);
      new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                               b_.getInt32(uint32_t(t.capacity)), sym + kTableSizeSymbols.capacity);
    }
  }
  std::map<uint32_t, int> seen_globals;
  for (const auto& e : m_.exports) {
    if (e.kind != ExternKind::Global) continue;
    if (!o_.keep_exports.empty() && !o_.keep_exports.count(e.name)) continue;
    llvm::GlobalVariable* g = globals_[e.index];
    if (g->isDeclaration()) continue;  // a re-exported import: its symbol is the importer's to define
    if (g->hasInternalLinkage() && !seen_globals.count(e.index)) {
      g->setName(export_symbol(e.name, o_.prefix));
      g->setLinkage(llvm::GlobalValue::ExternalLinkage);
    } else {
      llvm::GlobalAlias::create(llvm::GlobalValue::ExternalLinkage, export_symbol(e.name, o_.prefix), g);
    }
    seen_globals[e.index]++;
  }
  std::map<uint32_t, int> seen;
  for (const auto& e : m_.exports) {
    if (e.kind != ExternKind::Func) continue;
    if (!o_.keep_exports.empty() && !o_.keep_exports.count(e.name)) continue;
    llvm::Function* f = funcs_[e.index];
    const std::string sym = export_symbol(e.name, o_.prefix);
    if (f->isDeclaration()) {
      // A re-exported import: a thunk that calls it.
      auto* thunk =
          llvm::Function::Create(fn_type(m_.func_type(e.index)), llvm::GlobalValue::ExternalLinkage, sym, *mod_);
      thunk->addFnAttr(llvm::Attribute::NoUnwind);
      llvm::IRBuilder<> tb(BasicBlock::Create(ctx_, "entry", thunk));
      std::vector<Value*> args;
      for (auto& a : thunk->args()) args.push_back(&a);
      Value* r = tb.CreateCall(llvm::FunctionCallee(thunk->getFunctionType(), f), args);
      if (thunk->getReturnType()->isVoidTy())
        tb.CreateRetVoid();
      else
        tb.CreateRet(r);
    } else if (f->hasInternalLinkage() && !seen.count(e.index)) {
      f->setName(sym);
      f->setLinkage(llvm::GlobalValue::ExternalLinkage);
    } else {
      llvm::GlobalAlias::create(llvm::GlobalValue::ExternalLinkage, sym, f);
    }
    seen[e.index]++;
  }
}

std::unique_ptr<llvm::Module> Lowering::run() {
  b_.setIsFPConstrained(true);
  b_.setDefaultConstrainedExcept(llvm::fp::ebStrict);
  b_.setDefaultConstrainedRounding(llvm::RoundingMode::NearestTiesToEven);
  desc_type_ = llvm::StructType::get(ctx_, {b_.getPtrTy(), b_.getInt32Ty()});
  auto* trap_ty = llvm::FunctionType::get(b_.getVoidTy(), {b_.getInt32Ty()}, false);
  auto* trap = llvm::Function::Create(trap_ty, llvm::GlobalValue::ExternalLinkage, "gust_trap", *mod_);
  trap->addFnAttr(llvm::Attribute::NoReturn);
  trap->addFnAttr(llvm::Attribute::NoUnwind);
  trap->addFnAttr(llvm::Attribute::Cold);
  trap_fn_ = trap;
  declare_functions();
  define_memory();
  define_globals();
  define_tables();
  define_segments();
  const uint32_t base = m_.imported(ExternKind::Func);
  for (uint32_t i = 0; i < m_.functions.size(); ++i) lower_function(base + i);
  export_symbols();
  define_start();
  return std::move(mod_);
}

// What instantiation does at run time rather than at dissolve time: globals
// and segment offsets that read imported globals, then the start function.
// All of it runs from <prefix>gust_start, which the firmware (or the spec
// runner) calls before it uses the instance. A module that needs none of it
// has no gust_start.
void Lowering::define_start() {
  const uint32_t nimported = m_.imported(ExternKind::Global);
  bool needed = m_.start.has_value();
  for (const auto& g : m_.globals) needed = needed || g.init.op == Op::GlobalGet;
  // Segments whose offset reads a global, or whose memory or table is
  // another instance's, are placed here; the others are in the initialisers.
  auto runtime_data = [&](const DataSegment& d) {
    return d.mode == SegmentMode::Active && (d.offset.op == Op::GlobalGet || memory_imported() || data_at_start_);
  };
  auto runtime_elem = [&](const ElemSegment& e) {
    return e.mode == SegmentMode::Active &&
           (e.offset.op == Op::GlobalGet || m_.import_of(ExternKind::Table, e.table) != nullptr);
  };
  for (const auto& d : m_.datas) needed = needed || runtime_data(d);
  for (const auto& e : m_.elems) needed = needed || runtime_elem(e);
  if (!needed) return;
  fn_ = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), false), llvm::GlobalValue::ExternalLinkage,
                               o_.prefix + "gust_start", *mod_);
  fn_->addFnAttr(llvm::Attribute::NoUnwind);
  fn_->addFnAttr(llvm::Attribute::StrictFP);
  trap_blocks_.clear();
  b_.SetInsertPoint(BasicBlock::Create(ctx_, "entry", fn_));
  auto read_global = [&](uint64_t index) { return b_.CreateLoad(globals_[index]->getValueType(), globals_[index]); };
  for (size_t i = 0; i < m_.globals.size(); ++i)
    if (m_.globals[i].init.op == Op::GlobalGet)
      b_.CreateStore(read_global(m_.globals[i].init.value), globals_[nimported + i]);
  llvm::Type* i64 = b_.getInt64Ty();
  for (size_t i = 0; i < m_.elems.size(); ++i) {
    const auto& e = m_.elems[i];
    if (!runtime_elem(e)) continue;
    Value* at = e.offset.op == Op::GlobalGet ? static_cast<Value*>(read_global(e.offset.value))
                                             : b_.getInt32(uint32_t(e.offset.value));
    trap_if(b_.CreateICmpUGT(b_.CreateAdd(b_.CreateZExt(at, i64), b_.getInt64(e.items.size())),
                             b_.CreateZExt(table_size(e.table), i64)),
            GUST_TRAP_TABLE_ACCESS_OOB);
    const Table& t = tables2_[e.table];
    for (size_t k = 0; k < e.items.size(); ++k)
      b_.CreateStore(const_value(e.items[k]),
                     b_.CreateInBoundsGEP(t.slots->getValueType(), t.slots,
                                          {b_.getInt32(0), b_.CreateAdd(at, b_.getInt32(uint32_t(k)))}));
  }
  for (size_t i = 0; i < m_.datas.size(); ++i) {
    const auto& d = m_.datas[i];
    if (!runtime_data(d)) continue;
    Value* at = d.offset.op == Op::GlobalGet ? static_cast<Value*>(read_global(d.offset.value))
                                             : b_.getInt32(uint32_t(d.offset.value));
    trap_if(b_.CreateICmpUGT(b_.CreateAdd(b_.CreateZExt(at, i64), b_.getInt64(d.bytes.size())), memory_bytes()),
            GUST_TRAP_MEMORY_OOB);
    if (d.bytes.empty()) continue;
    auto* src = new llvm::GlobalVariable(
        *mod_, llvm::ArrayType::get(b_.getInt8Ty(), d.bytes.size()), true, llvm::GlobalValue::InternalLinkage,
        llvm::ConstantDataArray::get(ctx_, d.bytes), "wasm_data_init" + std::to_string(i));
    b_.CreateMemCpy(b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {b_.CreateZExt(at, i64)}), llvm::MaybeAlign(1), src,
                    llvm::MaybeAlign(1), d.bytes.size());
  }
  if (m_.start) b_.CreateCall(funcs_[*m_.start]);
  b_.CreateRetVoid();
}

// ---- function bodies -------------------------------------------------------

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

Value* Lowering::memory_bytes() {
  if (!memory_pages_) return b_.getInt64(memory_size_);
  return b_.CreateMul(b_.CreateZExt(b_.CreateLoad(b_.getInt32Ty(), memory_pages_), b_.getInt64Ty()),
                      b_.getInt64(kPage));
}

Value* Lowering::table_size(uint32_t t) {
  const Table& tab = tables2_[t];
  if (!tab.size) return b_.getInt32(uint32_t(tab.min));
  return b_.CreateLoad(b_.getInt32Ty(), tab.size);
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

std::vector<Value*> Lowering::call(llvm::FunctionCallee callee, const FuncType& ft) {
  std::vector<Value*> args = pop_n(ft.params.size());
  Value* r = b_.CreateCall(callee, args);
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
    try {
      lower_instr(in);
    } catch (Failure& fail) {
      if (!fail.error.func) fail.error.func = index;
      throw;
    }
  }
}

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

void Lowering::lower_instr(const Instr& in) {
  using P = llvm::CmpInst::Predicate;
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
  auto block_type = [&](const BlockType& bt) { return *block_signature(m_, bt); };  // validated
  auto sext_in = [&](llvm::Type* narrow) {
    Value* x = pop();
    push(b_.CreateSExt(b_.CreateTrunc(x, narrow), x->getType()));
  };
  auto fconst = [&](llvm::Type* t, double v) { return llvm::ConstantFP::get(t, v); };

  switch (in.op) {
    // ---- control
    case Op::Unreachable:
      trap(GUST_TRAP_UNREACHABLE);
      dead_ = true;
      return;
    case Op::Nop:
      return;
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
      return;
    }
    case Op::Else: {
      Ctrl& c = ctrls_.back();
      if (!dead_) fall_through(c);
      dead_ = false;
      stack_.resize(c.height);
      for (auto* v : c.if_params) push(v);
      b_.SetInsertPoint(c.else_bb);
      c.else_bb = nullptr;
      return;
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
      return;
    }
    case Op::Br:
      branch_to(ctrls_[ctrls_.size() - 1 - in.a]);
      dead_ = true;
      return;
    case Op::BrIf: {
      Value* cond = pop();
      Ctrl& c = ctrls_[ctrls_.size() - 1 - in.a];
      BasicBlock* taken = BasicBlock::Create(ctx_, "br_if", fn_);
      BasicBlock* next = BasicBlock::Create(ctx_, "next", fn_);
      b_.CreateCondBr(b_.CreateICmpNE(cond, b_.getInt32(0)), taken, next);
      b_.SetInsertPoint(taken);
      branch_to(c);
      b_.SetInsertPoint(next);
      return;
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
      return;
    }
    case Op::Return:
      do_return();
      dead_ = true;
      return;
    case Op::Call: {
      // Through the wasm type: two imports may share a symbol with different types.
      const FuncType& ft = m_.func_type(in.a);
      for (auto* v : call(llvm::FunctionCallee(fn_type(ft), funcs_[in.a]), ft)) push(v);
      return;
    }
    case Op::CallIndirect: {
      const FuncType& ft = m_.types[in.a];
      Value* index = pop();
      Value* slot = table_slot(in.b, index, GUST_TRAP_TABLE_OOB);
      Value* desc = b_.CreateLoad(b_.getPtrTy(), slot);
      trap_if(b_.CreateICmpEQ(desc, llvm::ConstantPointerNull::get(b_.getPtrTy())), GUST_TRAP_NULL_REF);
      Value* id = b_.CreateLoad(i32, b_.CreateStructGEP(desc_type_, desc, 1));
      trap_if(b_.CreateICmpNE(id, b_.getInt32(type_id(ft))), GUST_TRAP_SIG_MISMATCH);
      Value* target = b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(desc_type_, desc, 0));
      for (auto* v : call(llvm::FunctionCallee(fn_type(ft), target), ft)) push(v);
      return;
    }
    // ---- references
    case Op::RefNull:
      push(llvm::ConstantPointerNull::get(b_.getPtrTy()));
      return;
    case Op::RefIsNull:
      push(bool_to_i32(b_.CreateIsNull(pop())));
      return;
    case Op::RefFunc:
      push(descriptor(in.a));
      return;
    // ---- parametric
    case Op::Drop:
      pop();
      return;
    case Op::Select:
    case Op::SelectT: {
      Value* c = pop();
      Value* f = pop();
      Value* t = pop();
      push(b_.CreateSelect(b_.CreateICmpNE(c, b_.getInt32(0)), t, f));
      return;
    }
    // ---- variables
    case Op::LocalGet:
      push(b_.CreateLoad(type(local_types_[in.a]), locals_[in.a]));
      return;
    case Op::LocalSet:
      b_.CreateStore(pop(), locals_[in.a]);
      return;
    case Op::LocalTee:
      b_.CreateStore(stack_.back(), locals_[in.a]);
      return;
    case Op::GlobalGet:
      push(b_.CreateLoad(globals_[in.a]->getValueType(), globals_[in.a]));
      return;
    case Op::GlobalSet:
      b_.CreateStore(pop(), globals_[in.a]);
      return;
    // ---- tables
    case Op::TableGet: {
      Value* slot = table_slot(in.a, pop(), GUST_TRAP_TABLE_ACCESS_OOB);
      push(b_.CreateLoad(b_.getPtrTy(), slot));
      return;
    }
    case Op::TableSet: {
      Value* v = pop();
      Value* slot = table_slot(in.a, pop(), GUST_TRAP_TABLE_ACCESS_OOB);
      b_.CreateStore(v, slot);
      return;
    }
    case Op::TableSize:
      push(table_size(in.a));
      return;
    case Op::TableGrow: {
      Value* n = pop();
      Value* init = pop();
      const Table& t = tables2_[in.a];
      if (!t.size) {
        push(b_.CreateSelect(b_.CreateICmpEQ(n, b_.getInt32(0)), b_.getInt32(uint32_t(t.min)),
                             b_.getInt32(uint32_t(-1))));
        return;
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
      return;
    }
    case Op::TableFill: {
      Value* n = pop();
      Value* v = pop();
      Value* at = pop();
      trap_if(past_end(at, n, table_size(in.a)), GUST_TRAP_TABLE_ACCESS_OOB);
      fill_table(in.a, at, v, n);
      return;
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
      return;
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
      return;
    }
    case Op::ElemDrop:
      b_.CreateStore(b_.getInt32(0), elem_lens_[in.a]);
      return;
    case Op::DataDrop:
      b_.CreateStore(b_.getInt32(0), data_lens_[in.a]);
      return;
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
      return;
    }
    // ---- memory
    case Op::I32Load:
      load(i32, i32, false);
      return;
    case Op::I64Load:
      load(i64, i64, false);
      return;
    case Op::F32Load:
      load(b_.getFloatTy(), b_.getFloatTy(), false);
      return;
    case Op::F64Load:
      load(b_.getDoubleTy(), b_.getDoubleTy(), false);
      return;
    case Op::I32Load8S:
      load(b_.getInt8Ty(), i32, true);
      return;
    case Op::I32Load8U:
      load(b_.getInt8Ty(), i32, false);
      return;
    case Op::I32Load16S:
      load(b_.getInt16Ty(), i32, true);
      return;
    case Op::I32Load16U:
      load(b_.getInt16Ty(), i32, false);
      return;
    case Op::I64Load8S:
      load(b_.getInt8Ty(), i64, true);
      return;
    case Op::I64Load8U:
      load(b_.getInt8Ty(), i64, false);
      return;
    case Op::I64Load16S:
      load(b_.getInt16Ty(), i64, true);
      return;
    case Op::I64Load16U:
      load(b_.getInt16Ty(), i64, false);
      return;
    case Op::I64Load32S:
      load(i32, i64, true);
      return;
    case Op::I64Load32U:
      load(i32, i64, false);
      return;
    case Op::I32Store:
      store(i32);
      return;
    case Op::I64Store:
      store(i64);
      return;
    case Op::F32Store:
      store(b_.getFloatTy());
      return;
    case Op::F64Store:
      store(b_.getDoubleTy());
      return;
    case Op::I32Store8:
    case Op::I64Store8:
      store(b_.getInt8Ty());
      return;
    case Op::I32Store16:
    case Op::I64Store16:
      store(b_.getInt16Ty());
      return;
    case Op::I64Store32:
      store(i32);
      return;
    case Op::MemorySize:
      push(memory_pages_ ? static_cast<Value*>(b_.CreateLoad(i32, memory_pages_))
                         : b_.getInt32(uint32_t(memory_size_ / kPage)));
      return;
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
        return;
      }
      // The region is placed at its full size: growing by 0 succeeds, any
      // other growth fails with -1, as the spec allows.
      push(b_.CreateSelect(b_.CreateICmpEQ(delta, b_.getInt32(0)), b_.getInt32(uint32_t(memory_size_ / kPage)),
                           b_.getInt32(uint32_t(-1))));
      return;
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
      return;
    }
    // ---- constants
    case Op::I32Const:
      push(b_.getInt32(uint32_t(in.value)));
      return;
    case Op::I64Const:
      push(b_.getInt64(in.value));
      return;
    case Op::F32Const:
    case Op::F64Const: {
      ConstExpr c;
      c.op = in.op;
      c.value = in.value;
      push(const_value(c));
      return;
    }
    // ---- integer comparisons
    case Op::I32Eqz:
    case Op::I64Eqz: {
      Value* x = pop();
      push(bool_to_i32(b_.CreateICmpEQ(x, llvm::ConstantInt::get(x->getType(), 0))));
      return;
    }
    case Op::I32Eq:
    case Op::I64Eq:
      cmp(P::ICMP_EQ);
      return;
    case Op::I32Ne:
    case Op::I64Ne:
      cmp(P::ICMP_NE);
      return;
    case Op::I32LtS:
    case Op::I64LtS:
      cmp(P::ICMP_SLT);
      return;
    case Op::I32LtU:
    case Op::I64LtU:
      cmp(P::ICMP_ULT);
      return;
    case Op::I32GtS:
    case Op::I64GtS:
      cmp(P::ICMP_SGT);
      return;
    case Op::I32GtU:
    case Op::I64GtU:
      cmp(P::ICMP_UGT);
      return;
    case Op::I32LeS:
    case Op::I64LeS:
      cmp(P::ICMP_SLE);
      return;
    case Op::I32LeU:
    case Op::I64LeU:
      cmp(P::ICMP_ULE);
      return;
    case Op::I32GeS:
    case Op::I64GeS:
      cmp(P::ICMP_SGE);
      return;
    case Op::I32GeU:
    case Op::I64GeU:
      cmp(P::ICMP_UGE);
      return;
    // ---- float comparisons (ordered, except ne which is true on NaN)
    case Op::F32Eq:
    case Op::F64Eq:
      cmp(P::FCMP_OEQ);
      return;
    case Op::F32Ne:
    case Op::F64Ne:
      cmp(P::FCMP_UNE);
      return;
    case Op::F32Lt:
    case Op::F64Lt:
      cmp(P::FCMP_OLT);
      return;
    case Op::F32Gt:
    case Op::F64Gt:
      cmp(P::FCMP_OGT);
      return;
    case Op::F32Le:
    case Op::F64Le:
      cmp(P::FCMP_OLE);
      return;
    case Op::F32Ge:
    case Op::F64Ge:
      cmp(P::FCMP_OGE);
      return;
    // ---- integer arithmetic
    case Op::I32Clz:
    case Op::I64Clz: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::ctlz, {x->getType()}, {x, b_.getFalse()}));
      return;
    }
    case Op::I32Ctz:
    case Op::I64Ctz: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::cttz, {x->getType()}, {x, b_.getFalse()}));
      return;
    }
    case Op::I32Popcnt:
    case Op::I64Popcnt:
      unary_intr(llvm::Intrinsic::ctpop);
      return;
    case Op::I32Add:
    case Op::I64Add:
      binop(llvm::Instruction::Add);
      return;
    case Op::I32Sub:
    case Op::I64Sub:
      binop(llvm::Instruction::Sub);
      return;
    case Op::I32Mul:
    case Op::I64Mul:
      binop(llvm::Instruction::Mul);
      return;
    case Op::I32DivS:
    case Op::I64DivS:
      divide(true, false);
      return;
    case Op::I32DivU:
    case Op::I64DivU:
      divide(false, false);
      return;
    case Op::I32RemS:
    case Op::I64RemS:
      divide(true, true);
      return;
    case Op::I32RemU:
    case Op::I64RemU:
      divide(false, true);
      return;
    case Op::I32And:
    case Op::I64And:
      binop(llvm::Instruction::And);
      return;
    case Op::I32Or:
    case Op::I64Or:
      binop(llvm::Instruction::Or);
      return;
    case Op::I32Xor:
    case Op::I64Xor:
      binop(llvm::Instruction::Xor);
      return;
    case Op::I32Shl:
    case Op::I64Shl:
      shift(llvm::Instruction::Shl);
      return;
    case Op::I32ShrS:
    case Op::I64ShrS:
      shift(llvm::Instruction::AShr);
      return;
    case Op::I32ShrU:
    case Op::I64ShrU:
      shift(llvm::Instruction::LShr);
      return;
    case Op::I32Rotl:
    case Op::I64Rotl: {
      Value* n = pop();
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fshl, {x->getType()}, {x, x, n}));
      return;
    }
    case Op::I32Rotr:
    case Op::I64Rotr: {
      Value* n = pop();
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fshr, {x->getType()}, {x, x, n}));
      return;
    }
    // ---- float arithmetic (soft float: LLVM calls the AEABI helpers)
    case Op::F32Abs:
    case Op::F64Abs:
      unary_intr(llvm::Intrinsic::fabs);
      return;
    case Op::F32Neg:
    case Op::F64Neg:
      push(b_.CreateFNeg(pop()));
      return;
    case Op::F32Ceil:
    case Op::F64Ceil:
      push(float_unary(llvm::Intrinsic::experimental_constrained_ceil));
      return;
    case Op::F32Floor:
    case Op::F64Floor:
      push(float_unary(llvm::Intrinsic::experimental_constrained_floor));
      return;
    case Op::F32Trunc:
    case Op::F64Trunc:
      push(float_unary(llvm::Intrinsic::experimental_constrained_trunc));
      return;
    // nearest is rint: ties to even is the default rounding mode
    case Op::F32Nearest:
    case Op::F64Nearest:
      push(float_unary(llvm::Intrinsic::experimental_constrained_rint));
      return;
    case Op::F32Sqrt:
    case Op::F64Sqrt:
      push(float_unary(llvm::Intrinsic::experimental_constrained_sqrt));
      return;
    case Op::F32Add:
    case Op::F64Add: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFAdd(l, r));
      return;
    }
    case Op::F32Sub:
    case Op::F64Sub: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFSub(l, r));
      return;
    }
    case Op::F32Mul:
    case Op::F64Mul: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFMul(l, r));
      return;
    }
    case Op::F32Div:
    case Op::F64Div: {
      Value* r = pop();
      Value* l = pop();
      push(b_.CreateFDiv(l, r));
      return;
    }
    case Op::F32Min:
    case Op::F64Min:
      push(float_min_max(true));
      return;
    case Op::F32Max:
    case Op::F64Max:
      push(float_min_max(false));
      return;
    case Op::F32Copysign:
    case Op::F64Copysign:
      binary_intr(llvm::Intrinsic::copysign);
      return;
    // ---- conversions
    case Op::I32WrapI64:
      push(b_.CreateTrunc(pop(), i32));
      return;
    case Op::I32TruncF32S:
    case Op::I32TruncF64S:
      push(checked_trunc(pop(), i32, true));
      return;
    case Op::I32TruncF32U:
    case Op::I32TruncF64U:
      push(checked_trunc(pop(), i32, false));
      return;
    case Op::I64TruncF32S:
    case Op::I64TruncF64S:
      push(checked_trunc(pop(), i64, true));
      return;
    case Op::I64TruncF32U:
    case Op::I64TruncF64U:
      push(checked_trunc(pop(), i64, false));
      return;
    case Op::I64ExtendI32S:
      push(b_.CreateSExt(pop(), i64));
      return;
    case Op::I64ExtendI32U:
      push(b_.CreateZExt(pop(), i64));
      return;
    case Op::F32ConvertI32S:
    case Op::F32ConvertI64S:
      push(b_.CreateSIToFP(pop(), b_.getFloatTy()));
      return;
    case Op::F32ConvertI32U:
    case Op::F32ConvertI64U:
      push(b_.CreateUIToFP(pop(), b_.getFloatTy()));
      return;
    case Op::F64ConvertI32S:
    case Op::F64ConvertI64S:
      push(b_.CreateSIToFP(pop(), b_.getDoubleTy()));
      return;
    case Op::F64ConvertI32U:
    case Op::F64ConvertI64U:
      push(b_.CreateUIToFP(pop(), b_.getDoubleTy()));
      return;
    case Op::F32DemoteF64:
      push(b_.CreateFPTrunc(pop(), b_.getFloatTy()));
      return;
    case Op::F64PromoteF32:
      push(b_.CreateFPExt(pop(), b_.getDoubleTy()));
      return;
    case Op::I32ReinterpretF32:
      push(b_.CreateBitCast(pop(), i32));
      return;
    case Op::I64ReinterpretF64:
      push(b_.CreateBitCast(pop(), i64));
      return;
    case Op::F32ReinterpretI32:
      push(b_.CreateBitCast(pop(), b_.getFloatTy()));
      return;
    case Op::F64ReinterpretI64:
      push(b_.CreateBitCast(pop(), b_.getDoubleTy()));
      return;
    case Op::I32Extend8S:
    case Op::I64Extend8S:
      sext_in(b_.getInt8Ty());
      return;
    case Op::I32Extend16S:
    case Op::I64Extend16S:
      sext_in(b_.getInt16Ty());
      return;
    case Op::I64Extend32S:
      sext_in(i32);
      return;
    case Op::I32TruncSatF32S:
    case Op::I32TruncSatF64S: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptosi_sat, {i32, x->getType()}, {x}));
      return;
    }
    case Op::I32TruncSatF32U:
    case Op::I32TruncSatF64U: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptoui_sat, {i32, x->getType()}, {x}));
      return;
    }
    case Op::I64TruncSatF32S:
    case Op::I64TruncSatF64S: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptosi_sat, {i64, x->getType()}, {x}));
      return;
    }
    case Op::I64TruncSatF32U:
    case Op::I64TruncSatF64U: {
      Value* x = pop();
      push(intrinsic(llvm::Intrinsic::fptoui_sat, {i64, x->getType()}, {x}));
      return;
    }
    default:
      (void)fconst;
      unsupported_here("not dissolved yet");
  }
}

}  // namespace

Result<std::unique_ptr<llvm::Module>> lower(const Module& m, const Options& opts, llvm::LLVMContext& ctx) {
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
