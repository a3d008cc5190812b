// A DWARF 4 and 5 .debug_line reader for wasm modules: the header (file and
// directory tables, in either version's form), then the line-number state
// machine, one sequence at a time, into ranges of file offsets.
#include "wasm/dwarf.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

namespace gust::wasm {

namespace {

struct Bad {
  size_t at;
  std::string what;
};

// Bounded little-endian reads over one section's bytes.
struct Cursor {
  const std::vector<uint8_t>& b;
  size_t p, end;
  size_t base;  // the section's offset in the file, for messages

  [[noreturn]] void fail(const std::string& what) const { throw Bad{base + p, what}; }
  void need(size_t n) const {
    if (n > end - p) fail("runs past the end of its section");
  }
  uint64_t fixed(unsigned n) {
    need(n);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t(b[p + i]) << (8 * i);
    p += n;
    return v;
  }
  uint8_t u8() { return uint8_t(fixed(1)); }
  uint64_t uleb() {
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
      need(1);
      const uint8_t byte = b[p++];
      if (shift < 64) v |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
      if (shift > 70) fail("a LEB128 number over 10 bytes");
    }
  }
  int64_t sleb() {
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t byte = 0;
    do {
      need(1);
      byte = b[p++];
      if (shift < 64) v |= int64_t(byte & 0x7f) << shift;
      shift += 7;
      if (shift > 70) fail("a LEB128 number over 10 bytes");
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) v |= -(int64_t(1) << shift);
    return v;
  }
  std::string cstr() {
    const size_t from = p;
    while (p < end && b[p]) ++p;
    if (p >= end) fail("a string without its NUL");
    return std::string(b.begin() + from, b.begin() + p++);
  }
  void skip(uint64_t n) {
    if (n > end - p) fail("runs past the end of its section");
    p += n;
  }
};

struct Section {
  size_t begin = 0, end = 0;  // the payload after the custom section's name
  bool found = false;
};

// The custom sections by name and the code section's contents.
struct Sections {
  std::map<std::string, Section> custom;
  std::optional<size_t> code;
};

bool read_leb32(const std::vector<uint8_t>& b, size_t& p, size_t end, uint32_t& out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (p >= end) return false;
    const uint8_t byte = b[p++];
    v |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      out = uint32_t(v);
      return v <= UINT32_MAX;
    }
  }
  return false;
}

Sections sections(const std::vector<uint8_t>& b) {
  Sections s;
  size_t p = 8;  // after the magic and version, which decode checked
  while (p < b.size()) {
    const uint8_t id = b[p++];
    uint32_t size = 0;
    if (!read_leb32(b, p, b.size(), size) || size > b.size() - p) return s;
    const size_t end = p + size;
    if (id == 10) s.code = p;
    if (id == 0) {
      size_t q = p;
      uint32_t n = 0;
      if (read_leb32(b, q, end, n) && n <= end - q) {
        const std::string name(b.begin() + q, b.begin() + q + n);
        s.custom[name] = {q + n, end, true};
      }
    }
    p = end;
  }
  return s;
}

// DWARF forms that a DWARF 5 line table header uses.
enum Form : uint64_t {
  kBlock = 0x09,
  kData1 = 0x0b,
  kData2 = 0x05,
  kData4 = 0x06,
  kData8 = 0x07,
  kData16 = 0x1e,
  kString = 0x08,
  kStrp = 0x0e,
  kLineStrp = 0x1f,
  kUdata = 0x0f,
};
enum Content : uint64_t { kPath = 1, kDirIndex = 2 };

struct Reader {
  const std::vector<uint8_t>& b;
  const Sections& secs;
  LineTable& out;

  std::string string_at(const char* section, uint64_t off, const Cursor& c) {
    auto it = secs.custom.find(section);
    if (it == secs.custom.end()) c.fail(std::string("names a string in ") + section + ", which the module lacks");
    const Section& s = it->second;
    if (off >= s.end - s.begin) c.fail(std::string("names a string past the end of ") + section);
    Cursor sc{b, s.begin + size_t(off), s.end, 0};
    const size_t from = sc.p;
    while (sc.p < sc.end && b[sc.p]) ++sc.p;
    if (sc.p >= sc.end) c.fail(std::string("names a string without its NUL in ") + section);
    return std::string(b.begin() + from, b.begin() + sc.p);
  }

