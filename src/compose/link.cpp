// Stages "link" and "measure" of `gust build`: one arm-none-eabi link of
// every object, then each component's flash and SRAM from the linker's map.
#include "compose/stages.h"

namespace gust::compose {

namespace {

// The map goes through -Xlinker, not -Wl, which would split the output path
// at a comma.
ToolRun link_with(const Build& b, const fs::path& script) {
  std::vector<std::string> argv = {tool("GUST_ARM_GCC", "arm-none-eabi-gcc"),
                                   "-mcpu=" + b.chip.cpu,
                                   "-mthumb",
                                   "-nostdlib",
                                   "-nostartfiles",
                                   "-T",
                                   script.string(),
                                   "-Wl,--gc-sections",
                                   "-Xlinker",
                                   "-Map=" + b.map.string(),
                                   "-o",
                                   b.elf.string()};
  for (const auto& o : b.objects) argv.push_back(o.file.string());
  // The runtime helpers that compiled code calls by name: gust's soft float
  // (firmware/softfloat: libgcc's misrounds, and wasm wants its NaNs), newlib's
  // __aeabi_memcpy/memmove/memset/memclr (memory.copy and memory.fill, and
  // LLVM's struct copies and zeroing), then libgcc's integer division. The
  // linker takes only what is called, and the stack oracle measures it from
  // its instructions like any other code.
  argv.push_back(GUST_SOFTFLOAT_LIB);
  argv.push_back("-lc");
  argv.push_back("-lgcc");
  return run_tool(argv);
}

// The runtime library a map entry's file belongs to, or "".
std::string runtime_library(const std::string& file) {
  if (file.find("libgcc") != std::string::npos) return "libgcc";
  if (file.find("libgust_softfloat.a") != std::string::npos) return "softfloat";
  if (file.find("/libc.a") != std::string::npos || file.find("/libc_nano.a") != std::string::npos) return "libc";
  return "";
}

}  // namespace

Result<void> link(Build& b) {
  b.progress("link " + b.node.name + ".elf");
  b.elf = b.scratch / (b.node.name + ".elf");
  b.map = b.scratch / (b.node.name + ".map");
  if (!fs::exists(GUST_SOFTFLOAT_LIB))
    return Error::make(Error::Kind::Tool, "gust's soft-float archive is missing (build target gust_softfloat_arm)",
                       GUST_SOFTFLOAT_LIB);
  ToolRun lr = link_with(b, b.scratch / (b.node.name + ".ld"));
  b.overflowed = lr.status != 0 && lr.output.find("overflowed") != std::string::npos;
  if (lr.status != 0 && !b.overflowed) return b.tool_error("link", lr);
  if (b.overflowed) {
    // Link once more with room to spare, only to measure who takes what;
    // the budget stage then refuses the image.
    const fs::path measure_ld = b.scratch / "measure.ld";
    if (auto r = write_file(measure_ld, linker_script(b.chip, 0x01000000)); !r) return r;
    if (ToolRun mr = link_with(b, measure_ld); mr.status != 0) return b.tool_error("link", lr);
  }
  return {};
}

Result<void> measure(Build& b) {
  std::map<std::string, const LinkedObject*> component_of;  // object file -> its object
  for (const auto& o : b.objects) component_of[o.file.string()] = &o;
  std::map<std::string, Component> comps;
  std::vector<std::string> order;
  for (const auto& e : parse_map(read_text(b.map))) {
    std::string name = runtime_library(e.file), kind = "runtime";
    if (auto it = component_of.find(e.file); it != component_of.end())
      name = it->second->component_of(e.section), kind = it->second->kind;
    else if (name.empty())
      continue;
    Component& c = comps[name];
    if (c.name.empty()) {
      c.name = name;
      c.kind = kind;
      order.push_back(name);
    }
    const std::string& s = e.section;
    if (s.rfind(".bss", 0) == 0 || s == "COMMON")
      c.bss += e.size;
    else if (s.rfind(".data", 0) == 0)
      c.data += e.size;
    else if (s.rfind(".text", 0) == 0 || s.rfind(".rodata", 0) == 0 || s == ".isr_vector" ||
             s.rfind(".ARM.exidx", 0) == 0)
      c.text += e.size;
  }
  // Every component is listed, also one the linker dropped whole (a driver
  // instance whose exports nothing calls).
  for (const auto& o : b.objects) {
    // A fused object is listed by its instances' components.
    std::vector<std::string> names;
    for (const auto& [instance, component] : o.by_instance) names.push_back(component);
    if (o.by_instance.empty()) names.push_back(o.component);
    for (const auto& n : names) {
      Component& c = comps[n];
      if (!c.name.empty()) continue;
      c.name = n;
      c.kind = o.kind;
      order.push_back(n);
    }
  }
  // A fused object's own component (what no instance's prefix names, such as
  // signature objects) only when it holds anything.
  for (const auto& o : b.objects)
    if (!o.by_instance.empty())
      if (auto it = comps.find(o.component); it != comps.end() && it->second.text + it->second.data + it->second.bss == 0)
        std::erase(order, o.component);
  // Drivers first, then the native parts, as the pipeline runs.
  Report& rep = b.report;
  for (const char* kind : {"wasm", "trusted", "boot", "app", "runtime"})
    for (const auto& n : order)
      if (comps[n].kind == kind) rep.components.push_back(comps[n]);
  for (const auto& c : rep.components) {
    rep.flash_bytes += c.text + c.data;
    rep.sram_bytes += c.data + c.bss;
    if (c.kind == "trusted") rep.tcb_bytes += c.text + c.data;
    if (c.kind == "trusted" || c.kind == "boot" || c.kind == "app") rep.tcb_native.push_back(c.name);
  }
  rep.sram_budget = b.chip.sram_size;
  rep.flash_budget = b.chip.flash_size;
  rep.tcb_imports.assign(b.imports.begin(), b.imports.end());
  return {};
}

// Worst-case stack from the linked image's instructions: SRAM = .data + .bss
// + stack. The map says which component each piece of code came from.
Result<void> stack(Build& b) {
  StackInput in;
  in.elf = b.elf;
  in.bounds = b.node.stack_bounds;
  in.bound_where = b.node.stack_bound_where;
  // A driver's internal functions are <instance>_gust_f<index>; messages add
  // the C++ name the module's name section gives.
  for (size_t i = 0; i < b.modules.size() && i < b.node.drivers.size(); ++i)
    for (const auto& [index, name] : wasm_function_names(b.modules[i].module))
      if (name.rfind("export ", 0) != 0)
        in.source_names[b.node.drivers[i].instance + "_gust_f" + std::to_string(index)] = name;
  auto levels = priority_levels(b.node, b.chip);
  if (!levels) return levels.error();
  in.priorities = *levels;
  std::map<std::string, const LinkedObject*> object_of;
  for (const auto& o : b.objects) object_of[o.file.string()] = &o;
  for (const auto& e : parse_map(read_text(b.map))) {
    auto it = object_of.find(e.file);
    const std::string c = it != object_of.end() ? it->second->component_of(e.section) : runtime_library(e.file);
    const bool dissolved = it != object_of.end() && it->second->kind == "wasm";
    if (!c.empty()) in.owners.push_back({uint32_t(e.address), uint32_t(e.address + e.size), c, dissolved});
  }
  auto st = analyze_stack(in, b.chip);
  if (!st) {
    Error e = st.error();
    if (e.where.empty() || e.where == b.elf.string()) e.where = b.node.file.string();
    return e;
  }
  if (!st->bounded) {
    std::string why;
    for (const auto& u : st->unbounded) why += "\n  " + u;
    return Error::make(Error::Kind::Limit, "the worst-case stack is unbounded:" + why, b.node.file.string());
  }
  for (auto& c : b.report.components) c.stack = st->by_component[c.name];
  b.report.stack_bytes = st->total;
  b.report.stack_path = st->path;
  b.report.sram_bytes += st->total;
  return {};
}

}  // namespace gust::compose
