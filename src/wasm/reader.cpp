// Reading the binary encoding: LEB128 integers, names, instructions.
#include "reader.h"

#include <cstring>

namespace gust::wasm {

void Reader::fail_at(size_t at, const std::string& msg, Error::Kind kind) const {
  Error e;
  e.kind = kind;
  e.offset = at;
  e.message = msg;
  throw Failure{e};
}

uint8_t Reader::u8() {
  if (pos_ >= end_) fail("unexpected end");
  return (*b_)[pos_++];
}

// LEB128 with the spec's limits: at most ceil(bits/7) bytes, and the unused
// bits of the last byte must be zero (unsigned) or copies of the sign bit.
uint64_t Reader::leb(unsigned bits, bool is_signed) {
  const size_t start = pos_;
  const unsigned max_bytes = (bits + 6) / 7;
  uint64_t result = 0;
  unsigned shift = 0;
  for (unsigned i = 0;; ++i) {
    if (pos_ >= end_) fail_at(start, "unexpected end of LEB128 integer");
    const uint8_t byte = (*b_)[pos_++];
    if (i == max_bytes - 1) {
      const unsigned used = bits - shift;  // payload bits this byte may carry
      if (byte & 0x80) fail_at(start, "integer representation too long");
      if (used < 7) {
        const uint8_t rest = byte >> used;  // bits beyond the type's width
        if (!is_signed) {
          if (rest != 0) fail_at(start, "integer too large");
        } else {
          const bool sign = (byte >> (used - 1)) & 1;
          const uint8_t expect = sign ? (0x7F >> used) : 0;
          if (rest != expect) fail_at(start, "integer too large");
        }
      }
    }
    result |= uint64_t(byte & 0x7F) << shift;
    shift += 7;
    if (!(byte & 0x80)) {
      if (is_signed && shift < 64 && (byte & 0x40)) result |= ~uint64_t(0) << shift;
      return result;
    }
  }
}

uint32_t Reader::u32() { return uint32_t(leb(32, false)); }
int32_t Reader::s32() { return int32_t(leb(32, true)); }
int64_t Reader::s33() { return int64_t(leb(33, true)); }
int64_t Reader::s64() { return int64_t(leb(64, true)); }

uint32_t Reader::fixed32() {
  if (end_ - pos_ < 4 || pos_ > end_) fail("unexpected end");
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t((*b_)[pos_ + i]) << (8 * i);
  pos_ += 4;
  return v;
}

uint64_t Reader::fixed64() {
  uint64_t lo = fixed32();
  return lo | uint64_t(fixed32()) << 32;
}

static bool valid_utf8(const uint8_t* s, size_t n) {
  for (size_t i = 0; i < n;) {
    const uint8_t c = s[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else
      return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string Reader::name() {
  const size_t start = pos_;
  const uint32_t n = u32();
  if (n > end_ - pos_) fail_at(start, "unexpected end: name length out of bounds");
  if (!valid_utf8(&(*b_)[pos_], n)) fail_at(start, "malformed UTF-8 encoding");
  std::string s(reinterpret_cast<const char*>(&(*b_)[pos_]), n);
  pos_ += n;
  return s;
}

ValType Reader::valtype() {
  const size_t at = pos_;
  const uint8_t b = u8();
  switch (b) {
    case 0x7F:
    case 0x7E:
    case 0x7D:
    case 0x7C:
    case 0x70:
    case 0x6F:
      return ValType(b);
    case 0x7B:
      fail_at(at, "SIMD: value type v128", Error::Kind::Unsupported);
    case 0x69:
      fail_at(at, "exception handling: value type exnref", Error::Kind::Unsupported);
    case 0x63:
    case 0x64:
      fail_at(at, "typed function references: a (ref ...) value type", Error::Kind::Unsupported);
    default:
      fail_at(at, "malformed value type");
  }
}

ValType Reader::reftype() {
  const size_t at = pos_;
  const uint8_t b = u8();
  if (b == 0x70 || b == 0x6F) return ValType(b);
  fail_at(at, "malformed reference type");
}

std::optional<FuncType> block_signature(const Module& m, const BlockType& bt) {
  switch (bt.kind) {
    case BlockType::Kind::Empty:
      return FuncType{};
    case BlockType::Kind::Value:
      return FuncType{{}, {bt.value}};
    case BlockType::Kind::Index:
      if (bt.index >= m.types.size()) return std::nullopt;
      return m.types[bt.index];
  }
  return std::nullopt;
}

// The proposal an opcode gust does not dissolve belongs to, so that a module
// using it is refused as "unsupported: <feature>", not as malformed.
const char* unsupported_opcode_feature(uint8_t prefix) {
  switch (prefix) {
    case 0x06:  // try
    case 0x07:  // catch
    case 0x08:  // throw
    case 0x09:  // rethrow
    case 0x0A:  // throw_ref
    case 0x18:  // delegate
    case 0x19:  // catch_all
    case 0x1F:  // try_table
      return "exception handling";
    case 0x12:  // return_call
    case 0x13:  // return_call_indirect
      return "tail calls";
    case 0x14:  // call_ref
    case 0x15:  // return_call_ref
    case 0xD4:  // ref.as_non_null
    case 0xD5:  // br_on_null
    case 0xD6:  // br_on_non_null
      return "typed function references";
    case 0xFB:
      return "garbage collection";
    case 0xFD:
      return "SIMD";
    default:
      return nullptr;
  }
}

// A reserved memory-index byte that is not 0: a memory index of the
// multi-memory proposal when it is a canonical LEB128 of another index, else
// malformed (a zero spelled in several bytes, as the MVP binary tests check).
static void memory_index_zero(Reader& r, size_t instr_at) {
  const size_t at = r.pos();
  const uint8_t first = r.u8();
  if (first == 0) return;
  r.seek(at);
  const uint32_t index = r.u32();
  if (index == 0) r.fail_at(instr_at, "zero byte expected");
  r.fail_at(at, "multi-memory: memory index " + std::to_string(index), Error::Kind::Unsupported);
}

void read_instr(Reader& r, Instr& in, bool has_data_count) {
  in.offset = r.pos();
  uint8_t prefix = r.u8();
  uint32_t code = prefix;
  if (prefix == 0xFC || prefix == 0xFE) {
    code = r.u32();
  } else if (const char* feature = unsupported_opcode_feature(prefix)) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s: opcode 0x%02x", feature, prefix);
    r.fail_at(in.offset, buf, Error::Kind::Unsupported);
  } else {
    prefix = 0;
  }
  if (prefix == 0xFE && code <= 0x02) {
    // memory.atomic.notify, wait32, wait64: a driver is one thread, with
    // no other to wait for or wake (and wait traps on unshared memory).
    static const char* const kNames[] = {"memory.atomic.notify", "memory.atomic.wait32", "memory.atomic.wait64"};
    r.fail_at(in.offset, std::string("threads: ") + kNames[code] + " (a driver has one thread)",
              Error::Kind::Unsupported);
  }
  auto op = lookup(prefix, code);
  if (!op) {
    char buf[64];
    if (prefix)
      snprintf(buf, sizeof buf, "illegal opcode 0x%02x 0x%x", prefix, code);
    else
      snprintf(buf, sizeof buf, "illegal opcode 0x%02x", code);
    r.fail_at(in.offset, buf);
  }
  in.op = *op;
  if (is_atomic_64(in.op))
    r.fail_at(in.offset,
              std::string("threads: ") + info(in.op).text + " (64-bit atomics: a Cortex-M3 has no 64-bit exclusive access)",
              Error::Kind::Unsupported);
  in.targets.clear();
  in.types.clear();
  switch (info(in.op).imm) {
    case Imm::None:
      break;
    case Imm::BlockType: {
      const size_t at = r.pos();
      const uint8_t peek = r.u8();
      if (peek == 0x40) {
        in.block = {BlockType::Kind::Empty};
      } else if (peek >= 0x6F && peek <= 0x7F) {
        r.seek(at);
        in.block = {BlockType::Kind::Value, r.valtype()};
      } else {
        r.seek(at);
        const int64_t idx = r.s33();
        if (idx < 0) r.fail_at(at, "malformed block type");
        in.block = {BlockType::Kind::Index, ValType::I32, uint32_t(idx)};
      }
      break;
    }
    case Imm::Index:
      in.a = r.u32();
      if (in.op == Op::DataDrop && !has_data_count) r.fail_at(in.offset, "data count section required");
      break;
    case Imm::BrTable: {
      const uint32_t n = r.u32();
      if (n > r.end() - r.pos()) r.fail("unexpected end: br_table too long");
      in.targets.reserve(n + 1);
      for (uint32_t i = 0; i <= n; ++i) in.targets.push_back(r.u32());
      break;
    }
    case Imm::CallIndirect:
      in.a = r.u32();  // type index
      in.b = r.u32();  // table index
      break;
    case Imm::RefType:
      in.types.push_back(r.reftype());
      break;
    case Imm::SelectTypes: {
      const uint32_t n = r.u32();
      if (n > r.end() - r.pos()) r.fail("unexpected end: select type list too long");
      for (uint32_t i = 0; i < n; ++i) in.types.push_back(r.valtype());
      break;
    }
    case Imm::MemArg:
    case Imm::AtomicMemArg: {
      const size_t at = r.pos();
      in.a = r.u32();
      // Bit 6 says a memory index follows (multi-memory); an alignment
      // exponent is below 64 otherwise.
      if (in.a >= 64 && in.a < 128) r.fail_at(at, "multi-memory: a memory index in a memarg", Error::Kind::Unsupported);
      if (in.a >= 64) r.fail_at(in.offset, "malformed memop flags");
      in.b = r.u32();
      break;
    }
    case Imm::ZeroByte:
      memory_index_zero(r, in.offset);
      break;
    case Imm::AtomicFence:
      if (r.u8() != 0) r.fail_at(in.offset, "zero byte expected");
      break;
    case Imm::TwoZeroBytes:
      memory_index_zero(r, in.offset);
      memory_index_zero(r, in.offset);
      break;
    case Imm::I32:
      in.value = uint32_t(r.s32());
      break;
    case Imm::I64:
      in.value = uint64_t(r.s64());
      break;
    case Imm::F32:
      in.value = r.fixed32();
      break;
    case Imm::F64:
      in.value = r.fixed64();
      break;
    case Imm::MemoryInit:
      in.a = r.u32();
      if (!has_data_count) r.fail_at(in.offset, "data count section required");
      memory_index_zero(r, in.offset);
      break;
    case Imm::TwoIndices:
      in.a = r.u32();
      in.b = r.u32();
      break;
  }
}

}  // namespace gust::wasm