  // One attribute value of a DWARF 5 entry: its text for strings, its
  // number for constants, nothing for what the reader does not keep.
  void value(Cursor& c, uint64_t form, bool offset64, std::string* text, uint64_t* number) {
    switch (form) {
      case kString: {
        std::string s = c.cstr();
        if (text) *text = s;
        return;
      }
      case kStrp:
      case kLineStrp: {
        const uint64_t off = c.fixed(offset64 ? 8 : 4);
        if (text) *text = string_at(form == kStrp ? ".debug_str" : ".debug_line_str", off, c);
        return;
      }
      case kUdata: {
        const uint64_t v = c.uleb();
        if (number) *number = v;
        return;
      }
      case kData1:
      case kData2:
      case kData4:
      case kData8: {
        const unsigned n = form == kData1 ? 1 : form == kData2 ? 2 : form == kData4 ? 4 : 8;
        const uint64_t v = c.fixed(n);
        if (number) *number = v;
        return;
      }
      case kData16:
        c.skip(16);
        return;
      case kBlock:
        c.skip(c.uleb());
        return;
      default:
        c.fail("a line table entry in DWARF form " + std::to_string(form) + ", which gust does not read");
    }
  }

  // Entries of a DWARF 5 directory or file table: (path, directory index).
  std::vector<std::pair<std::string, uint64_t>> entries(Cursor& c, bool offset64) {
    const uint8_t nformats = c.u8();
    std::vector<std::pair<uint64_t, uint64_t>> formats;
    for (uint8_t i = 0; i < nformats; ++i) {
      const uint64_t content = c.uleb();
      formats.push_back({content, c.uleb()});
    }
    const uint64_t count = c.uleb();
    if (count > c.end - c.p) c.fail("more entries than bytes");
    std::vector<std::pair<std::string, uint64_t>> out;
    for (uint64_t i = 0; i < count; ++i) {
      std::pair<std::string, uint64_t> e{"", 0};
      for (const auto& [content, form] : formats)
        value(c, form, offset64, content == kPath ? &e.first : nullptr, content == kDirIndex ? &e.second : nullptr);
      out.push_back(std::move(e));
    }
    return out;
  }

  static std::string join(const std::string& dir, const std::string& name) {
    std::filesystem::path p = name;
    if (!name.empty() && name[0] != '/' && !dir.empty()) p = std::filesystem::path(dir) / name;
    return p.lexically_normal().string();
  }

  uint32_t file_id(const std::string& path) {
    for (size_t i = 0; i < out.files.size(); ++i)
      if (out.files[i] == path) return uint32_t(i);
    out.files.push_back(path);
    return uint32_t(out.files.size() - 1);
  }

