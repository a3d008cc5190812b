// Byte-level reading of the binary format: LEB128, names, and one
// instruction with its immediates. Shared by the decoder, the validator, the
// lowering and the prover, so the encoding is read in exactly one place.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "module.h"

namespace gust::wasm {

class Reader {
 public:
  Reader(const std::vector<uint8_t>& bytes, size_t pos, size_t end) : b_(&bytes), pos_(pos), end_(end) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  bool at_end() const { return pos_ >= end_; }
  void seek(size_t pos) { pos_ = pos; }

  uint8_t u8();
  uint32_t u32();  // unsigned LEB128, 32 bits
  int32_t s32();   // signed LEB128, 32 bits
  int64_t s33();   // signed LEB128, 33 bits (block types)
  int64_t s64();   // signed LEB128, 64 bits
  uint32_t fixed32();
  uint64_t fixed64();
  std::string name();  // a length-prefixed UTF-8 string
  ValType valtype();
  ValType reftype();

  // Throws a Failure of the given kind at the current position.
  [[noreturn]] void fail(const std::string& msg, Error::Kind kind = Error::Kind::Malformed) const {
    fail_at(pos_, msg, kind);
  }
  [[noreturn]] void fail_at(size_t at, const std::string& msg, Error::Kind kind = Error::Kind::Malformed) const;

 private:
  uint64_t leb(unsigned bits, bool is_signed);
  const std::vector<uint8_t>* b_;
  size_t pos_, end_;
};

// A block's type: nothing, one value, or a function type index.
struct BlockType {
  enum class Kind : uint8_t { Empty, Value, Index } kind = Kind::Empty;
  ValType value = ValType::I32;
  uint32_t index = 0;
};

// A block type as a function type; nullopt for a type index out of range.
std::optional<FuncType> block_signature(const Module& m, const BlockType& bt);

// One decoded instruction.
struct Instr {
  Op op = Op::Nop;
  size_t offset = 0;      // where the opcode starts
  uint32_t a = 0, b = 0;  // indices; memarg: a = align exponent, b = offset
  uint64_t value = 0;     // constant bits
  BlockType block;
  std::vector<uint32_t> targets;  // br_table labels, the default last
  std::vector<ValType> types;     // select t
};

// Reads the instruction at r's position. Throws Failure on malformed bytes.
// `has_data_count` is whether the module had a datacount section, which the
// bulk memory instructions that name a data segment require.
void read_instr(Reader& r, Instr& out, bool has_data_count);

}  // namespace gust::wasm
