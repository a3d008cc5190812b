// The stages of `gust build`, in the order build() runs them (build.cpp):
//   plan -> drivers (wasm, check, prove) -> generate -> compile natives ->
//   dissolve -> link -> audit -> measure -> stack -> budget -> install.
// Each stage reads and extends one Build; a failing stage returns an Error and
// build() removes the scratch folder, so nothing half-built is left behind.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "compose/compose.h"

namespace gust::compose {

// One object file in the link, and the component of the report it belongs to.
struct LinkedObject {
  fs::path file;
  std::string component, kind;  // kind: wasm, trusted, boot, app
};

// A driver instance's module, between the wasm stages and the dissolve.
struct DriverModule {
  fs::path wasm_file;
  wasm::Module module;
  uint64_t region = 0;     // bytes of linear memory: shadow stack, data, bss
  uint32_t stack = 0;      // of which the shadow stack
  bool has_ctors = false;  // boot calls <instance>__initialize once
  fs::path source_map;     // with debug: the module's C++ lines, for the dissolver
};

struct Build {
  Build(const Node& n, const BuildOptions& o) : node(n), opts(o) {}
  const Node& node;
  const BuildOptions& opts;
  fs::path root;     // the project: chips/, firmware/, include/
  fs::path fw;       // the firmware folder of the chip family
  fs::path scratch;  // everything is built here first
  fs::path out;      // ... and moved here when the image is accepted
  Chip chip;
  int step = 0, total_steps = 0;
  std::vector<LinkedObject> objects;
  std::set<std::string> native_calls;  // symbols the native side references
  std::set<std::string> imports;       // undefined symbols of the dissolved code
  std::vector<DriverModule> modules;   // one per driver instance, in manifest order
  fs::path elf, map, bin;
  bool overflowed = false;  // the linker found the image larger than a region
  Report report;

  void progress(const std::string& msg);
  Error tool_error(const std::string& what, const ToolRun& r) const;
};

// Stages, in order.
[[nodiscard]] Result<void> plan(Build& b);
[[nodiscard]] Result<void> generate(Build& b);
[[nodiscard]] Result<void> compile_natives(Build& b);
[[nodiscard]] Result<void> build_drivers(Build& b);     // C++ -> wasm, the seam check, --prove
[[nodiscard]] Result<void> dissolve_drivers(Build& b);  // wasm -> Thumb-2, after the natives
[[nodiscard]] Result<void> link(Build& b);
[[nodiscard]] Result<void> audit(Build& b);
[[nodiscard]] Result<void> measure(Build& b);
[[nodiscard]] Result<void> stack(Build& b);
[[nodiscard]] Result<void> budget(Build& b);
[[nodiscard]] Result<void> install(Build& b);

// Generated text: the linker script and the node's half of the bridge.
std::string linker_script(const Chip& c, uint64_t sram_length);
std::string bridge_source(const Node& n, const Chip& c, const std::set<std::string>& with_ctors = {});

// Small file helpers shared by the stages.
std::vector<uint8_t> read_bytes(const fs::path& p);
std::string read_text(const fs::path& p);
[[nodiscard]] Result<void> write_file(const fs::path& p, const std::string& text);
std::string hex32(uint32_t v);

}  // namespace gust::compose