  // One unit's table; returns where the next begins.
  size_t unit(Cursor& whole, size_t code, std::vector<LineTable::Range>& ranges) {
    Cursor c = whole;
    uint64_t length = c.fixed(4);
    bool offset64 = false;
    if (length == 0xffffffff) {
      offset64 = true;
      length = c.fixed(8);
    } else if (length >= 0xfffffff0) {
      c.fail("a reserved unit length");
    }
    if (length > c.end - c.p) c.fail("a unit longer than its section");
    const size_t unit_end = c.p + size_t(length);
    c.end = unit_end;
    const uint16_t version = uint16_t(c.fixed(2));
    if (version < 2 || version > 5) c.fail("DWARF line table version " + std::to_string(version));
    if (version >= 5) {
      const uint8_t address_size = c.u8();
      c.u8();  // segment selector size
      if (address_size != 4 && address_size != 8) c.fail("an address size of " + std::to_string(address_size));
    }
    const uint64_t header_length = c.fixed(offset64 ? 8 : 4);
    if (header_length > c.end - c.p) c.fail("a header longer than its unit");
    const size_t program = c.p + size_t(header_length);
    const uint8_t min_inst = c.u8();
    if (version >= 4) c.u8();  // maximum operations per instruction: 1 outside VLIW
    const bool default_is_stmt = c.u8() != 0;
    const int8_t line_base = int8_t(c.u8());
    const uint8_t line_range = c.u8();
    const uint8_t opcode_base = c.u8();
    if (line_range == 0) c.fail("a line range of 0");
    if (opcode_base == 0) c.fail("an opcode base of 0");
    std::vector<uint8_t> lengths(opcode_base, 0);
    for (uint8_t i = 1; i < opcode_base; ++i) lengths[i] = c.u8();
    std::vector<uint32_t> files;  // the unit's file numbers -> LineTable::files
    if (version >= 5) {
      std::vector<std::string> dirs;
      for (auto& [path, unused] : entries(c, offset64)) dirs.push_back(path);
      for (auto& [path, dir] : entries(c, offset64))
        files.push_back(file_id(join(dir < dirs.size() ? dirs[dir] : "", path)));
    } else {
      std::vector<std::string> dirs = {""};  // 0: the compilation directory, which the table does not hold
      for (std::string d = c.cstr(); !d.empty(); d = c.cstr()) dirs.push_back(d);
      files.push_back(0);  // DWARF 4 numbers files from 1
      for (std::string f = c.cstr(); !f.empty(); f = c.cstr()) {
        const uint64_t dir = c.uleb();
        c.uleb();  // modification time
        c.uleb();  // length
        files.push_back(file_id(join(dir < dirs.size() ? dirs[dir] : "", f)));
      }
    }
    c.p = program;

    struct Row {
      uint64_t address;
      uint64_t file, line, column;
    };
    std::vector<Row> seq;
    uint64_t address = 0, file = 1, line = 1, column = 0;
    auto reset = [&] {
      address = 0;
      file = 1;
      line = 1;
      column = 0;
      seq.clear();
    };
    auto emit_row = [&] { seq.push_back({address, file, line, column}); };
    // A sequence's rows become ranges: each row covers up to the next row's
    // address. wasm-ld marks the code of functions it dropped with an
    // address of -1 or -2 (its tombstones); those sequences are skipped.
    auto end_sequence = [&] {
      emit_row();
      if (!seq.empty() && seq.front().address < 0xfffffffe)
        for (size_t i = 0; i + 1 < seq.size(); ++i) {
          const Row& r = seq[i];
          if (seq[i + 1].address <= r.address || r.address >= 0xfffffffe) continue;
          const uint32_t fid = r.file < files.size() ? files[r.file] : file_id("<file " + std::to_string(r.file) + ">");
          ranges.push_back({code + size_t(r.address),
                            code + size_t(seq[i + 1].address),
                            {fid, uint32_t(r.line), uint32_t(r.column)}});
        }
      reset();
    };
    (void)default_is_stmt;
    while (c.p < c.end) {
      const uint8_t op = c.u8();
      if (op >= opcode_base) {
        const uint8_t adj = op - opcode_base;
        address += uint64_t(adj / line_range) * min_inst;
        line += int64_t(line_base) + adj % line_range;
        emit_row();
        continue;
      }
      switch (op) {
        case 0: {  // extended
          const uint64_t len = c.uleb();
          if (len == 0 || len > c.end - c.p) c.fail("an extended opcode longer than its unit");
          const size_t next = c.p + size_t(len);
          const uint8_t sub = c.u8();
          if (sub == 1) {
            end_sequence();
          } else if (sub == 2) {
            if (len - 1 > 8) c.fail("an address of " + std::to_string(len - 1) + " bytes");
            address = c.fixed(unsigned(len - 1));
          }
          c.p = next;  // define_file, set_discriminator and vendor opcodes: skipped
          break;
        }
        case 1:  // copy
          emit_row();
          break;
        case 2:  // advance_pc
          address += c.uleb() * min_inst;
          break;
        case 3:  // advance_line
          line += c.sleb();
          break;
        case 4:  // set_file
          file = c.uleb();
          break;
        case 5:  // set_column
          column = c.uleb();
          break;
        case 8:  // const_add_pc
          address += uint64_t((255 - opcode_base) / line_range) * min_inst;
          break;
        case 9:  // fixed_advance_pc
          address += c.fixed(2);
          break;
        default:  // negate_stmt, basic_block, prologue_end, ... and unknown ones: skip their operands
          for (uint8_t i = 0; i < lengths[op]; ++i) c.uleb();
          break;
      }
    }
    return unit_end;
  }
};

}  // namespace

