// Stage "compile natives" of `gust build`, and the wasm compile that drivers
// share: C++ to wasm32 with gust's driver flags (clang-19), and the trusted
// native parts (boot, bridge, app) with arm-none-eabi-gcc.
#include "base/ctext.h"
#include "compose/stages.h"

namespace gust::compose {

Result<void> compile_driver(const fs::path& source, const fs::path& wasm_out, uint32_t wasm_stack,
                            const std::vector<std::string>& extra_flags) {
  const fs::path root = project_root(source.parent_path());
  std::vector<std::string> argv = {tool("GUST_CLANG", "clang-19"),
                                   "--target=wasm32",
                                   "-mcpu=mvp",
                                   "-msign-ext",
                                   "-Oz",
                                   "-std=c++20",
                                   "-nostdlib",
                                   "-ffreestanding",
                                   "-fno-exceptions",
                                   "-fno-rtti",
                                   "-I",
                                   (root / "include").string(),
                                   "-Wl,--no-entry",
                                   "-Wl,--strip-all",
                                   "-Wl,--stack-first",
                                   "-Wl,-z,stack-size=" + std::to_string(wasm_stack)};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  argv.insert(argv.end(), {"-o", wasm_out.string(), source.string()});
  ToolRun r = run_tool(argv);
  if (r.status != 0) {
    Error e;
    e.kind = Error::Kind::Tool;
    e.message = "clang-19 --target=wasm32 (" + source.filename().string() + ") failed (exit " +
                std::to_string(r.status) + "):\n" + r.output;
    return e;
  }
  return {};
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
  b.progress("compile bridge, boot and app (arm-none-eabi-gcc -Os)");
  const std::string gcc = tool("GUST_ARM_GCC", "arm-none-eabi-gcc");
  const std::vector<LinkedObject> natives = {
      {b.fw / "boot.c", "boot", "boot"},
      {b.fw / "bridge.c", "bridge", "trusted"},
      {b.scratch / "bridge_node.c", "bridge", "trusted"},
      {b.node.app, "app", "app"},
  };
  for (const auto& n : natives) {
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
