// The source lines of a module's code, from the DWARF that clang writes into
// custom sections (".debug_line", with ".debug_line_str" and ".debug_str" for
// DWARF 5's strings). Addresses in wasm DWARF are offsets into the code
// section's contents; a LineTable answers for file offsets, as every Instr
// carries one. Custom sections never make a module invalid: a malformed
// table is an Error for the caller to report as a warning, not a rejection.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wasm/error.h"
#include "wasm/module.h"

namespace gust::wasm {

struct SourceLine {
  uint32_t file = 0;  // into LineTable::files
  uint32_t line = 0;  // 1-based; 0 when the compiler gave none
  uint32_t column = 0;
};

class LineTable {
 public:
  // Every file the tables name, as a path (its directory joined in).
  std::vector<std::string> files;
  // The row that covers the instruction at file offset `at`, if any.
  std::optional<SourceLine> at(size_t at) const;
  // The lines of the rows in [begin, end) of file offsets, lowest first,
  // and their file (that of the first row): a function's extent in its source.
  struct Extent {
    uint32_t file = 0, first = 0, last = 0;
  };
  std::optional<Extent> extent(size_t begin, size_t end) const;
  bool empty() const { return ranges_.empty(); }

  struct Range {
    size_t begin = 0, end = 0;  // file offsets
    SourceLine src;
  };
  std::vector<Range> ranges_;  // sorted by begin, disjoint
};

// The module's line table: empty without a .debug_line section; an Error
// (naming the section offset) when the section does not parse.
[[nodiscard]] Result<LineTable> read_line_table(const Module& m);

// The same table as a source map (version 3, as binaryen reads and writes
// them for wasm: one line of segments, each column a file offset). wasm-opt
// carries a source map through every pass without changing what it does,
// where DWARF in the module makes it skip passes; gust build gives it the
// linked module's lines this way and reads back the optimised module's.
std::string source_map(const LineTable& t);
// A source map's rows as a LineTable over module m: each row covers the
// bytes up to the next row, within the function body that holds it.
[[nodiscard]] Result<LineTable> read_source_map(const Module& m, const std::string& json, const std::string& where);

}  // namespace gust::wasm