Result<LineTable> read_line_table(const Module& m) {
  LineTable out;
  const Sections secs = sections(m.bytes);
  auto it = secs.custom.find(".debug_line");
  if (it == secs.custom.end()) return out;
  if (!secs.code) return out;
  Reader r{m.bytes, secs, out};
  Cursor c{m.bytes, it->second.begin, it->second.end, 0};
  std::vector<LineTable::Range> ranges;
  try {
    while (c.p < c.end) c.p = r.unit(c, *secs.code, ranges);
  } catch (const Bad& bad) {
    Error e = Error::make(Error::Kind::Malformed, "the .debug_line section does not parse: " + bad.what);
    e.offset = bad.at;
    return e;
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const LineTable::Range& a, const LineTable::Range& b) { return a.begin < b.begin; });
  // Overlaps (two units claiming one byte) keep the first claim.
  for (auto& rg : ranges) {
    if (!out.ranges_.empty() && rg.begin < out.ranges_.back().end) {
      if (rg.end <= out.ranges_.back().end) continue;
      rg.begin = out.ranges_.back().end;
    }
    out.ranges_.push_back(rg);
  }
  return out;
}

std::optional<SourceLine> LineTable::at(size_t at) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), at, [](size_t a, const Range& r) { return a < r.begin; });
  if (it == ranges_.begin()) return std::nullopt;
  --it;
  if (at >= it->end) return std::nullopt;
  return it->src;
}

std::optional<LineTable::Extent> LineTable::extent(size_t begin, size_t end) const {
  auto it =
      std::upper_bound(ranges_.begin(), ranges_.end(), begin, [](size_t a, const Range& r) { return a < r.begin; });
  if (it != ranges_.begin() && std::prev(it)->end > begin) --it;
  std::optional<Extent> out;
  for (; it != ranges_.end() && it->begin < end; ++it) {
    if (it->src.line == 0) continue;
    if (!out) out = Extent{it->src.file, it->src.line, it->src.line};
    if (it->src.file != out->file) continue;
    out->first = std::min(out->first, it->src.line);
    out->last = std::max(out->last, it->src.line);
  }
  return out;
}

namespace {

constexpr const char* kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void vlq(std::string& out, int64_t v) {
  uint64_t u = v < 0 ? (uint64_t(-v) << 1) | 1 : uint64_t(v) << 1;
  do {
    unsigned digit = u & 31;
    u >>= 5;
    if (u) digit |= 32;
    out += kBase64[digit];
  } while (u);
}

}  // namespace

std::string source_map(const LineTable& t) {
  std::string mappings;
  // Rows with a source only: binaryen 108 reads no 1-field segments, so a
  // gap between rows is covered by the row before it.
  int64_t prev[4] = {0, 0, 0, 0};
  for (const auto& r : t.ranges_) {
    if (r.src.line == 0) continue;
    const int64_t cur[4] = {int64_t(r.begin), int64_t(r.src.file), int64_t(r.src.line) - 1, int64_t(r.src.column)};
    if (!mappings.empty()) mappings += ',';
    for (int i = 0; i < 4; ++i) vlq(mappings, cur[i] - prev[i]);
    std::copy(cur, cur + 4, prev);
  }
  // In this order: binaryen reads "sources" before "mappings".
  nlohmann::ordered_json j = {
      {"version", 3}, {"sources", t.files}, {"names", nlohmann::json::array()}, {"mappings", mappings}};
  return j.dump();
}

