// Stage "compile natives" of `gust build`, and the wasm compile that drivers
// share: C++ to wasm32 with gust's driver flags (clang-19) against the
// freestanding C++ standard library and gust's wasm runtime, the driver's
// memory sized from its code; and the trusted native parts (boot, bridge,
// app) with arm-none-eabi-gcc.
#include <cstdlib>

#include "base/ctext.h"
#include "compose/stages.h"
#include "dissolve/dissolve.h"
#include "wasm/dwarf.h"
#include "wasm/reader.h"

namespace gust::compose {

namespace {

// Debian's libc++ for wasm32 (libc++-19-dev-wasm32) and the C headers it
// stands on (wasi-libc). Only headers are used: every function they declare
// that a driver calls comes from gust's runtime or is refused at the link.
fs::path libcxx_headers() {
  const char* env = std::getenv("GUST_WASM_LIBCXX");
  return env && *env ? fs::path(env) : fs::path("/usr/lib/llvm-19/include/wasm32-wasi/c++/v1");
}
fs::path libc_headers() {
  const char* env = std::getenv("GUST_WASM_LIBC");
  return env && *env ? fs::path(env) : fs::path("/usr/include/wasm32-wasi");
}

}  // namespace

Language language_of(const fs::path& source) { return source.extension() == ".c" ? Language::C : Language::Cxx; }

// The flags of every compile to wasm, in one place: MVP plus sign extension
// and atomics (what the dissolver supports; without -matomics clang's single
// thread model makes std::atomic plain accesses before it optimises, so a
// loop polling an index an interrupt handler moves reads it once), -Oz, the freestanding C library's headers
// (and, for C++, the C++ standard library's) in place of the host's; for C++
// no exceptions or RTTI (drivers have neither: see the README) and
// function-local statics without thread-safe guards (one core). A source
// ending in .c is C (C11), anything else C++20.
std::vector<std::string> wasm_flags(const fs::path& root, Language lang) {
  std::vector<std::string> f = {tool("GUST_CLANG", "clang-19"),
                                "--target=wasm32-wasi",
                                "-mcpu=mvp",
                                "-msign-ext",
                                "-matomics",
                                "-Oz",
                                "-nostdlib",
                                "-nostdlibinc",
                                "-ffreestanding",
                                "-I",
                                (root / "include").string()};
  if (lang == Language::Cxx)
    f.insert(f.end(), {"-std=c++20", "-fno-exceptions", "-fno-rtti", "-fno-threadsafe-statics"});
  else
    f.push_back("-std=c11");
  std::error_code ec;
  if (lang == Language::Cxx && fs::is_directory(libcxx_headers(), ec))
    f.insert(f.end(), {"-isystem", libcxx_headers().string()});
  if (fs::is_directory(libc_headers(), ec)) f.insert(f.end(), {"-isystem", libc_headers().string()});
  return f;
}

// The flags of every link of a driver module, in clang's -Wl, form: a
// reactor (no entry) with the shadow stack below the data. wasm-ld runs
// itself (link_wasm_module), not through clang: clang-19 runs wasm-opt after
// wasm-ld whenever it finds it, which drops the name section and merges the
// data segments, and its --no-wasm-opt skips the link as well. Nor is the
// output stripped: the dissolver reads the name section, the C++ functions'
// names for messages and the data segments' names (.rodata) for read-only
// data in flash. It optimises the module whole, so wasm-opt saves little
// (the thin driver dissolves to the same 116 B, the register example to 2 B
// more); the names are a custom section and never reach the image.
std::vector<std::string> wasm_link_flags(uint32_t stack, bool low_read_only) {
  // Address 0 is C's null pointer: no object may start there.
  if (low_read_only) return {"-Wl,--no-entry", "-Wl,--global-base=8", "-Wl,-z,stack-size=" + std::to_string(stack)};
  return {"-Wl,--no-entry", "-Wl,--stack-first", "-Wl,-z,stack-size=" + std::to_string(stack)};
}

bool wants_low_layout(const wasm::Module& m) {
  const dissolve::ReadOnlyData hull = dissolve::read_only_hull(m);
  return !hull.empty() && hull.end - hull.begin >= dissolve::Options{}.read_only_low_min;
}

std::optional<uint32_t> stack_top(const wasm::Module& m) {
  for (const auto& g : m.globals)
    if (g.type.mutable_ && g.type.type == wasm::ValType::I32)
      return g.init.op == wasm::Op::I32Const ? std::optional<uint32_t>(uint32_t(g.init.value)) : std::nullopt;
  return std::nullopt;
}

namespace {

// The tool's output with the scratch paths of objects replaced by what they
// came from, so that no message names a file that is gone after the build.
std::string located_output(std::string out, const std::vector<std::pair<std::string, std::string>>& paths) {
  for (const auto& [from, to] : paths)
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
      out.replace(at, from.size(), to);
  return out;
}

// What to do about a symbol the link could not find.
std::string undefined_hints(const std::string& out) {
  std::string hints;
  auto has = [&](const char* s) { return out.find(s) != std::string::npos; };
  if (has("undefined symbol: operator new") || has("undefined symbol: operator delete") ||
      has("undefined symbol: malloc") || has("undefined symbol: free"))
    hints +=
        "\n  drivers have no heap: give objects static storage (globals, std::array, a pool) or construct them in "
        "place with placement new (#include <new>)";
  if (has("undefined symbol:") && hints.empty())
    hints +=
        "\n  a function that is declared but defined nowhere: a seam function needs its gust:hal import (include "
        "<gust/driver-*.h>), anything else needs a definition in the driver";
  return hints;
}

Error clang_error(const std::string& what, const fs::path& source, const ToolRun& r,
                  const std::vector<std::pair<std::string, std::string>>& paths) {
  Error e;
  e.kind = Error::Kind::Tool;
  const std::string out = located_output(r.output, paths);
  e.message = what + " (" + source.string() + ") failed (exit " + std::to_string(r.status) + "):\n" + out +
              undefined_hints(out);
  return e;
}

}  // namespace

fs::path runtime_source(const fs::path& root) { return root / "runtime" / "runtime.cpp"; }

// gust's wasm runtime (runtime/runtime.cpp), as an object at `out`.
Result<fs::path> compile_runtime(const fs::path& root, const fs::path& out) {
  const fs::path src = runtime_source(root);
  std::vector<std::string> argv = wasm_flags(root, Language::Cxx);
  // Bulk memory for memcpy, memmove and memset alone; no builtins, so that
  // clang does not turn a loop in memcmp into a call to memcmp.
  argv.insert(argv.end(), {"-mbulk-memory", "-fno-builtin", "-c", src.string(), "-o", out.string()});
  ToolRun r = run_tool(argv);
  if (r.status != 0) return clang_error("clang-19 --target=wasm32 (gust's runtime)", src, r, {});
  return out;
}

Result<void> compile_wasm_object(const fs::path& root, const fs::path& source, const fs::path& obj,
                                 const std::vector<std::string>& flags) {
  std::vector<std::string> argv = wasm_flags(root, language_of(source));
  argv.insert(argv.end(), flags.begin(), flags.end());
  // The source by its absolute path, so that the DWARF names it wherever the
  // image is debugged from; messages name it as given.
  const fs::path absolute = fs::absolute(source).lexically_normal();
  argv.insert(argv.end(), {"-c", absolute.string(), "-o", obj.string()});
  ToolRun r = run_tool(argv);
  if (r.status != 0) return clang_error("clang-19 --target=wasm32", source, r, {{absolute.string(), source.string()}});
  return {};
}

Result<void> link_wasm_module(const fs::path& root, const fs::path& source, const std::vector<WasmObject>& objs,
                              const fs::path& out, const std::vector<std::string>& flags) {
  (void)root;
  std::vector<std::string> argv = {tool("GUST_WASM_LD", "wasm-ld-19"), "-m", "wasm32"};
  // -Wl,a,b is clang's way to say a b to the linker; wasm-ld takes them bare.
  for (const auto& f : flags) {
    if (f.rfind("-Wl,", 0) != 0) {
      argv.push_back(f);
      continue;
    }
    std::string rest = f.substr(4);
    for (size_t at; (at = rest.find(',')) != std::string::npos; rest = rest.substr(at + 1))
      argv.push_back(rest.substr(0, at));
    argv.push_back(rest);
  }
  std::vector<std::pair<std::string, std::string>> paths;
  for (const auto& o : objs) {
    argv.push_back(o.object.string());
    paths.push_back({o.object.string(), o.source.string()});
  }
  argv.insert(argv.end(), {"-o", out.string()});
  ToolRun r = run_tool(argv);
  if (r.status != 0) return clang_error("wasm-ld (linking the driver)", source, r, paths);
  return {};
}

namespace {

// wasm-opt -Oz, as clang runs it after wasm-ld, but with -g, so that the
// name section stays (the dissolver's symbols and read-only data need it).
// DWARF in its input would make wasm-opt skip the passes that cannot update
// it (the code would differ with debug information), so the DWARF is
// stripped and the lines travel as a source map, which every pass carries
// without changing what it does: with `map`, the linked module's DWARF
// lines go in as one and the optimised module's come out at `map`.
Result<void> final_optimise(const fs::path& source, const fs::path& in, const fs::path& out, const fs::path& map) {
  std::vector<std::string> argv = {tool("GUST_WASM_OPT", "wasm-opt"), in.string(), "--strip-dwarf"};
  const fs::path in_map = in.string() + ".map";
  if (!map.empty()) {
    auto m = wasm::decode(read_bytes(in));
    if (!m) return Error::make(m.error().kind, m.error().message, in.string());
    auto lines = wasm::read_line_table(*m);
    if (!lines) return Error::make(lines.error().kind, lines.error().str(), source.string());
    if (!lines->empty()) {  // wasm-opt refuses a map without rows
      if (auto w = write_file(in_map, wasm::source_map(*lines)); !w) return w.error();
      argv.insert(argv.end(), {"--input-source-map", in_map.string()});
    }
  }
  argv.insert(argv.end(), {"-Oz", "-g", "-o", out.string()});
  if (!map.empty()) argv.insert(argv.end(), {"--output-source-map", map.string()});
  ToolRun r = run_tool(argv);
  std::error_code ec;
  fs::remove(in_map, ec);
  if (r.status != 0) {
    Error e;
    e.kind = Error::Kind::Tool;
    e.message = "wasm-opt (optimising the driver " + source.string() + ") failed (exit " + std::to_string(r.status) +
                "):\n" + r.output;
    return e;
  }
  return {};
}

// An exported i32 global's value: wasm-ld's __data_end, when asked for.
std::optional<uint32_t> exported_global(const wasm::Module& m, const std::string& name) {
  for (const auto& e : m.exports)
    if (e.kind == wasm::ExternKind::Global && e.name == name) {
      const uint32_t base = m.imported(wasm::ExternKind::Global);
      if (e.index >= base && e.index - base < m.globals.size() &&
          m.globals[e.index - base].init.op == wasm::Op::I32Const)
        return uint32_t(m.globals[e.index - base].init.value);
    }
  return std::nullopt;
}

// Whether a function does anything: a body of more than nops, or calls to
// functions that do (wasm-ld writes an empty __wasm_call_ctors, or replaces
// the call to it with a nop, when there are no constructors).
bool does_something(const wasm::Module& m, uint32_t func, int depth = 0) {
  const uint32_t nimp = m.imported(wasm::ExternKind::Func);
  if (func < nimp || func - nimp >= m.functions.size() || depth > 4) return true;
  const auto& f = m.functions[func - nimp];
  wasm::Reader r(m.bytes, f.body_begin, f.body_end);
  wasm::Instr in;
  try {
    while (!r.at_end()) {
      wasm::read_instr(r, in, m.data_count.has_value());
      if (in.op == wasm::Op::Nop || in.op == wasm::Op::End) continue;
      if (in.op == wasm::Op::Call && !does_something(m, in.a, depth + 1)) continue;
      return true;
    }
  } catch (const Failure&) {
    return true;
  }
  return false;
}

// Whether _initialize runs any global constructor.
bool runs_constructors(const wasm::Module& m) {
  for (const auto& e : m.exports)
    if (e.kind == wasm::ExternKind::Func && e.name == "_initialize") return does_something(m, e.index);
  return false;
}

}  // namespace

std::vector<std::string> BuildFlags::clang_args() const {
  std::vector<std::string> out;
  for (const auto& d : include_dirs) out.insert(out.end(), {"-I", d.string()});
  for (const auto& d : defines) out.push_back("-D" + d);
  out.insert(out.end(), cxxflags.begin(), cxxflags.end());
  return out;
}

Result<void> compile_driver(const fs::path& source, const fs::path& wasm_out, uint32_t wasm_stack,
                            const std::vector<std::string>& extra_flags) {
  const fs::path root = project_root(source.parent_path());
  const fs::path rt = wasm_out.string() + ".runtime.o", obj = wasm_out.string() + ".o",
                 linked = wasm_out.string() + ".linked.wasm";
  std::vector<std::string> cflags, lflags = wasm_link_flags(wasm_stack);
  for (const auto& f : extra_flags) (f.rfind("-Wl,", 0) == 0 ? lflags : cflags).push_back(f);
  // The same steps as a shipped driver's final link (compile_sized_driver),
  // so that a harness and a test see the code the image gets.
  auto built = [&]() -> Result<void> {
    if (auto r = compile_runtime(root, rt); !r) return r.error();
    if (auto r = compile_wasm_object(root, source, obj, cflags); !r) return r;
    if (auto r = link_wasm_module(root, source, {{obj, source}, {rt, runtime_source(root)}}, linked, lflags); !r)
      return r;
    return final_optimise(source, linked, wasm_out, {});
  }();
  std::error_code ec;
  for (const auto& f : {rt, obj, linked}) fs::remove(f, ec);
  return built;
}

// Two links of one object: the first, with __data_end, to measure the data
// and the stack; the second with the stack that needs.
Result<SizedDriver> compile_sized_driver(const fs::path& source, const fs::path& wasm_out, const fs::path& work_dir,
                                         const std::vector<std::string>& flags, std::optional<uint32_t> wasm_stack,
                                         std::optional<uint32_t> memory, bool debug) {
  const fs::path root = project_root(source.parent_path());
  const std::string stem = wasm_out.stem().string();
  const fs::path obj = work_dir / (stem + ".o.wasm"), rt = work_dir / "gust-runtime.o.wasm";
  const fs::path sizing = work_dir / (stem + ".sizing.wasm");
  std::error_code ec;
  if (!fs::exists(rt, ec))
    if (auto r = compile_runtime(root, rt); !r) return r.error();
  std::vector<std::string> cflags = flags;
  // clang's DWARF, which changes no code; with "/" as the compilation folder
  // clang keeps every path absolute (it writes a file below its compilation
  // folder relative to it, and only .debug_info, not the line table, says
  // where that is).
  if (debug) cflags.insert(cflags.end(), {"-g", "-fdebug-compilation-dir=/"});
  if (auto r = compile_wasm_object(root, source, obj, cflags); !r) return r.error();
  std::vector<std::string> lf = wasm_link_flags(0);
  lf.insert(lf.end(), {"-Wl,--export=__data_end", "-Wl,--export=_initialize"});
  if (auto r = link_wasm_module(root, source, {{obj, source}, {rt, runtime_source(root)}}, sizing, lf); !r) return r.error();
  auto m = wasm::decode(read_bytes(sizing));
  if (!m) return Error::make(m.error().kind, m.error().message, source.string());
  SizedDriver out;
  const auto data_end = exported_global(*m, "__data_end");
  if (!data_end) return Error::make(Error::Kind::Tool, "wasm-ld gave no __data_end", source.string());
  out.has_ctors = runs_constructors(*m);
  const ShadowStack ss = shadow_stack_with_handlers(*m);
  auto fail = [&](const std::string& msg) { return Error::make(Error::Kind::Limit, msg, source.string()); };
  if (!ss.depth && !wasm_stack)
    return fail("the shadow stack's worst-case depth is unbounded: " + ss.why +
                "; give the driver's wasm_stack = BYTES in the manifest (its deepest use of the stack, checked by "
                "nothing but your own measure)");
  if (ss.depth && wasm_stack && *wasm_stack < *ss.depth) {
    std::string path;
    for (const auto& p : ss.path) path += "\n  " + p;
    return fail("wasm_stack = " + std::to_string(*wasm_stack) + " is below the shadow stack's worst-case depth, " +
                std::to_string(*ss.depth) + " bytes, along:" + path +
                "\n  drop wasm_stack (gust sizes it) or raise it");
  }
  out.depth = ss.depth.value_or(0);
  for (size_t i = 0; i < ss.path.size(); ++i) out.deepest += (i ? " -> " : "") + ss.path[i];
  // wasm-ld keeps the stack 16-byte aligned; the data above it moves by the
  // stack's size, so the region is that plus the measured data and bss.
  out.stack = wasm_stack ? *wasm_stack : (out.depth + 15) & ~15u;
  out.data_end = out.stack + *data_end;
  // Read-only data for flash and a known depth: the low layout (wasm_link_flags), the
  // stack above the bss, the region ending at its top. The stack first
  // otherwise: a depth that nothing bounds overflows out of the region and
  // traps rather than into the bss.
  const bool low = wants_low_layout(*m) && ss.depth.has_value();
  auto region_for = [&](uint64_t end, uint32_t data) -> Result<uint64_t> {
    const uint64_t needed = (end + 7) & ~uint64_t(7);
    if (memory && *memory < end)
      return fail("memory = " + std::to_string(*memory) + " is smaller than the driver's shadow stack, data and bss (" +
                  std::to_string(out.stack) + " + " + std::to_string(data) + " bytes): drop memory or raise it to " +
                  std::to_string(needed));
    return memory ? *memory : needed;
  };
  if (low) {
    // The low layout's data does not move with the stack (it starts at the
    // global base, the stack after it, 16-byte aligned): a second sizing
    // link without the stack gives where it ends.
    lf = wasm_link_flags(0, true);
    lf.insert(lf.end(), {"-Wl,--export=__data_end", "-Wl,--export=_initialize"});
    if (auto r = link_wasm_module(root, source, {{obj, source}, {rt, runtime_source(root)}}, sizing, lf); !r)
      return r.error();
    auto lm = wasm::decode(read_bytes(sizing));
    if (!lm) return Error::make(lm.error().kind, lm.error().message, source.string());
    const auto low_end = exported_global(*lm, "__data_end");
    if (!low_end) return Error::make(Error::Kind::Tool, "wasm-ld gave no __data_end", source.string());
    out.data_end = out.stack ? ((*low_end + 15) & ~15u) + out.stack : *low_end;
  }
  auto region = region_for(out.data_end, out.data_end - out.stack);
  if (!region) return region.error();
  out.region = *region;
  lf = wasm_link_flags(out.stack, low);
  if (out.has_ctors) lf.push_back("-Wl,--export=_initialize");
  // The final link keeps the name section and, with debug, the DWARF; gust
  // then runs wasm-opt itself (final_optimise), which keeps the names.
  const fs::path linked = work_dir / (stem + ".linked.wasm");
  if (auto r = link_wasm_module(root, source, {{obj, source}, {rt, runtime_source(root)}}, linked, lf); !r)
    return r.error();
  if (debug) out.source_map = work_dir / (stem + ".map");
  if (auto r = final_optimise(source, linked, wasm_out, out.source_map); !r) return r.error();
  fs::remove(linked, ec);
  // The final link moved the data by the stack's size; its code must need
  // no more stack than the measured one (a check that costs one decode:
  // wasm-ld relocates the same object, so it holds unless the link changes).
  if (ss.depth) {
    auto fm = wasm::decode(read_bytes(wasm_out));
    if (!fm) return Error::make(fm.error().kind, fm.error().message, wasm_out.string());
    const ShadowStack again = shadow_stack_with_handlers(*fm);
    if (!again.depth || *again.depth > out.stack)
      return fail("the final link of the driver needs more shadow stack than the sizing link measured (" +
                  (again.depth ? std::to_string(*again.depth) : again.why) + " against " + std::to_string(out.stack) +
                  " bytes); give wasm_stack");
    // The low layout's stack ends the region (wasm-opt drops a
    // __stack_pointer that no code uses).
    if (const auto top = stack_top(*fm); low && top && *top != out.data_end)
      return Error::make(Error::Kind::Tool,
                         "the final link put the shadow stack's top at " + std::to_string(*top) + ", not at " +
                             std::to_string(out.data_end) + " where the sizing links put the region's end",
                         wasm_out.string());
  }
  out.functions = defined_functions(obj);
  fs::remove(sizing, ec);
  fs::remove(obj, ec);
  return out;
}

// wasm32's layout for the native side: arm-none-eabi-gcc sizes an enum to
// its values (1 byte for most) unless told otherwise, wasm32 makes every enum
// 4 bytes, so a struct with an enum would have two layouts across the seam.
// The other rules (natural alignment, 8-byte aligned 64-bit integers, 4-byte
// int, long and pointers) are AAPCS's already. The bind headers assert it.
const std::vector<std::string>& native_abi_flags() {
  static const std::vector<std::string> flags = {"-fno-short-enums"};
  return flags;
}

Result<void> compile_natives(Build& b) {
  b.progress(b.node.app_wasm ? "compile bridge and boot (arm-none-eabi-gcc -Os; the app is wasm)"
                             : "compile bridge, boot and app (arm-none-eabi-gcc -Os)");
  const std::string gcc = tool("GUST_ARM_GCC", "arm-none-eabi-gcc");
  const std::vector<LinkedObject> natives = {
      {b.fw / "boot.c", "boot", "boot"},
      {b.fw / "bridge.c", "bridge", "trusted"},
      {b.scratch / "bridge_node.c", "bridge", "trusted"},
      {b.node.app, "app", "app"},
  };
  for (const auto& n : natives) {
    if (n.kind == "app" && b.node.app_wasm) continue;  // dissolved like a driver instead
    // The app's object is named by its role, not by its source's stem, and
    // every native object by a name no driver instance can have (no '-'):
    // an app called boot.c, or an instance called bridge, cannot take
    // another object's place.
    const std::string role = n.kind == "app" ? "app" : n.file.stem().string();
    const fs::path obj = b.scratch / ("native-" + role + ".o");
    std::vector<std::string> argv = {gcc,
                                     "-Os",
                                     "-mcpu=" + b.chip.cpu,
                                     "-mthumb",
                                     "-std=c11",
                                     "-ffreestanding",
                                     "-ffunction-sections",
                                     "-fdata-sections",
                                     "-fstack-usage",
                                     "-fcallgraph-info",
                                     "-Wall",
                                     "-Werror",
                                     "-I",
                                     (b.root / "include").string(),
                                     "-I",
                                     b.fw.string(),
                                     "-DGUST_BANNER=" + base::c_string_literal(b.node.banner),
                                     "-c",
                                     n.file.string(),
                                     "-o",
                                     obj.string()};
    argv.insert(argv.begin() + 1, native_abi_flags().begin(), native_abi_flags().end());
    if (b.opts.debug) argv.insert(argv.begin() + 1, "-g");  // DWARF only: gcc's code is the same
    ToolRun r = run_tool(argv);
    if (r.status != 0) return b.tool_error("arm-none-eabi-gcc (" + n.file.filename().string() + ")", r);
    b.objects.push_back({obj, n.component, n.kind});
    // What the native side calls decides which driver exports survive.
    auto facts = read_object(obj);
    if (!facts) return facts.error();
    b.native_calls.insert(facts->undefined.begin(), facts->undefined.end());
  }
  return {};
}

}  // namespace gust::compose
