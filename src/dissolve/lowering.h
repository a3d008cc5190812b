// The lowering's internals, shared by its files: lower.cpp (the driver and the
// opcode dispatch), layout.cpp (module layout: functions, memory region,
// globals, tables, segments, exports, start), control.cpp (blocks, branches,
// calls, returns, locals), table.cpp (references and tables), memory.cpp
// (addresses, bounds checks, loads, stores, bulk memory), numeric.cpp
// (integer and float operators, conversions).
#pragma once
#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dissolve/debug.h"
#include "dissolve/lower.h"
#include "wasm/reader.h"

namespace gust::dissolve {

using namespace wasm;
using llvm::BasicBlock;
using llvm::Value;

constexpr uint64_t kPage = 65536;
constexpr const char* kWarningsMetadata = "gust.warnings";
constexpr const char* kRegionMetadata = "gust.region";  // the region's size in bytes, for emit's warnings
// The names of the name section's subsection `sub` (1 functions, 9 data
// segments), by index; empty when absent or malformed.
std::vector<std::string> name_map(const Module& m, uint8_t sub, size_t count);
constexpr uint64_t kMaxRegion = 256ull << 20;    // of the 512 MiB Cortex-M SRAM space
constexpr uint64_t kMaxDataRegion = 1ull << 20;  // larger: data copied in at start-up
// The most zero bytes under the read-only hull that read_only_data moves to
// flash with it (the low layout; wasm-ld's --global-base, compose's 8).
constexpr uint64_t kLowHullGap = 64;

// Input the dissolver does not build yet, inside a function body.
[[noreturn]] void unsupported(size_t at, uint32_t func, Op op, const std::string& what);
// Outside any function body: an import, or a constant expression.
[[noreturn]] void unsupported(size_t at, const std::string& what, const char* opcode = "");

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
  llvm::GlobalVariable* signature(const FuncType& t);
  Value* expected_signature(const FuncType& t);
  llvm::Constant* const_value(const ConstExpr& c);
  void export_symbols();
  void define_start();
  // A symbol the object defines or references, with what it is: the same
  // symbol for two different things (an import and an export, one global
  // imported with two types, a size symbol and an import) is refused.
  void claim(const std::string& symbol, const std::string& what, std::optional<size_t> offset = std::nullopt);
  std::string describe(const Import& im) const;
  // The name of something local to the object, in gust's namespace after
  // the prefix (<prefix>gust_<what>), which no import or export reaches.
  std::string local_name(const std::string& what) const { return o_.prefix + "gust_" + what; }

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
  // One per concern, each true when it lowered the instruction: control.cpp,
  // table.cpp, memory.cpp, atomics.cpp, numeric.cpp.
  bool lower_control(const Instr& in);
  bool lower_table(const Instr& in);
  bool lower_memory(const Instr& in);
  bool lower_atomic(const Instr& in);
  bool lower_numeric(const Instr& in);
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
  // The place of an access of size bytes at addr + offset, after its
  // bounds check (and, for a store, the read-only check).
  Value* address(Value* addr, uint32_t offset, unsigned size, bool store);
  Value* memory_bytes();
  void do_return();
  // A call, its results unpacked; dispatch: the call_indirect's call.
  std::vector<Value*> call(llvm::FunctionCallee callee, const FuncType& ft, bool dispatch = false);
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
  // A table slot holds a descriptor {function, signature object} or null.
  std::map<uint32_t, llvm::Constant*> descriptors_;
  llvm::StructType* desc_type_ = nullptr;
  std::map<std::string, llvm::GlobalVariable*> signatures_;
  struct Claim {
    std::string what;
    std::optional<size_t> offset;
  };
  std::map<std::string, Claim> claims_;
  llvm::GlobalVariable* memory_ = nullptr;  // the SRAM region (with read-only data in flash: its writable part)
  uint64_t memory_size_ = 0;
  // Read-only data in flash (define_memory): the hull [ro_begin_, ro_end_)
  // lives in rodata_, and wasm address e >= ro_end_ - kReadOnlyPad at
  // memory_ + e + hi_off_. Null rodata_: one array, memory_ + e.
  llvm::GlobalVariable* rodata_ = nullptr;
  uint64_t ro_begin_ = 0, ro_end_ = 0;
  int64_t hi_off_ = 0;
  static constexpr uint64_t kReadOnlyPad = 7;  // the widest access (8 bytes) less one
  uint64_t lo_pad_ = kReadOnlyPad;             // the low copy's length: 0 for a hull from 0
  Value* ram_pointer(Value* ea);               // a store's (or a writable load's) place
  Value* load_pointer(Value* ea, unsigned size);
  Value* store_forbidden(Value* ea, Value* n);  // [ea, ea + n) touches the read-only hull
  llvm::Function* copy_in_fn_ = nullptr;
  llvm::Function* copy_in();
  // Build-time diagnostics (Output::warnings), carried to emit() as the
  // module's named metadata kWarningsMetadata.
  std::vector<std::string> warnings_;
  std::vector<std::string> func_names_;  // from the name section, by function index
  void warn_out_of_bounds(uint64_t at, unsigned size);
  std::set<uint32_t> warned_;  // functions already warned about
  std::string function_name_suffix() const {
    return func_index_ < func_names_.size() && !func_names_[func_index_].empty() ? " (" + func_names_[func_index_] + ")"
                                                                                 : "";
  }
  llvm::FunctionCallee trap_fn_;
  std::unique_ptr<DebugInfo> debug_;  // with Options::debug_info and a line table
  void begin_debug();
  std::string cxx_name(uint32_t func) const;  // for the function's DISubprogram

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

}  // namespace gust::dissolve
