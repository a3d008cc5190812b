// The ELF32 reader behind gust audit: the section headers, the symbol table
// and the mapping symbols, each read against the file's bounds, nothing else.
#include "image/elf.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>

namespace gust::image {

namespace {

constexpr uint16_t kEM_ARM = 40;
constexpr uint32_t kSHT_SYMTAB = 2, kSHT_NOBITS = 8;
constexpr uint8_t kSTT_SECTION = 3, kSTT_FILE = 4;
constexpr uint16_t kSHN_LORESERVE = 0xFF00;

struct Reader {
  const std::vector<uint8_t>& b;
  const std::string& where;
  uint32_t u32(uint64_t at, const char* what) const {
    need(at, 4, what);
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
  }
  uint16_t u16(uint64_t at, const char* what) const {
    need(at, 2, what);
    return uint16_t(b[at] | b[at + 1] << 8);
  }
  void need(uint64_t at, uint64_t n, const char* what) const {
    if (at + n > b.size() || at + n < at)
      throw Failure{Error::make(Error::Kind::Malformed,
                                std::string(what) + " at file offset " + std::to_string(at) + " runs past the end (" +
                                    std::to_string(b.size()) + " bytes)",
                                where)};
  }
  std::string str(uint64_t table_off, uint64_t table_size, uint32_t at, const char* what) const {
    if (at >= table_size)
      throw Failure{
          Error::make(Error::Kind::Malformed, std::string(what) + ": name offset past its string table", where)};
    need(table_off, table_size, what);
    const char* s = reinterpret_cast<const char*>(b.data() + table_off + at);
    const size_t n = strnlen(s, size_t(table_size - at));
    if (n == table_size - at)
      throw Failure{Error::make(Error::Kind::Malformed, std::string(what) + ": unterminated name", where)};
    return std::string(s, n);
  }
};

Mapping mapping_of(const std::string& name) {
  if (name[1] == 't') return Mapping::Thumb;
  if (name[1] == 'a') return Mapping::Arm;
  return Mapping::Data;
}

// $t, $a, $d, and their suffixed forms ($t.1, $d.realign).
bool is_mapping_symbol(const std::string& name) {
  return name.size() >= 2 && name[0] == '$' && (name[1] == 't' || name[1] == 'a' || name[1] == 'd') &&
         (name.size() == 2 || name[2] == '.');
}

void read(Image& img) {
  const Reader r{img.bytes, img.where};
  const auto& b = img.bytes;
  r.need(0, 52, "ELF header");
  if (memcmp(b.data(),
             "\x7f"
             "ELF",
             4) != 0)
    throw Failure{Error::make(Error::Kind::Malformed, "not an ELF file", img.where)};
  if (b[4] != 1 || b[5] != 1)
    throw Failure{Error::make(Error::Kind::Malformed, "not a 32-bit little-endian ELF file", img.where)};
  if (r.u16(18, "e_machine") != kEM_ARM)
    throw Failure{Error::make(Error::Kind::Malformed, "not an ARM ELF file", img.where)};
  img.entry = r.u32(24, "e_entry");
  const uint32_t shoff = r.u32(32, "e_shoff");
  const uint16_t shentsize = r.u16(46, "e_shentsize"), shnum = r.u16(48, "e_shnum"), shstrndx = r.u16(50, "e_shstrndx");
  if (shnum == 0) throw Failure{Error::make(Error::Kind::Malformed, "no section headers", img.where)};
  if (shentsize < 40) throw Failure{Error::make(Error::Kind::Malformed, "section headers too small", img.where)};
  struct Raw {
    uint32_t name, type, flags, addr, offset, size, link, entsize;
  };
  std::vector<Raw> raw(shnum);
  for (uint32_t i = 0; i < shnum; ++i) {
    const uint64_t at = uint64_t(shoff) + uint64_t(i) * shentsize;
    r.need(at, 40, "section header");
    raw[i] = {r.u32(at, "sh_name"),      r.u32(at + 4, "sh_type"),    r.u32(at + 8, "sh_flags"),
              r.u32(at + 12, "sh_addr"), r.u32(at + 16, "sh_offset"), r.u32(at + 20, "sh_size"),
              r.u32(at + 24, "sh_link"), r.u32(at + 36, "sh_entsize")};
    if (raw[i].type != kSHT_NOBITS && raw[i].type != 0) r.need(raw[i].offset, raw[i].size, "section contents");
  }
  if (shstrndx >= shnum) throw Failure{Error::make(Error::Kind::Malformed, "no section name table", img.where)};
  for (const Raw& s : raw) {
    Section sec;
    sec.name = r.str(raw[shstrndx].offset, raw[shstrndx].size, s.name, "section name");
    sec.type = s.type;
    sec.flags = s.flags;
    sec.addr = s.addr;
    sec.offset = s.offset;
    sec.size = s.size;
    img.sections.push_back(sec);
  }

  // The symbol table: locals come first, each object's after its FILE symbol.
  struct Map {
    uint32_t addr;
    uint16_t section;
    Mapping kind;
    std::string file;
    int file_id;
  };
  std::vector<Map> maps;
  for (uint32_t i = 0; i < shnum; ++i) {
    if (raw[i].type != kSHT_SYMTAB) continue;
    if (raw[i].link >= shnum || raw[i].entsize < 16)
      throw Failure{
          Error::make(Error::Kind::Malformed, "symbol table with a bad string table or entry size", img.where)};
    const Raw& strtab = raw[raw[i].link];
    std::string file;
    int file_id = -1, files = 0;
    for (uint64_t at = raw[i].offset; at + raw[i].entsize <= uint64_t(raw[i].offset) + raw[i].size;
         at += raw[i].entsize) {
      Symbol s;
      const uint32_t name = r.u32(at, "st_name"), value = r.u32(at + 4, "st_value");
      s.size = r.u32(at + 8, "st_size");
      const uint8_t info = b[at + 12];
      s.type = info & 0xF;
      s.bind = info >> 4;
      s.section = r.u16(at + 14, "st_shndx");
      s.name = name ? r.str(strtab.offset, strtab.size, name, "symbol name") : "";
      if (s.type == kSTT_FILE) {
        file = s.name;
        file_id = files++;
        continue;
      }
      if (!s.is_local()) {  // globals follow all the locals
        file.clear();
        file_id = -1;
      }
      if (s.type == kSTT_SECTION || s.name.empty()) continue;
      if (s.section >= shnum && s.section < kSHN_LORESERVE)
        throw Failure{Error::make(
            Error::Kind::Malformed,
            "symbol '" + s.name + "' in section " + std::to_string(s.section) + " of " + std::to_string(shnum),
            img.where)};
      if (is_mapping_symbol(s.name)) {
        if (s.section != 0 && s.section < shnum) maps.push_back({value, s.section, mapping_of(s.name), file, file_id});
        continue;
      }
      s.thumb = s.is_func() && (value & 1);
      s.addr = s.is_func() ? value & ~1u : value;
      s.file = file;
      s.file_id = file_id;
      img.symbols.push_back(s);
    }
  }

  // Cut each allocated section at its mapping symbols; before the first, the
  // bytes are data (nothing says they are code, so nothing decodes them).
  std::map<uint16_t, std::vector<Map>> by_section;
  for (const Map& m : maps) by_section[m.section].push_back(m);
  for (uint32_t i = 0; i < shnum; ++i) {
    const Section& sec = img.sections[i];
    if (!sec.alloc() || sec.size == 0) continue;
    auto& ms = by_section[uint16_t(i)];
    std::stable_sort(ms.begin(), ms.end(), [](const Map& a, const Map& b) { return a.addr < b.addr; });
    uint32_t at = sec.addr;
    Mapping kind = Mapping::Data;
    std::string file;
    int file_id = -1;
    const uint32_t end = sec.addr + sec.size;
    for (const Map& m : ms) {
      if (m.addr < sec.addr || m.addr >= end) continue;
      if (m.addr > at) img.pieces.push_back({at, m.addr, kind, file, file_id});
      at = m.addr;
      kind = m.kind;
      file = m.file;
      file_id = m.file_id;
    }
    if (end > at) img.pieces.push_back({at, end, kind, file, file_id});
  }
  std::sort(img.pieces.begin(), img.pieces.end(), [](const Piece& a, const Piece& b) { return a.begin < b.begin; });
}

}  // namespace

Result<Image> parse_elf(std::vector<uint8_t> bytes, const std::string& where) {
  Image img;
  img.where = where;
  img.bytes = std::move(bytes);
  try {
    read(img);
  } catch (const Failure& f) {
    return f.error;
  }
  return img;
}

Result<Image> read_elf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::make(Error::Kind::Input, "cannot read the image", file.string());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_elf(std::move(bytes), file.string());
}

