// Stages 3 and 4 of the pipeline: a validated wasm Module is lowered to LLVM
// IR (lower.cpp), optimised and emitted as a Thumb-2 ELF object (emit.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wasm/module.h"

namespace gust::dissolve {

struct Options {
  // Namespaces the object's imports and exports (e.g. "usart2_"), so one
  // driver binary can serve several instances, each with its own bridge.
  std::string prefix;
  // Size of the linear memory region in bytes. Default: the module's minimum
  // pages. A module that never touches memory gets no region at all.
  std::optional<uint64_t> memory_bytes;
  // How far memory.grow may take the region, in bytes. Default: no growth
  // beyond the initial size (grow returns -1), as on an 8 KiB part.
  std::optional<uint64_t> memory_max_bytes;
  // Entries table.grow may add beyond a table's minimum.
  uint32_t table_growth = 0;
  // Memories and tables link by symbol, so that instances can share them:
  // an imported memory is <symbol> (its bytes), <symbol>__pages (the current
  // size, which memory.grow changes) and <symbol>__max_pages; an imported
  // table is <symbol> (its slots), <symbol>__size and <symbol>__capacity. An
  // exported memory or table defines the same three under its export symbol.
  // The sizes are then read at run time, so this is off for firmware.
  bool linkable = false;
  // Bounds checks on every memory access the dissolver cannot prove safe.
  bool bounds_checks = true;
  // LLVM's pipeline: "Oz", "Os", "O2" or "O0".
  std::string opt_level = "Oz";
  // Bridge inlining: LLVM bitcode of the bridge (clang-19 -emit-llvm for
  // thumbv7m) linked into the module before optimisation, so a window check
  // on a constant offset folds away. The imports it defines vanish from the
  // object, and with them the TCB's audit trail of import relocations.
  std::string bridge_bitcode;
  // Exports to keep; empty keeps all. The others become internal, so the
  // optimiser may inline or drop them.
  std::set<std::string> keep_exports;
};

// The symbols beside a linkable memory's or table's own (see Options::
// linkable): its current size and its capacity, as suffixes of its symbol.
struct SizeSymbols {
  const char* size;
  const char* capacity;
};
constexpr SizeSymbols kMemorySizeSymbols{"__pages", "__max_pages"};
constexpr SizeSymbols kTableSizeSymbols{"__size", "__capacity"};

struct Output {
  std::vector<uint8_t> object;  // ELF relocatable, thumbv7m-none-eabi
  std::string ir;               // the optimised IR, for --dump=ir
};

// The symbol an import becomes: module and name with every character
// outside [A-Za-z0-9_] replaced by '_', joined by "__", after the prefix.
//   gust:hal/mmio read32 -> gust_hal_mmio__read32
std::string import_symbol(const std::string& module, const std::string& name, const std::string& prefix = "");

// The symbol an export becomes: the prefix and the name when the name is a
// C identifier; otherwise the prefix, "gust_x_" and the name's bytes in hex.
std::string export_symbol(const std::string& name, const std::string& prefix = "");

// Runs the whole back half of the pipeline on a validated module.
[[nodiscard]] Result<Output> dissolve(const wasm::Module& m, const Options& opts);

}  // namespace gust::dissolve