Result<LineTable> read_source_map(const Module& m, const std::string& text, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return Error::make(Error::Kind::Input, "the source map does not parse: " + why, where);
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("mappings") || !j["mappings"].is_string()) return bad("no \"mappings\" string");
  LineTable out;
  if (j.contains("sources")) {
    if (!j["sources"].is_array()) return bad("\"sources\" is not an array");
    for (const auto& s : j["sources"]) out.files.push_back(s.is_string() ? s.get<std::string>() : "<unknown>");
  }
  // Function bodies, sorted, to end each row at its body's end.
  std::vector<std::pair<size_t, size_t>> bodies;
  for (const auto& f : m.functions) bodies.push_back({f.body_begin, f.body_end});
  std::sort(bodies.begin(), bodies.end());
  auto body_end = [&](size_t at) -> size_t {
    auto it = std::upper_bound(bodies.begin(), bodies.end(), std::make_pair(at, SIZE_MAX));
    if (it == bodies.begin() || std::prev(it)->second <= at) return at;  // outside every body
    return std::prev(it)->second;
  };
  const std::string& map = j["mappings"].get_ref<const std::string&>();
  struct Row {
    int64_t at;
    bool has_src;
    SourceLine src;
  };
  std::vector<Row> rows;
  int64_t acc[4] = {0, 0, 0, 0};
  size_t p = 0;
  while (p < map.size()) {
    int64_t fields[4];
    int n = 0;
    while (p < map.size() && map[p] != ',' && map[p] != ';') {
      uint64_t u = 0;
      unsigned shift = 0;
      for (;;) {
        if (p >= map.size()) return bad("a VLQ number cut short");
        const char* d = std::strchr(kBase64, map[p]);
        if (!map[p] || !d) return bad(std::string("'") + map[p] + "' in \"mappings\"");
        const unsigned digit = unsigned(d - kBase64);
        ++p;
        if (shift > 60) return bad("a VLQ number over 64 bits");
        u |= uint64_t(digit & 31) << shift;
        shift += 5;
        if (!(digit & 32)) break;
      }
      if (n == 4 + 1) return bad("a segment of more than 5 fields");
      const int64_t v = (u & 1) ? -int64_t(u >> 1) : int64_t(u >> 1);
      if (n < 4) fields[n] = v;
      ++n;
    }
    if (p < map.size() && map[p] == ';') return bad("more than one line (wasm source maps have one)");
    ++p;
    if (n == 0) continue;
    if (n != 1 && n != 4 && n != 5) return bad("a segment of " + std::to_string(n) + " fields");
    acc[0] += fields[0];
    Row r{acc[0], n >= 4, {}};
    if (n >= 4) {
      for (int i = 1; i < 4; ++i) acc[i] += fields[i];
      if (acc[1] < 0 || size_t(acc[1]) >= out.files.size()) return bad("a segment names no source");
      if (acc[2] < 0 || acc[3] < 0 || acc[2] >= INT32_MAX || acc[3] >= INT32_MAX)
        return bad("a negative or huge line or column");
      r.src = {uint32_t(acc[1]), uint32_t(acc[2] + 1), uint32_t(acc[3])};
    }
    if (r.at < 0 || size_t(r.at) >= m.bytes.size()) return bad("a segment outside the module");
    rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.at < b.at; });
  // binaryen writes an expression's row at its first byte, which is its
  // first operand's, before its operands' own rows: of several rows at one
  // offset the first is the outermost expression's (a call's, say, whose
  // opcode comes after its operands and gets no row of its own), and the
  // one that stands for the bytes up to the next offset.
  rows.erase(std::unique(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.at == b.at; }),
             rows.end());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].has_src) continue;
    const size_t begin = size_t(rows[i].at);
    size_t end = body_end(begin);
    if (i + 1 < rows.size()) end = std::min(end, size_t(rows[i + 1].at));
    if (end <= begin) continue;
    out.ranges_.push_back({begin, end, rows[i].src});
  }
  return out;
}

}  // namespace gust::wasm
