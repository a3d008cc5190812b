// Stage 5 of the pipeline: a node manifest and a chip description become one
// firmware image (link with bridge, boot and app), with its budget report.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/objects.h"
#include "base/tools.h"
#include "wasm/error.h"
#include "wasm/module.h"

namespace gust::compose {

namespace fs = std::filesystem;

// The shared helpers beneath every layer (src/base/), under their old names.
using base::MapEntry;
using base::ObjectFacts;
using base::parse_map;
using base::read_object;
using base::run_tool;
using base::tool;
using base::ToolRun;
using base::write_atomically;

struct Peripheral {
  std::string name;
  uint32_t base = 0, size = 0;
  std::vector<uint32_t> irqs;
  // Core exceptions granted with the window (SysTick, 15): the instance's
  // lines after its NVIC lines, served only by a wasm handler (no latch, no
  // NVIC enable: the peripheral's own register enables it).
  std::vector<uint32_t> exceptions;
  std::optional<std::pair<uint32_t, uint32_t>> clock;  // RCC register offset, bit
  // The pins the peripheral's signals leave on, and the 4 configuration bits
  // each needs (RM0041 7.2.1: CNF << 2 | MODE, 0xB alternate function
  // push-pull): the bridge sets them up at start-up, after the port's clock.
  struct Pin {
    std::string port;  // a peripheral of the chip: its window holds CRL/CRH
    uint32_t pin = 0, cfg = 0;
  };
  std::vector<Pin> pins;
};

struct Chip {
  std::string name, cpu;
  uint32_t flash_origin = 0, flash_size = 0;
  uint32_t sram_origin = 0, sram_size = 0;
  uint32_t irq_count = 0;
  uint32_t exception_frame = 32;  // bytes the core stacks on exception entry
  bool stkalign = true;           // CCR.STKALIGN: entry may add a 4-byte pad to align SP to 8
  uint32_t priority_bits = 8;     // implemented bits of an NVIC priority byte (its top bits)
  std::map<std::string, Peripheral> peripherals;
};

// What a manifest adds to a C++ compile, per node and per driver: include
// folders (-I, absolute), preprocessor definitions (-D) and compiler flags,
// each checked by manifest.cpp.
struct BuildFlags {
  std::vector<fs::path> include_dirs;
  std::vector<std::string> defines;
  std::vector<std::string> cxxflags;
  std::vector<std::string> clang_args() const;
};

struct DriverInstance {
  std::string instance;  // the prefix of the driver's symbols: <instance>_uart_init
  fs::path source;       // C++ source compiled to wasm
  std::string seam;      // thin, mid or fat
  std::string world;     // its world in wit/gust-hal.wit: `world`, or driver-<seam>
  std::string peripheral;
  std::optional<uint32_t> wasm_stack;   // shadow-stack bytes, at least the computed depth (default: that depth)
  fs::path proofs;                      // C++ proof harnesses for `gust build --prove`, if any
  BuildFlags flags;                     // this driver's own, after the node's
  std::optional<uint32_t> memory;       // linear memory region bytes, checked (default: data + bss + shadow stack)
  uint32_t tx_ring = 64, rx_ring = 64;  // fat seam: the bridge's ring buffers
};

// What a trap leaves behind. Halt: the granted interrupt lines disabled, the
// core asleep with interrupts masked. Reset: the trap's code and address kept
// across a system reset, reported on the console before the app starts again.
enum class OnTrap { Halt, Reset };

// One entry of a manifest's [priorities]: a chip peripheral (all its lines) or
// an NVIC line number, and its preemption level (0 is the most urgent).
struct PriorityDecl {
  std::string key;
  uint32_t level = 0;
  std::string where;  // file:line:column of the entry
};

// The instance prefix of an app compiled to wasm: app_run, app_memory.
inline constexpr const char* kAppInstance = "app";
// The one core exception a chip may grant with a window (boot.c's gust_exc_15).
inline constexpr uint32_t kSysTickException = 15;
// The export of an app's world that boot calls: `run: func()`.
inline constexpr const char* kAppEntry = "run";

// Whether a node with a wasm app is dissolved fused unless its manifest
// says `fuse = false` (README "Fused dissolving" says why).
inline constexpr bool kFuseByDefault = true;

struct Node {
  fs::path file;
  std::string name, chip, banner;
  fs::path app;          // C (native, trusted), or C++/.wat/.wasm (compiled to wasm and dissolved)
  bool app_wasm = false;
  std::string app_world;  // the wasm app's world, in app_wit
  fs::path app_wit;       // default: the project's wit/gust-apps.wit
  OnTrap on_trap = OnTrap::Halt;
  std::string console;                                   // the driver instance whose USART reports a trap after a reset
  std::map<std::string, uint64_t> stack_bounds;          // function -> worst-case stack, where analysis cannot tell
  std::map<std::string, std::string> stack_bound_where;  // function -> file:line:column of its entry
  std::vector<PriorityDecl> priorities;                  // [priorities]; lines not named keep the reset level 0
  BuildFlags flags;                                      // for every driver of the node
  std::vector<DriverInstance> drivers;
  // A wasm app and its drivers dissolved into one object, so that its calls
  // into them may inline (`fuse`, README "Fused dissolving"); false: each
  // instance on its own, the app's calls real calls.
  bool fuse = kFuseByDefault;
};

// The project's root: the folder that holds chips/, firmware/ and include/.
fs::path project_root(const fs::path& near);

// Why `name` cannot name a driver instance, or "" when it can. Instance names
// are [a-z][a-z0-9]*, at most 32 characters, not a C keyword, not starting
// with "gust": each is the prefix <name>_ of its instance's symbols, and with
// no '_' in a name no instance's prefix is a prefix of another's.
std::string why_not_instance_name(const std::string& name);

// `text`, when given, is the file's contents already in memory (the fuzzer):
// it is parsed as if read from `file`, which names it in messages.
[[nodiscard]] Result<Chip> load_chip(const fs::path& file, const std::string* text = nullptr);
[[nodiscard]] Result<Node> load_node(const fs::path& file, const std::string* text = nullptr);

// The flags that give every native part gust compiles (bridge, boot, app)
// wasm32's enum size and struct layout (compile.cpp says why).
const std::vector<std::string>& native_abi_flags();
// The wasm compile of drivers, in pieces (compile.cpp; bench/realcode builds
// its gust programs with them, so that its figures are a driver's). A source
// ending in .c is C11, anything else C++20.
enum class Language { C, Cxx };
Language language_of(const fs::path& source);
// clang-19's flags for every compile to wasm32 of `lang` (the tool first).
std::vector<std::string> wasm_flags(const fs::path& root, Language lang);
// The flags of every link of a driver module with a shadow stack of `stack`
// bytes: the output keeps wasm-ld's name section (no wasm-opt, no strip).
// The stack below the data (an overflow leaves the region and traps), or
// with `low_read_only` above it, the data from address 8: the read-only
// data then starts the memory, and dissolve keeps [0, its end) in flash
// with one compare per load (dissolve::read_only_data, the low layout).
std::vector<std::string> wasm_link_flags(uint32_t stack, bool low_read_only = false);
// The layout choice of compile_sized_driver (and bench/realcode): a module
// whose read-only data (.rodata segments, their hull) is at least the
// dissolver's cost rule (dissolve::Options::read_only_low_min), so that it
// goes to flash, and whose shadow stack's worst-case depth is known gets the
// low layout, where only that bound keeps the stack from running down into
// the bss; an unbounded one keeps the stack first, and so does one whose
// read-only data stays in SRAM (the low layout would only cost it the
// global base).
bool wants_low_layout(const wasm::Module& m);
// A module's __stack_pointer at start (wasm-ld's first mutable i32 global):
// with the stack above the data, the end of the memory the module uses.
std::optional<uint32_t> stack_top(const wasm::Module& m);
fs::path runtime_source(const fs::path& root);
// gust's wasm runtime (runtime/runtime.cpp) compiled to the object `out`.
[[nodiscard]] Result<fs::path> compile_runtime(const fs::path& root, const fs::path& out);
[[nodiscard]] Result<void> compile_wasm_object(const fs::path& root, const fs::path& source, const fs::path& obj,
                                               const std::vector<std::string>& flags);
// An object and the source it came from, which link errors name instead.
struct WasmObject {
  fs::path object, source;
};
[[nodiscard]] Result<void> link_wasm_module(const fs::path& root, const fs::path& source,
                                            const std::vector<WasmObject>& objs, const fs::path& out,
                                            const std::vector<std::string>& flags);
// clang-19 --target=wasm32 with the flags every gust driver is built with:
// MVP plus sign extension, -Oz, the freestanding C++ standard library
// (libc++ for wasm32), gust's wasm runtime (runtime/runtime.cpp), the shadow
// stack first in memory.
[[nodiscard]] Result<void> compile_driver(const fs::path& source, const fs::path& wasm_out, uint32_t wasm_stack,
                                          const std::vector<std::string>& extra_flags = {});

// A driver compiled with its linear memory sized from its own code: the
// shadow stack is the worst-case depth of __stack_pointer over the call graph
// (shadow.cpp), or `wasm_stack` when given and not below it; the region holds
// that stack, then the data and the zero-initialised globals. With `debug`,
// the module carries clang's DWARF (-g) for the dissolver; the code is the
// same without.
struct SizedDriver {
  uint32_t stack = 0;      // the shadow stack the module was linked with
  uint32_t depth = 0;      // the computed worst-case depth (0 with an override and no bound)
  uint32_t data_end = 0;   // end of data + bss, with the stack above
  uint64_t region = 0;     // bytes of linear memory the image gives it
  bool has_ctors = false;  // global constructors: boot calls its _initialize once
  std::string deepest;     // the deepest call path, for the report
  std::vector<std::string> functions;  // the functions the source defines (C++ names), for messages
  fs::path source_map;     // with debug: the module's lines (wasm::read_source_map)
};
// The worst-case shadow-stack depth of a module from the given functions
// (shadow.cpp): a depth, or why there is none (`why`), with the deepest path.
struct ShadowStack {
  std::optional<uint32_t> depth;
  std::string why;
  std::vector<std::string> path;
};
ShadowStack shadow_stack_depth(const wasm::Module& m, const std::vector<uint32_t>& roots);
// A module's function names by index: the "name" section's (demangled), else
// "export NAME", else none.
std::map<uint32_t, std::string> wasm_function_names(const wasm::Module& m);
// The depth a module's shadow stack needs with its interrupt handlers
// (exports irq_handler_<k>) preempting the thread's deepest export: the
// thread's depth plus every handler's (one handler of the instance may
// preempt another at a more urgent level).
ShadowStack shadow_stack_with_handlers(const wasm::Module& m);

[[nodiscard]] Result<SizedDriver> compile_sized_driver(const fs::path& source, const fs::path& wasm_out,
                                                       const fs::path& work_dir, const std::vector<std::string>& flags,
                                                       std::optional<uint32_t> wasm_stack,
                                                       std::optional<uint32_t> memory, bool debug = false);

struct Component {
  std::string name, kind;  // kind: wasm, trusted, boot, app (native), runtime (libgcc, libc)
  uint64_t text = 0, data = 0, bss = 0, stack = 0;
  uint64_t flash() const { return text + data; }        // its code and the .data image it loads from
  uint64_t sram() const { return data + bss + stack; }  // its share of SRAM, worst-case stack included
};

struct Report {
  std::string node, chip;
  fs::path elf, bin;
  uint64_t flash_bytes = 0, flash_budget = 0;
  uint64_t sram_bytes = 0, sram_budget = 0, stack_bytes = 0;
  std::vector<std::string> stack_path;
  std::vector<Component> components;
  uint64_t tcb_bytes = 0;
  std::vector<std::string> tcb_imports;
  std::vector<std::string> tcb_native;  // the native components besides the runtime: bridge, boot (and a C app)
  std::vector<std::string> links;       // calls between instances the wiring resolved: "app -> console_uart_init"
  bool fused = false;                   // the app and its drivers dissolved into one object
  nlohmann::json proofs = nlohmann::json::array();  // with --prove: one verdict per harness
  nlohmann::json audit;  // gust audit's report on the image: the properties checked, per instance
  nlohmann::json json() const;
  std::string table() const;
};

struct BuildOptions {
  fs::path out_root;  // images go to out_root/<node name>/
  bool verbose = false;
  bool prove = false;  // run every driver's proofs; refuse the image unless all succeed
  uint32_t unwind = 8;
  // Debug information in the image (DWARF in non-loaded sections: driver
  // lines through the dissolver, -g for the native parts); the loaded
  // bytes are the same without.
  bool debug = true;
  // --fuse / --separate: overrides the manifest's `fuse`.
  std::optional<bool> fuse;
};

// The whole pipeline for one node. Progress goes to stderr.
[[nodiscard]] Result<Report> build(const Node& node, const BuildOptions& opts);

// Worst-case stack of a linked image, read from its instructions (stack.cpp):
// frames from the code's own SP changes, call edges from every BL, B.W, BLX
// and BX, every address-taken function a target of each indirect call, roots
// from the vector table, and interrupt nesting by preemption level.
struct CodeOwner {
  uint32_t begin = 0, end = 0;  // [begin, end) of the image
  std::string component;
  bool dissolved = false;  // a driver instance's code, dissolved from its wasm: never bounded by the manifest
};
struct StackInput {
  fs::path elf;
  std::vector<CodeOwner> owners;                    // which component each piece of code belongs to
  std::map<uint32_t, uint32_t> priorities;          // NVIC line -> level, as the generated set-up writes them
  std::map<std::string, uint64_t> bounds;           // [stack_bounds]: a function's whole depth, callees included
  std::map<std::string, std::string> bound_where;   // each bound's manifest entry, file:line:column
  std::map<std::string, std::string> source_names;  // a dissolved function's symbol -> its C++ name, for messages
  bool by_signature = true;  // a call_indirect dispatch reaches its signature's functions only (false: the old rule)
};
struct StackLevel {
  int level = 0;  // -2 NMI, -1 HardFault, then the configurable levels
  uint64_t frame = 0, handler = 0;
  std::string handler_name;
};
struct StackReport {
  bool bounded = false;
  uint64_t total = 0, thread_bytes = 0, interrupt_bytes = 0;
  std::map<std::string, uint64_t> by_component;  // each component's share of the worst path
  std::vector<std::string> path;                 // the worst path, thread then each interrupt level
  std::vector<StackLevel> levels;                // the preemption levels, most urgent first
  std::map<std::string, uint64_t> frames;        // each function's own frame (callees not included), by name
  std::vector<std::string> unbounded;            // why not bounded
};
// An Error when the image cannot be read or writes interrupt priorities
// outside the generated set-up; otherwise the report, bounded or not.
[[nodiscard]] Result<StackReport> analyze_stack(const StackInput& in, const Chip& chip);

// Interrupt priorities (priorities.cpp). The generated set-up is the one
// function allowed to write NVIC_IPR; the stack oracle checks that it writes
// exactly these levels and that nothing else writes any priority register.
inline constexpr const char* kPrioritySetup = "gust_priorities_init";
// [priorities] resolved against the chip: NVIC line -> level. Refuses a node
// that grants a driver a register window over the priority registers.
[[nodiscard]] Result<std::map<uint32_t, uint32_t>> priority_levels(const Node& node, const Chip& chip);
// The name of the System Control Space register that sets interrupt
// priorities or their grouping (NVIC_IPR, SCB_SHPR, SCB_AIRCR) and overlaps
// [addr, addr + n), or null.
const char* priority_register(uint64_t addr, uint64_t n);
// The C text of the set-up function, for the node's generated bridge file.
std::string priority_setup_source(const std::map<uint32_t, uint32_t>& levels, const Chip& chip);

}  // namespace gust::compose
