// The decoded form of a WebAssembly module: what decode() produces, what
// validate() checks, and what the dissolver and the prover read.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error.h"

namespace gust::wasm {

enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  FuncRef = 0x70,
  ExternRef = 0x6F,
  Unknown = 0x00,  // the validator's bottom type in unreachable code
};
const char* name(ValType t);
inline bool is_ref(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }

enum class Op : uint16_t {
#define WASM_OP(prefix, code, Name, text, imm, sig) Name,
#include "opcodes.def"
#undef WASM_OP
  Count_
};

enum class Imm : uint8_t {
  None,
  BlockType,
  Index,
  BrTable,
  CallIndirect,
  RefType,
  SelectTypes,
  MemArg,
  AtomicMemArg,  // a memarg whose alignment must be the access width
  AtomicFence,   // one reserved zero byte
  ZeroByte,
  TwoZeroBytes,
  I32,
  I64,
  F32,
  F64,
  MemoryInit,
  TwoIndices,
};

struct OpInfo {
  uint8_t prefix;
  uint32_t code;
  const char* text;
  Imm imm;
  const char* signature;
};
const OpInfo& info(Op op);
// An atomic access's width in bytes, log2 (0xFE ops but atomic.fence).
unsigned atomic_width_log2(Op op);
// Whether an op is an atomic access of the full 64 bits, which a Cortex-M3
// cannot make (no LDREXD): refused as unsupported.
bool is_atomic_64(Op op);
// The opcode at a byte position, or nullopt for a byte sequence that names no
// opcode gust knows.
std::optional<Op> lookup(uint8_t prefix, uint32_t code);

struct FuncType {
  std::vector<ValType> params, results;
  bool operator==(const FuncType&) const = default;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

struct GlobalType {
  ValType type = ValType::I32;
  bool mutable_ = false;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
const char* name(ExternKind k);

// A constant expression: one value-producing instruction then `end`.
struct ConstExpr {
  Op op = Op::I32Const;                 // I32Const, I64Const, F32Const, F64Const, GlobalGet, RefNull, RefFunc
  uint64_t value = 0;                   // the constant's bits, or the global / function index
  ValType ref_type = ValType::FuncRef;  // for RefNull
  size_t offset = 0;                    // where the expression starts
};

struct Import {
  std::string module, name;
  ExternKind kind = ExternKind::Func;
  uint32_t func_type = 0;
  TableType table;
  Limits memory;
  GlobalType global;
  size_t offset = 0;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
  size_t offset = 0;  // of the entry, for messages about it
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t table = 0;
  ConstExpr offset;
  ValType type = ValType::FuncRef;
  std::vector<ConstExpr> items;
  size_t position = 0;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t memory = 0;
  ConstExpr offset;
  std::vector<uint8_t> bytes;
  size_t position = 0;
};

// A function defined in the module (not imported).
struct Function {
  uint32_t type = 0;
  std::vector<ValType> locals;  // declared locals, parameters excluded
  size_t body_begin = 0;        // first instruction, as a file offset
  size_t body_end = 0;          // one past the final `end`
};

struct Module {
  std::vector<uint8_t> bytes;  // the whole binary; bodies are read from here
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<Function> functions;
  std::vector<TableType> tables;  // defined tables
  std::vector<Limits> memories;   // defined memories
  std::vector<Global> globals;    // defined globals
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> data_count;

  // Index spaces: imports of a kind come first, then the definitions.
  uint32_t imported(ExternKind k) const;
  uint32_t num_funcs() const { return imported(ExternKind::Func) + uint32_t(functions.size()); }
  uint32_t num_tables() const { return imported(ExternKind::Table) + uint32_t(tables.size()); }
  uint32_t num_memories() const { return imported(ExternKind::Memory) + uint32_t(memories.size()); }
  uint32_t num_globals() const { return imported(ExternKind::Global) + uint32_t(globals.size()); }
  const FuncType& func_type(uint32_t func_index) const;
  TableType table_type(uint32_t table_index) const;
  Limits memory_limits(uint32_t memory_index) const;
  GlobalType global_type(uint32_t global_index) const;
  // The import entry behind an imported index of kind k, or nullptr.
  const Import* import_of(ExternKind k, uint32_t index) const;
};

// Decodes a binary module. Malformed input yields an Error naming the byte
// offset (and, inside a code body, the function index and the opcode).
[[nodiscard]] Result<Module> decode(std::vector<uint8_t> bytes);

// Checks the module against the validation rules of the core spec.
[[nodiscard]] Result<void> validate(const Module& m);

}  // namespace gust::wasm
