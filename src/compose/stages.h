// The stages of `gust build`, in the order build() runs them (build.cpp):
//   plan -> drivers (wasm, check, prove; the wasm app) -> wire -> generate ->
//   compile natives -> dissolve -> link -> audit -> measure -> stack ->
//   budget -> install.
// Each stage reads and extends one Build; a failing stage returns an Error and
// build() removes the scratch folder, so nothing half-built is left behind.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "wit/wit.h"

namespace gust::compose {

// One object file in the link, and the component of the report it belongs to.
struct LinkedObject {
  fs::path file;
  std::string component, kind;  // kind: wasm, trusted, boot, app
  // A fused object (fused.cpp): instance -> the component its sections
  // (.text.<instance>_*, .bss.<instance>_*, ...) belong to; what no
  // instance's prefix names stays `component`.
  std::map<std::string, std::string> by_instance;
  // The component of one of its input sections, as the linker's map names it.
  std::string component_of(const std::string& section) const;
};

// A driver instance's module, between the wasm stages and the dissolve.
struct DriverModule {
  fs::path wasm_file;
  wasm::Module module;
  uint64_t region = 0;     // bytes of linear memory: shadow stack, data, bss
  uint32_t stack = 0;      // of which the shadow stack
  bool has_ctors = false;  // boot calls <instance>__initialize once
  std::vector<std::string> functions;  // the functions its source defines (C++ names), for messages
  fs::path source_map;     // with debug: the module's C++ lines, for the dissolver
  std::set<uint32_t> wasm_handlers;  // granted lines whose vector entry calls irq_handler_<k>
};

// A wired call that passes or returns a list<u8>: the app calls a native
// adapter (adapters.cpp) that copies each list between the two regions, both
// ranges checked, around the call of the instance's export.
struct ListCall {
  std::string adapter;        // gust_wire_<instance>_<export>: what the app's import links to
  std::string instance;       // the callee
  std::string target;         // the callee's export symbol, which the adapter calls
  wit::CoreFunc core;         // the lowering both sides share: a list is (ptr, len), a list result (..., out) -> len
  std::vector<bool> list_at;  // per core parameter: the ptr of a list (its len follows)
  bool list_result = false;   // the last core parameter is the result's buffer, the result its length
  size_t max_at = 0;          // with a list result: the core parameter `max`, the bytes the caller's buffer holds
  std::string what;           // "console.uart-write", for comments
};

// The bytes a list may have across instances, in one call: the lists passed
// together, and the result. Each callee's region grows by a transfer buffer
// of this many bytes for lists in, and as many for a result, at its end.
constexpr uint32_t kListMaxBytes = 64;

struct TransferBuffer {
  std::optional<uint32_t> in, out;  // their offsets in the callee's region
};

// What the wire stage resolved: every import of the wasm app bound to an
// export of a driver instance, or to an adapter that calls one.
struct Wiring {
  // The app's (module, name) -> the instance export's symbol, for its dissolve.
  std::map<std::pair<std::string, std::string>, std::string> app_links;
  std::set<std::string> link_symbols;  // those symbols, which the audit lets the app call
  std::vector<ListCall> list_calls;
  std::map<std::string, TransferBuffer> buffers;  // per callee instance
};

// The adapters' C, for the node's bridge (adapters.cpp); "" without lists.
std::string wire_adapters_source(const Wiring& w);

struct Build {
  Build(const Node& n, const BuildOptions& o) : node(n), opts(o) {}
  Node node;  // a copy: the wire stage drops the instances nothing imports
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
  std::optional<DriverModule> app;     // the app's module, when it is wasm
  Wiring wiring;
  fs::path elf, map, bin;
  bool overflowed = false;  // the linker found the image larger than a region
  // Read-only data in flash for the instances (dissolve_drivers), and
  // whether any instance's module took it (audit_with_fallback).
  bool read_only_flash = true, read_only_split = false;
  // The app and its instances dissolved into one object (fused.cpp): the
  // manifest's `fuse`, or --fuse/--separate; only with a wasm app.
  bool fused = false;
  Report report;

  void progress(const std::string& msg);
  Error tool_error(const std::string& what, const ToolRun& r) const;
};

// Stages, in order.
[[nodiscard]] Result<void> plan(Build& b);
[[nodiscard]] Result<void> generate(Build& b);
[[nodiscard]] Result<void> compile_natives(Build& b);
[[nodiscard]] Result<void> build_drivers(Build& b);     // C++ -> wasm, the seam check, --prove; the wasm app
[[nodiscard]] Result<void> wire(Build& b);              // every import of every module resolved (wiring.cpp)
[[nodiscard]] Result<void> dissolve_drivers(Build& b);  // wasm -> Thumb-2, after the natives
// The fused form of that stage (fused.cpp): the app and its instances, one object.
[[nodiscard]] Result<void> dissolve_fused_node(Build& b);
// What dissolve_drivers gives an instance's dissolve (drivers.cpp): its
// prefix, region, levers, the exports the native side calls; for the app,
// its wired imports.
dissolve::Options instance_options(Build& b, const DriverInstance& d, const DriverModule& dm, bool is_app);
DriverInstance app_instance(const Node& n);
[[nodiscard]] Result<void> link(Build& b);
[[nodiscard]] Result<void> audit(Build& b);
// The audit; if it refuses an image in which an instance keeps read-only
// data in flash, the instances are dissolved and linked again with that
// data in SRAM and audited once more (audit.cpp says why).
[[nodiscard]] Result<void> audit_with_fallback(Build& b);
[[nodiscard]] Result<void> measure(Build& b);
[[nodiscard]] Result<void> stack(Build& b);
[[nodiscard]] Result<void> budget(Build& b);
[[nodiscard]] Result<void> install(Build& b);

// Generated text: the linker script and the node's half of the bridge.
std::string linker_script(const Chip& c, uint64_t sram_length);
std::string bridge_source(const Node& n, const Chip& c, const std::set<std::string>& with_ctors = {},
                          const std::map<std::string, std::set<uint32_t>>& wasm_handlers = {});

// The lines whose handler the driver exports (irq_handler_<k>, handlers.cpp),
// or the refusal of one the node does not grant it.
extern const char* const kIrqHandlerPrefix;
[[nodiscard]] Result<std::set<uint32_t>> irq_handlers(const Node& n, const DriverInstance& d, const Peripheral& p,
                                                      const wasm::Module& m);

// Small file helpers shared by the stages.
// The module's function names by index (shadow.cpp): the name section's,
// else "export NAME" for an export without one.
std::map<uint32_t, std::string> function_names(const wasm::Module& m);
// The functions a wasm object defines, as the C++ source names them
// (demangled), for messages (seam_messages.cpp).
std::vector<std::string> defined_functions(const fs::path& wasm_object);
// The seam check's violations as one message naming the C++ functions and
// the WIT items they should match (seam_messages.cpp).
std::string seam_message(const wasm::Module& m, const std::vector<wit::SeamViolation>& vs, const wit::Package& pkg,
                         const wit::World& w,
                         const std::string& wit_file, const std::vector<std::string>& driver_functions);

std::vector<uint8_t> read_bytes(const fs::path& p);
std::string read_text(const fs::path& p);
[[nodiscard]] Result<void> write_file(const fs::path& p, const std::string& text);
std::string hex32(uint32_t v);

}  // namespace gust::compose
