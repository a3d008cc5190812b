// Stages 3 and 4 of the pipeline: a validated wasm Module is lowered to LLVM
// IR (lower.cpp), optimised and emitted as a Thumb-2 ELF object (emit.cpp).
#pragma once
#include <cstdint>
#include <map>
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
  // exported memory or table defines the same three under memory_symbol() or
  // table_symbol().
  // The sizes are then read at run time, so this is off for firmware.
  bool linkable = false;
  // Bounds checks on every memory access the dissolver cannot prove safe.
  bool bounds_checks = true;
  // Read-only data in flash: the C compiler's read-only segments (named
  // .rodata in the name section, see read_only_data) stay in flash, out of
  // the SRAM region; a store to them traps. Off: they are copied to SRAM.
  bool read_only_flash = true;
  // The cost rule of that lever: it acts only when the read-only hull holds
  // at least this many bytes. Every load through a pointer that may reach
  // the hull then picks flash or SRAM, which costs flash and instructions
  // (bench/realcode --no-hoist-checks, with predicated loads: 1.37x gcc's
  // flash and 1.77x its instructions with every table in flash, 1.21x and
  // 1.53x from 512 B, where small tables stay in SRAM).
  uint64_t read_only_min = 512;
  // The same for the low layout (read_only_data), where the choice is one
  // compare per load.
  uint64_t read_only_low_min = 512;
  // The place choice of such a load as two loads predicated on the compare
  // (predload.cpp), instead of a select of the base before one load.
  bool predicated_loads = true;
  // Bounds-check motion (checks.cpp), each a lever of its own: one check of
  // the largest offset over a straight line of accesses from one base, and
  // one check before a counted loop instead of one per iteration.
  bool widen_checks = true;
  bool hoist_checks = true;
  // The instruction form of a check's compare (check_form.cpp): a compare
  // whose every use is a branch to a trap, `x >u C`, as `!(x <u C + 1)`
  // when only C + 1 is a compare immediate, so that a bounds check selects
  // as cmp #imm; bhs, not lsrs; cmp; bhi or movw; cmp; bhi.
  bool check_form = true;
  // LLVM's pipeline: "Oz", "Os", "O2" or "O0".
  std::string opt_level = "Oz";
  // Bridge inlining: LLVM bitcode of the bridge (clang-19 -emit-llvm for
  // thumbv7m) linked into the module before optimisation, so a window check
  // on a constant offset folds away. The imports it defines vanish from the
  // object, and with them the TCB's audit trail of import relocations.
  std::string bridge_bitcode;
  // Function imports linked to another instance's export: (module, name) ->
  // that export's symbol (gust build's wiring: the app's `console`
  // "uart-tx-byte" -> console_uart_tx_byte), so the call is a direct call.
  // Every other import keeps its import_symbol().
  std::map<std::pair<std::string, std::string>, std::string> import_links;
  // Exports to keep; empty keeps all. The others become internal, so the
  // optimiser may inline or drop them.
  std::set<std::string> keep_exports;
  // Debug information: the module's DWARF line table (clang -g) carried to
  // the object's DWARF, every function a DISubprogram under its C++ name.
  // The loadable code is the same either way.
  bool debug_info = false;
  // With debug_info, the lines from this source map (wasm::read_source_map:
  // what gust build's wasm-opt leaves) instead of the module's DWARF;
  // source_map_where names it in messages.
  std::string source_map, source_map_where;
};

// The symbols beside a linkable memory's or table's own (see Options::
// linkable): its current size and its capacity, as suffixes of its symbol.
struct SizeSymbols {
  const char* size;
  const char* capacity;
};
constexpr SizeSymbols kMemorySizeSymbols{"__pages", "__max_pages"};
constexpr SizeSymbols kTableSizeSymbols{"__size", "__capacity"};
// Beside an exported memory's region, its size in bytes (a const u32), which
// a bridge checks every block address against.
constexpr const char* kMemoryBytesSymbol = "__bytes";

struct Output {
  std::vector<uint8_t> object;  // ELF relocatable, thumbv7m-none-eabi
  std::string ir;               // the optimised IR, for --dump=ir
  // What the module does that is legal wasm but surely a mistake: an access
  // at a constant address always outside the region (it can only trap).
  // Each names the function, the wasm offset and the region's size.
  std::vector<std::string> warnings;
};

// The part of the linear memory that the dissolver keeps in flash: the hull
// [begin, end) of the active data segments that the C compiler marks
// read-only (wasm-ld names them ".rodata" or ".rodata.*" in the name
// section's data-segment names). C makes a store to them undefined, so
// trapping on one changes no defined program; the dissolver checks every
// store against the hull, so the name is never trusted blindly. Empty when
// the option is off, the memory is imported, can grow, is --linkable or
// visible to a bridge that moves blocks (an exported memory in a module
// that imports address-taking seam functions), when another segment lies
// inside the hull, or when the hull is under opts.read_only_min bytes.
// With nothing writable below the hull's end (no segment; no mutable i32
// global, __stack_pointer among them, starting inside it: the stack above
// the data) and at most kLowHullGap zero bytes under it, the hull starts at
// 0 (the low layout: a load picks its place with one compare) and
// opts.read_only_low_min is the rule.
struct ReadOnlyData {
  uint64_t begin = 0, end = 0;
  bool empty() const { return end <= begin; }
};
ReadOnlyData read_only_data(const wasm::Module& m, const Options& opts);
// The hull of the read-only segments (wasm-ld's ".rodata" and ".rodata.*"
// in the name section), the first step of read_only_data: empty when there
// is none, or when one is not an active segment at a constant offset.
ReadOnlyData read_only_hull(const wasm::Module& m);
// The data segments' names from the custom "name" section (subsection 9),
// by segment index; none when the section is absent or malformed (custom
// sections never make a module invalid).
std::vector<std::string> data_segment_names(const wasm::Module& m);
// The functions' names from the same section (subsection 1), by function
// index, under the same rules.
std::vector<std::string> function_names(const wasm::Module& m);

