// Reading a linked ARM ELF image back without LLVM: sections, symbols with
// sizes and their object file, and the ARM mapping symbols ($t, $a, $d) that
// tell code from literal pools. What the audit and the stack oracle read.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "image/thumb.h"
#include "wasm/error.h"

namespace gust::image {

namespace fs = std::filesystem;

struct Section {
  std::string name;
  uint32_t type = 0, flags = 0, addr = 0, offset = 0, size = 0;
  bool alloc() const { return flags & 0x2; }  // SHF_ALLOC
  bool exec() const { return flags & 0x4; }   // SHF_EXECINSTR
  bool write() const { return flags & 0x1; }  // SHF_WRITE
  bool nobits() const { return type == 8; }   // SHT_NOBITS: .bss, no bytes in the file
};

// What an ARM mapping symbol says about the bytes from its address on.
enum class Mapping : uint8_t { Thumb, Arm, Data };

struct Symbol {
  std::string name;
  uint32_t addr = 0;  // without the Thumb bit
  uint32_t size = 0;
  uint8_t type = 0;      // STT_NOTYPE 0, OBJECT 1, FUNC 2, SECTION 3, FILE 4
  uint8_t bind = 0;      // STB_LOCAL 0, GLOBAL 1, WEAK 2
  uint16_t section = 0;  // section index; 0 undefined, 0xFFF1 absolute
  bool thumb = false;    // a FUNC whose value had bit 0 set
  std::string file;      // a local's object: the FILE symbol before it ("" for globals)
  int file_id = -1;      // which FILE symbol that is, counting from 0 (several objects may share a name)
  bool is_func() const { return type == 2; }
  bool is_object() const { return type == 1; }
  bool is_local() const { return bind == 0; }
};

// A stretch of a section, with the object file whose mapping symbol opens it.
struct Piece {
  uint32_t begin = 0, end = 0;
  Mapping kind = Mapping::Data;
  std::string file;  // "" when no FILE symbol precedes the mapping symbol
  int file_id = -1;  // as in Symbol
};

struct Image {
  std::string where;  // the file name, for messages
  std::vector<uint8_t> bytes;
  std::vector<Section> sections;
  std::vector<Symbol> symbols;  // every symbol but mapping, section and file symbols, in table order
  std::vector<Piece> pieces;    // every allocated section cut at its mapping symbols, sorted by address
  uint32_t entry = 0;

  const Section* section(std::string_view name) const;
  // The allocated section with file contents that holds [addr, addr + n), if any.
  const Section* section_at(uint32_t addr, uint32_t n = 1) const;
  // The image's bytes at [addr, addr + n), when all of them are in one section with contents.
  std::optional<std::span<const uint8_t>> bytes_at(uint32_t addr, uint32_t n) const;
  std::optional<uint32_t> read32(uint32_t addr) const;
  // The piece (mapping) in force at addr, or null outside every allocated section.
  const Piece* piece_at(uint32_t addr) const;

  // The functions: FUNC symbols with a size, one per address (a global before a weak alias,
  // the first in table order after that), sorted by address.
  std::vector<const Symbol*> functions() const;
  // The function whose [addr, addr + size) holds addr, or null.
  const Symbol* function_at(uint32_t addr) const;
  // Every symbol whose value is addr (aliases included).
  std::vector<const Symbol*> symbols_at(uint32_t addr) const;
  const Symbol* find(std::string_view name) const;

  // The function's instructions: its Thumb pieces decoded in order, its literal
  // pools ($d) left out. A 32-bit encoding that runs into data is Op::Undefined.
  std::vector<Insn> decode(const Symbol& fn) const;
  // The Thumb stretches of [begin, end) (the function's code without its pools).
  std::vector<std::pair<uint32_t, uint32_t>> code_ranges(uint32_t begin, uint32_t end) const;
};

// Reads an ELF32 little-endian ARM executable or object. Every malformation is an
// Error naming the file and what is wrong; nothing is trusted past its bounds.
[[nodiscard]] Result<Image> read_elf(const fs::path& file);
[[nodiscard]] Result<Image> parse_elf(std::vector<uint8_t> bytes, const std::string& where);

}  // namespace gust::image