const Section* Image::section(std::string_view name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

const Section* Image::section_at(uint32_t addr, uint32_t n) const {
  for (const auto& s : sections)
    if (s.alloc() && !s.nobits() && addr >= s.addr && uint64_t(addr) + n <= uint64_t(s.addr) + s.size) return &s;
  return nullptr;
}

std::optional<std::span<const uint8_t>> Image::bytes_at(uint32_t addr, uint32_t n) const {
  const Section* s = section_at(addr, n);
  if (!s) return std::nullopt;
  return std::span<const uint8_t>(bytes.data() + s->offset + (addr - s->addr), n);
}

std::optional<uint32_t> Image::read32(uint32_t addr) const {
  auto b = bytes_at(addr, 4);
  if (!b) return std::nullopt;
  return uint32_t((*b)[0]) | uint32_t((*b)[1]) << 8 | uint32_t((*b)[2]) << 16 | uint32_t((*b)[3]) << 24;
}

const Piece* Image::piece_at(uint32_t addr) const {
  auto it =
      std::upper_bound(pieces.begin(), pieces.end(), addr, [](uint32_t a, const Piece& p) { return a < p.begin; });
  if (it == pieces.begin()) return nullptr;
  --it;
  return addr < it->end ? &*it : nullptr;
}

std::vector<const Symbol*> Image::functions() const {
  std::map<uint32_t, const Symbol*> by_addr;
  for (const auto& s : symbols) {
    if (!s.is_func() || s.size == 0 || s.section == 0) continue;
    auto [it, fresh] = by_addr.emplace(s.addr, &s);
    if (!fresh && it->second->bind != 1 && s.bind == 1) it->second = &s;
  }
  std::vector<const Symbol*> out;
  for (const auto& [addr, s] : by_addr) out.push_back(s);
  return out;
}

const Symbol* Image::function_at(uint32_t addr) const {
  const Symbol* best = nullptr;
  for (const Symbol* f : functions())
    if (addr >= f->addr && addr - f->addr < f->size) best = f;
  return best;
}

std::vector<const Symbol*> Image::symbols_at(uint32_t addr) const {
  std::vector<const Symbol*> out;
  for (const auto& s : symbols)
    if (s.addr == addr && s.section != 0) out.push_back(&s);
  return out;
}

const Symbol* Image::find(std::string_view name) const {
  for (const auto& s : symbols)
    if (s.name == name && s.section != 0) return &s;
  return nullptr;
}

std::vector<std::pair<uint32_t, uint32_t>> Image::code_ranges(uint32_t begin, uint32_t end) const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const Piece& p : pieces) {
    if (p.kind != Mapping::Thumb || p.end <= begin || p.begin >= end) continue;
    out.push_back({std::max(p.begin, begin), std::min(p.end, end)});
  }
  return out;
}

std::vector<Insn> Image::decode(const Symbol& fn) const {
  std::vector<Insn> out;
  for (auto [b, e] : code_ranges(fn.addr, fn.addr + fn.size)) {
    auto bytes = bytes_at(b, e - b);
    if (!bytes) continue;
    auto part = decode_range(*bytes, b);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

}  // namespace gust::image