// Every symbol an object defines or references lies in one of these
// namespaces, so that no name a module chooses can reach a symbol it was not
// given. They are disjoint, but for an export named like one of the
// module's own imports, which the lowering refuses. P is the instance
// prefix: empty, or an instance name [a-z][a-z0-9]* and '_' (valid_prefix),
// so that it ends at the first '_' and no instance's symbols are another's.
//   P<name>                    exports named by C identifiers, not gust_*
//   P<ns>_<pkg>_<iface>__<fn>  WIT imports: the bridge's functions
//   Pgust_i_<hex>_<hex>        other imports
//   Pgust_x_<hex>              exports whose names are not C identifiers
//   Pgust_<what>               gust's own: Pgust_memory, Pgust_table<N> and
//                              their size symbols, Pgust_start, and local
//                              ones (Pgust_f<N>, Pgust_f<N>_<C++ name>,
//                              Pgust_global<N>, ...)
//   gust_sig_<hex>             signature objects, shared by all instances
//   gust_trap, gust_isr_<N>    the bridge's and the boot's
bool valid_prefix(const std::string& prefix);

// The symbol an import becomes, one-to-one for (module, name). A WIT import
// (module "ns:pkg/iface", ns and pkg lowercase words, iface and name kebab
// case) is readable, the bridge's C name: ns_pkg_iface__name with '-' as '_'.
//   gust:hal/mmio read32 -> gust_hal_mmio__read32
//   gust:hal/uart-byte rx-errors -> gust_hal_uart_byte__rx_errors
// Any other is gust_i_, the module's bytes in hex, '_', the name's in hex.
//   spectest print_i32 -> gust_i_7370656374657374_7072696e745f693332
std::string import_symbol(const std::string& module, const std::string& name, const std::string& prefix = "");

// The symbol an export becomes: the prefix and the name when the name is a
// C identifier; otherwise the prefix, "gust_x_" and the name's bytes in hex.
std::string export_symbol(const std::string& name, const std::string& prefix = "");

// Why a function or global may not be exported under this name with this
// prefix, or "" when it may: its symbol would be in gust's namespace (a name
// starting gust_: the bridge's functions, the region, the tables, the start
// function, gust_trap, the handlers) or, with no prefix, the C runtime's and
// the linker's (a name starting with '_', main, memcpy and the like).
std::string export_refusal(const std::string& name, const std::string& prefix = "");

// Why a linear-memory region of this many bytes is refused, or "" when it is
// not: the C runtime's scans (strlen, memchr, strcmp) read aligned words,
// which stay inside a region only when its size is a multiple of 4. The
// reason names the nearest size that is ("try N").
std::string region_size_refusal(uint64_t bytes);

// An exported memory's region and table N's slots, whatever the export's
// name: <prefix>gust_memory, <prefix>gust_table<N>. Their size symbols are
// suffixes (kMemoryBytesSymbol, kMemorySizeSymbols, kTableSizeSymbols).
std::string memory_symbol(const std::string& prefix = "");
std::string table_symbol(uint32_t index, const std::string& prefix = "");
// What instantiation does at run time (see Lowering::define_start), when the
// module needs it: <prefix>gust_start, to call before the instance is used.
std::string start_symbol(const std::string& prefix = "");

// A function's C++ name as a reader wants it: demangled (wasm-ld writes
// demangled names; an Itanium-mangled one is demangled here), without its
// parameters: "(anonymous namespace)::send(unsigned char)" ->
// "(anonymous namespace)::send".
std::string readable_name(const std::string& name);
// The local symbol of defined function `index`: <prefix>gust_f<index>, and
// with a name from the name section "_" and that name's readable form with
// every run of other characters than letters and digits one '_' (so that it
// holds no "__" and no import's or export's symbol is ever one), without
// "(anonymous namespace)::":
//   console_gust_f3_usart_decide, console_gust_f5_send
// The index keeps it unique; <prefix>gust_f<index> is its prefix, which
// [stack_bounds] accepts for it.
std::string function_symbol(uint32_t index, const std::string& name, const std::string& prefix = "");

// The read-only object whose address is a signature's identity at
// call_indirect: gust_sig_ and the function type's binary encoding in hex
// (0x60, the parameter count and types, the result count and types), one
// definition per image (a COMDAT group), so that within one image two
// signatures are equal exactly when their objects' addresses are.
std::string signature_symbol(const wasm::FuncType& type);
std::vector<uint8_t> signature_bytes(const wasm::FuncType& type);
constexpr const char* kSignaturePrefix = "gust_sig_";

// Runs the whole back half of the pipeline on a validated module.
[[nodiscard]] Result<Output> dissolve(const wasm::Module& m, const Options& opts);

// Fused dissolving (fuse.cpp): several validated modules, each lowered
// under its own Options (its prefix, region, tables, bounds checks, and
// import_links naming other parts' export symbols), joined into one LLVM
// module in which a wired import is the callee's own function, then
// optimised and emitted once into one object, so that calls across modules
// may inline. The parts must share the pipeline's options (opt_level, the
// check levers, debug_info); prefixes must be distinct instance prefixes.
struct FusedPart {
  const wasm::Module* module = nullptr;
  Options opts;  // keep_exports must keep the exports other parts are wired to
  // Export symbols of this part that only other parts call: internal once
  // the parts are joined, so that the optimiser may inline and drop them.
  std::set<std::string> internalise;
};
[[nodiscard]] Result<Output> dissolve_fused(const std::vector<FusedPart>& parts);

}  // namespace gust::dissolve
