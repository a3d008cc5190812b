// The environment model of `gust prove`: what the image gives a driver, from
// the facts the image itself is built from. The seam is the WIT world's
// functions, lowered by wit::lower, each with the precondition the bridge
// checks (firmware/stm32f100/bridge.h) over the node's grants; the memory is
// the region the dissolver places and memory.size/grow as dissolved code
// computes them (src/dissolve/layout.cpp and memory.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wasm/error.h"
#include "wasm/module.h"
#include "wit/wit.h"

namespace gust::prove {

// What a node grants one driver instance (its chip's peripheral window and
// interrupt lines): the numbers the node's bridge_node.c is generated from.
struct Grants {
  uint32_t window_bytes = 0x400;  // GUST_MMIO_WINDOW's size: a power of two, at least 4
  uint32_t irq_lines = 1;         // GUST_IRQ_LINES' count
};

// Everything around the driver's bytecode that a verdict rests on.
struct Environment {
  wit::Package wit;  // the seam (wit/gust-hal.wit)
  std::string wit_file;
  std::string world = "driver-thin";
  Grants grants;
  // The driver's linear memory region, as dissolve::Options::memory_bytes
  // (gust build: compose's region_bytes). None: the module's declared
  // minimum, as `gust dissolve` without --memory-bytes places it.
  std::optional<uint64_t> memory_bytes;
  std::optional<uint64_t> memory_max_bytes;  // as dissolve::Options::memory_max_bytes
  std::string origin;                        // where the facts come from, e.g. "node f100.toml, instance console"
  std::vector<std::string> defaulted;        // facts taken at their defaults: "window", "lines", "memory"
};

// One seam function as the bridge implements it.
struct SeamFunc {
  std::string interface, name;  // mmio, read32
  std::string module;           // the import module: gust:hal/mmio
  wasm::FuncType type;          // the WIT's lowering to core wasm
  uint32_t trace_code = 0;      // its gust_seam_call (include/gust/prove.h)
  enum class Check { None, Window, Line } check = Check::None;
  uint32_t checked = 0;                 // index of the offset or line parameter
  uint32_t width = 0;                   // Window: bytes the access moves
  std::vector<uint64_t> param_masks;    // the bits of each parameter the bridge keeps (u8: 0xFF)
  std::optional<uint32_t> value_param;  // the parameter a write moves (recorded as the trace value)
  uint32_t result_bits = 0;             // a result is any value below 2^bits; 0: no result
  std::string unmodelled;               // non-empty: why a call is an ERROR verdict
  std::string call_name() const { return interface + "." + name; }
};

struct SeamModel {
  std::vector<SeamFunc> funcs;
  const SeamFunc* find(const std::string& module, const std::string& name) const;
};

// The seam of `env.world`, with the bridge's checks over `env.grants`.
// Errors name the WIT file.
[[nodiscard]] Result<SeamModel> seam_model(const Environment& env);

// One module's linear memory as the dissolver places it for firmware.
struct ImageMemory {
  bool present = false;         // the module has a memory
  uint64_t bytes = 0;           // the region as placed (growable: its initial size)
  bool growable = false;        // memory.grow can add pages
  uint64_t capacity_pages = 0;  // growable: the most memory.grow reaches
  bool data_at_start = false;   // segments copied in by gust_start, which traps on one outside
  // Read-only data the dissolver keeps in flash (dissolve::read_only_data):
  // a store that touches [ro_begin, ro_end) traps.
  uint64_t ro_begin = 0, ro_end = 0;
  std::string describe() const;
};

// `memory_bytes` and `memory_max_bytes` as dissolve::Options has them. The
// errors are the dissolver's own refusals of such a module.
[[nodiscard]] Result<ImageMemory> image_memory(const wasm::Module& m, std::optional<uint64_t> memory_bytes,
                                               std::optional<uint64_t> memory_max_bytes);

// The environment, one fact a line, for the verdict.
std::vector<std::string> describe(const Environment& env, const ImageMemory& driver_memory);

}  // namespace gust::prove
