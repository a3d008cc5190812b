// Stage "dissolve" of `gust build` for a fused node (`fuse = true`): the wasm
// app and the instances it is wired to are dissolved together into one
// object (dissolve::dissolve_fused), each under its own prefix with its own
// region, table and bounds checks, the app's wired imports bound to the
// instances' export functions, so that LLVM may inline a driver's export
// into the app. A list<u8> call still goes through its native adapter
// (adapters.cpp), which copies between the two regions with both ranges
// checked: the adapter is the one code that addresses two regions, and it
// stays trusted, native and out of the optimiser's reach.
#include <cstdio>

#include "compose/stages.h"
#include "dissolve/dissolve.h"

namespace gust::compose {

std::string LinkedObject::component_of(const std::string& section) const {
  if (by_instance.empty()) return component;
  // .text.<symbol>, .bss.<symbol>, .rodata.<symbol>, .ARM.exidx.text.<symbol>:
  // the symbol after the last of the known kinds.
  size_t at = std::string::npos;
  for (const char* kind : {".text.", ".bss.", ".data.", ".rodata."})
    if (size_t k = section.rfind(kind); k != std::string::npos && (at == std::string::npos || k > at))
      at = k + std::string(kind).size();
  if (at == std::string::npos) return component;
  const std::string symbol = section.substr(at);
  auto it = by_instance.find(symbol.substr(0, symbol.find('_')));
  return it != by_instance.end() && symbol.find('_') != std::string::npos ? it->second : component;
}

Result<void> dissolve_fused_node(Build& b) {
  if (!b.app) GUST_DIE("a fused build without a wasm app");
  const fs::path obj = b.scratch / (b.node.name + ".fused.o");
  std::string names = b.app->wasm_file.filename().string();
  for (const auto& dm : b.modules) names += " + " + dm.wasm_file.filename().string();
  b.progress("dissolve " + names + " -> " + obj.filename().string() + " (fused: one object, a prefix per instance)");
  // The app's wired calls that go straight to an instance's export (a list
  // call goes to its adapter, native); each such export is kept for the
  // binding, and made internal after it unless the native side calls it too.
  std::set<std::string> wired;
  for (const auto& [import, symbol] : b.wiring.app_links)
    if (symbol.rfind("gust_wire_", 0) != 0) wired.insert(symbol);
  std::vector<dissolve::FusedPart> parts;
  dissolve::FusedPart app;
  app.module = &b.app->module;
  app.opts = instance_options(b, app_instance(b.node), *b.app, true);
  parts.push_back(std::move(app));
  for (size_t i = 0; i < b.node.drivers.size(); ++i) {
    const DriverInstance& d = b.node.drivers[i];
    dissolve::FusedPart part;
    part.module = &b.modules[i].module;
    part.opts = instance_options(b, d, b.modules[i], false);
    for (const auto& e : part.module->exports) {
      if (e.kind != wasm::ExternKind::Func) continue;
      const std::string sym = dissolve::export_symbol(e.name, part.opts.prefix);
      if (!wired.count(sym)) continue;
      part.opts.keep_exports.erase("");  // "keep none" no longer
      part.opts.keep_exports.insert(e.name);
      if (!b.native_calls.count(sym)) part.internalise.insert(sym);
    }
    parts.push_back(std::move(part));
  }
  // Each part's debug lines come from its own source map (instance_options),
  // so inlined driver code keeps its driver's lines in the app.
  auto dis = dissolve::dissolve_fused(parts);
  if (!dis) {
    Error e = dis.error();
    if (e.where.empty()) e.where = b.node.file.string();
    return e;
  }
  for (const auto& w : dis->warnings) fprintf(stderr, "      %s\n", w.c_str());
  if (auto r = write_atomically(obj, dis->object.data(), dis->object.size()); !r) return r;
  auto facts = read_object(obj);
  if (!facts) return facts.error();
  for (const auto& u : facts->undefined)
    if (!b.wiring.link_symbols.count(u)) b.imports.insert(u);
  LinkedObject lo{obj, "fused", "wasm", {}};
  lo.by_instance[kAppInstance] = kAppInstance;
  for (const auto& d : b.node.drivers)
    lo.by_instance[d.instance] = d.source.parent_path().filename().string() + "@" + d.instance;
  b.objects.push_back(std::move(lo));
  return {};
}

}  // namespace gust::compose
