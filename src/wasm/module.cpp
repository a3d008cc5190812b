// The opcode table's lookups, index-space helpers, and error formatting.
#include "module.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace gust {

const char* kind_name(Error::Kind k) {
  switch (k) {
    case Error::Kind::Malformed:
      return "malformed";
    case Error::Kind::Invalid:
      return "invalid";
    case Error::Kind::Unsupported:
      return "unsupported";
    case Error::Kind::Limit:
      return "limit";
    case Error::Kind::Input:
      return "input";
    case Error::Kind::Tool:
      return "tool";
  }
  return "?";
}

std::string Error::str() const {
  std::string s;
  char buf[32];
  if (!where.empty()) s += where + ": ";
  if (offset) {
    snprintf(buf, sizeof buf, "%08zx: ", *offset);
    s += buf;
  }
  s += "error: ";
  if (kind != Kind::Input && kind != Kind::Tool) s += std::string(kind_name(kind)) + ": ";
  if (func) s += "func " + std::to_string(*func) + ": ";
  if (!opcode.empty()) s += opcode + ": ";
  s += message;
  return s;
}

void die(const char* file, int line, const std::string& what) {
  fprintf(stderr, "gust: internal error at %s:%d: %s\n", file, line, what.c_str());
  abort();
}

}  // namespace gust

namespace gust::wasm {

static const OpInfo kOps[] = {
#define WASM_OP(prefix, code, Name, text, imm, sig) {prefix, code, text, Imm::imm, sig},
#include "opcodes.def"
#undef WASM_OP
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == size_t(Op::Count_), "one OpInfo per Op");

const OpInfo& info(Op op) { return kOps[size_t(op)]; }

// opcodes.def lists each group of seven atomic accesses in the order i32,
// i64, i32 8, i32 16, i64 8, i64 16, i64 32 bits from code 0x10 on.
unsigned atomic_width_log2(Op op) {
  static const unsigned kLog2[7] = {2, 3, 0, 1, 0, 1, 2};
  const OpInfo& oi = info(op);
  if (oi.imm != Imm::AtomicMemArg) GUST_DIE(std::string("not an atomic access: ") + oi.text);
  return kLog2[(oi.code - 0x10) % 7];
}

bool is_atomic_64(Op op) {
  const OpInfo& oi = info(op);
  return oi.imm == Imm::AtomicMemArg && (oi.code - 0x10) % 7 == 1;
}

std::optional<Op> lookup(uint8_t prefix, uint32_t code) {
  static const auto table = [] {
    std::unordered_map<uint32_t, Op> t;
    for (size_t i = 0; i < size_t(Op::Count_); ++i) t[uint32_t(kOps[i].prefix) << 24 | kOps[i].code] = Op(i);
    return t;
  }();
  if (code >= (1u << 24)) return std::nullopt;
  auto it = table.find(uint32_t(prefix) << 24 | code);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

const char* name(ValType t) {
  switch (t) {
    case ValType::I32:
      return "i32";
    case ValType::I64:
      return "i64";
    case ValType::F32:
      return "f32";
    case ValType::F64:
      return "f64";
    case ValType::FuncRef:
      return "funcref";
    case ValType::ExternRef:
      return "externref";
    case ValType::Unknown:
      return "unknown";
  }
  return "?";
}

const char* name(ExternKind k) {
  switch (k) {
    case ExternKind::Func:
      return "func";
    case ExternKind::Table:
      return "table";
    case ExternKind::Memory:
      return "memory";
    case ExternKind::Global:
      return "global";
  }
  return "?";
}

uint32_t Module::imported(ExternKind k) const {
  uint32_t n = 0;
  for (const auto& im : imports) n += im.kind == k;
  return n;
}

const Import* Module::import_of(ExternKind k, uint32_t index) const {
  for (const auto& im : imports) {
    if (im.kind != k) continue;
    if (index-- == 0) return &im;
  }
  return nullptr;
}

const FuncType& Module::func_type(uint32_t i) const {
  if (auto* im = import_of(ExternKind::Func, i)) return types.at(im->func_type);
  return types.at(functions.at(i - imported(ExternKind::Func)).type);
}

TableType Module::table_type(uint32_t i) const {
  if (auto* im = import_of(ExternKind::Table, i)) return im->table;
  return tables.at(i - imported(ExternKind::Table));
}

Limits Module::memory_limits(uint32_t i) const {
  if (auto* im = import_of(ExternKind::Memory, i)) return im->memory;
  return memories.at(i - imported(ExternKind::Memory));
}

GlobalType Module::global_type(uint32_t i) const {
  if (auto* im = import_of(ExternKind::Global, i)) return im->global;
  return globals.at(i - imported(ExternKind::Global)).type;
}

}  // namespace gust::wasm
