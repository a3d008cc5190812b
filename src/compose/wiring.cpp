// Stage "wire" of `gust build`: every import of every module resolved before
// anything is dissolved. A driver's imports are its seam's capabilities,
// which the seam check (drivers.cpp) held to the world its instance is
// granted. The wasm app's imports are driver interfaces under the names of
// the node's instances (`import console: gust:drivers/uart;`), each resolved
// to the export of that instance that serves it, with exactly the type the
// WIT lowers it to on both sides. Anything unresolved, ambiguous, ill-typed
// or not granted is refused, naming the module, the import and the reason.
// Instances nothing imports are left out of the image.
#include <algorithm>
#include <cstdio>

#include "compose/stages.h"
#include "dissolve/dissolve.h"
#include "wit/wit.h"

namespace gust::compose {

namespace {

// The interfaces each instance's world exports, qualified.
std::vector<std::string> exported_interfaces(const wit::Package& hal, const DriverInstance& d) {
  std::vector<std::string> out;
  if (const wit::World* w = hal.world(d.world))
    for (const auto& e : w->exported) out.push_back(e.qualified());
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// The same parameter and result types, in order (names may differ).
bool same_types(const wit::Func& a, const wit::Func& b) {
  if (a.params.size() != b.params.size() || a.results.size() != b.results.size()) return false;
  for (size_t k = 0; k < a.params.size(); ++k)
    if (a.params[k].type.str() != b.params[k].type.str()) return false;
  for (size_t k = 0; k < a.results.size(); ++k)
    if (a.results[k].str() != b.results[k].str()) return false;
  return true;
}

}  // namespace

Result<void> wire(Build& b) {
  if (!b.app) return {};  // a native app: the linker resolves what it calls, as before
  b.progress("wire the app's imports (world " + b.node.app_world + ") to the node's instances");
  const fs::path apps_wit = b.node.app_wit.empty() ? b.root / "wit" / "gust-apps.wit" : b.node.app_wit;
  auto apps = wit::parse_file(apps_wit);
  if (!apps) return apps.error();
  auto hal = wit::parse_file(b.root / "wit" / "gust-hal.wit");
  if (!hal) return hal.error();
  const std::string who = "the app (" + b.node.app.string() + ", world " + b.node.app_world + ")";
  auto refuse = [&](const std::string& why) {
    return Error::make(Error::Kind::Input, who + ": " + why + "; no image built", b.node.file.string());
  };
  const wit::World* w = apps->world(b.node.app_world);
  if (!w) {
    std::vector<std::string> names;
    for (const auto& x : apps->worlds) names.push_back(x.name);
    return refuse("no world '" + b.node.app_world + "' in " + apps_wit.string() + " (it has " + joined(names) + ")");
  }
  // Its entry: run: func(), which boot calls.
  bool entry = false;
  for (const wit::Func* f : wit::world_exports(*apps, *w))
    entry = entry || (f->name == kAppEntry && f->params.empty() && f->results.empty());
  if (!entry)
    return refuse("world " + w->name + " exports no `" + std::string(kAppEntry) + ": func()`, the entry boot calls");
  // No seam capability is granted to an app: it reaches hardware only
  // through the instances that drive it.
  if (!w->imports.empty())
    return refuse("world " + w->name + " imports " + apps->name + "/" + w->imports.front() +
                  ", an interface of the app's own package: an app imports driver interfaces (gust:drivers)");
  for (const auto& l : w->links)
    if (l.iface.package == hal->name)
      return refuse("world " + w->name + " imports " + l.iface.qualified() +
                    ": seam capabilities are granted to driver instances, not to the app");
  // Every import names a function of the world with exactly its type.
  if (auto r = wit::check_seam(b.app->module, *apps, w->name, apps_wit.string(), b.node.app.string()); !r)
    return refuse(r.error().message);

  std::set<std::string> used;
  const uint32_t nimports = uint32_t(b.app->module.imports.size());
  for (uint32_t i = 0; i < nimports; ++i) {
    const wasm::Import& im = b.app->module.imports[i];
    const std::string what = "import " + std::to_string(i) + " " + quoted(im.module) + " " + quoted(im.name);
    const wit::WorldImport* link = nullptr;
    for (const auto& l : w->links)
      if (l.module() == im.module) link = &l;
    if (!link) return refuse(what + ": not an import of world " + w->name);  // check_seam refused it already
    const std::string iface = link->iface.qualified();
    // A list<u8> is an address in the caller's region, which the callee
    // cannot read (each instance has its own memory): such a call goes
    // through an adapter that copies it (ListCall).
    // The instance that serves it: the one the import names, or the only one
    // whose world exports the interface.
    const DriverInstance* inst = nullptr;
    size_t index = 0;
    if (!link->name.empty()) {
      std::vector<std::string> names;
      for (size_t k = 0; k < b.node.drivers.size(); ++k) {
        names.push_back(b.node.drivers[k].instance);
        if (b.node.drivers[k].instance == link->name) inst = &b.node.drivers[index = k];
      }
      if (!inst)
        return refuse(what + ": unresolved: the node has no instance '" + link->name + "' to serve " + iface +
                      " (its instances: " + joined(names) + ")");
      const auto ex = exported_interfaces(*hal, *inst);
      if (std::find(ex.begin(), ex.end(), iface) == ex.end())
        return refuse(what + ": instance '" + inst->instance + "' is of the wrong interface: its world " + inst->world +
                      " exports " + joined(ex) + ", not " + iface);
    } else {
      std::vector<std::string> serving;
      for (size_t k = 0; k < b.node.drivers.size(); ++k) {
        const auto ex = exported_interfaces(*hal, b.node.drivers[k]);
        if (std::find(ex.begin(), ex.end(), iface) == ex.end()) continue;
        serving.push_back(b.node.drivers[k].instance);
        inst = &b.node.drivers[index = k];
      }
      if (serving.empty()) return refuse(what + ": unresolved: no instance of the node exports " + iface);
      if (serving.size() > 1)
        return refuse(what + ": ambiguous: " + iface + " is exported by instances " + joined(serving) +
                      "; name one in the world (import NAME: " + iface + ")");
    }
    // The function as the instance serves it: the project's WIT (the
    // gust:drivers of wit/gust-hal.wit's worlds), never the app's own copy of
    // the package, which lies beside the app's WIT and is the app author's to
    // write. The app's must be the same function of the same WIT types: core
    // types alone do not say whether a list crosses (a list<u8> and two u32s
    // both lower to i32 i32), and a function the project's interface lacks
    // (a driver's handler export, say) is no function the instance serves.
    const wit::Interface* hi = hal->find(link->iface);
    const wit::Func* func = hi ? hi->func(im.name) : nullptr;
    if (!func)
      return refuse(what + ": " + iface + " has no function " + im.name + " in the WIT the instances serve (" +
                    (b.root / "wit").string() + ")");
    const wit::Interface* ai = apps->find(link->iface);
    const wit::Func* declared = ai ? ai->func(im.name) : nullptr;
    if (!declared || !same_types(*declared, *func))
      return refuse(what + ": the app's WIT (" + apps_wit.string() + ") declares it as " +
                    (declared ? wit::func_type_text(*declared) : std::string("nothing")) + "; instance '" +
                    inst->instance + "' serves " + wit::func_type_text(*func));
    const bool has_list = func->passes_list();
    // The instance's export, of exactly the app's import type (both were
    // held to the same WIT function; this is the two modules compared).
    const std::string export_name = wit::c_name(im.name);
    const wasm::Module& dm = b.modules[index].module;
    const wasm::Export* e = nullptr;
    for (const auto& x : dm.exports)
      if (x.kind == wasm::ExternKind::Func && x.name == export_name) e = &x;
    if (!e) return refuse(what + ": instance '" + inst->instance + "' exports no function " + quoted(export_name));
    if (im.kind != wasm::ExternKind::Func || im.func_type >= b.app->module.types.size() ||
        b.app->module.types[im.func_type] != dm.func_type(e->index))
      return refuse(what + ": ill-typed: instance '" + inst->instance + "' exports " + quoted(export_name) + " as " +
                    wit::func_text(dm.func_type(e->index)));
    const std::string symbol = dissolve::export_symbol(export_name, inst->instance + "_");
    std::string called = symbol;
    if (has_list) {
      auto core = wit::lower(*func, (b.root / "wit" / "gust-drivers.wit").string());
      if (!core) return refuse(what + ": " + core.error().message);
      ListCall lc;
      lc.adapter = "gust_wire_" + symbol;
      lc.instance = inst->instance;
      lc.target = symbol;
      lc.what = link->name.empty() ? iface + " " + im.name : link->name + "." + im.name;
      for (const auto& p : func->params) {
        lc.list_at.push_back(p.type.name == "list");
        if (p.type.name == "list") lc.list_at.push_back(false);  // its len
      }
      lc.list_result = func->returns_list();
      if (lc.list_result) lc.list_at.push_back(false);  // the result's buffer
      // A list result lands in the caller's buffer, which holds `max` bytes
      // (the WIT's word for it): the adapter holds the callee's length to
      // it, so that a callee cannot write past what the caller handed over.
      if (lc.list_result) {
        bool found = false;
        for (size_t k = 0, at = 0; k < func->params.size(); ++k, ++at) {
          if (func->params[k].name == "max" && func->params[k].type.name == "u32") {
            lc.max_at = at;
            found = true;
          }
          if (func->params[k].type.name == "list") ++at;
        }
        if (!found)
          return refuse(what +
                        ": a list result crosses between instances only with a `max: u32` parameter, the bytes "
                        "the caller's buffer holds");
      }
      lc.core = std::move(*core);
      // The callee's transfer buffers, at the end of its region, where its
      // own code has nothing (the region is its stack, data and bss).
      DriverModule& callee = b.modules[index];
      auto exports_memory = [](const wasm::Module& m) {
        return std::any_of(m.exports.begin(), m.exports.end(),
                           [](const wasm::Export& x) { return x.kind == wasm::ExternKind::Memory; });
      };
      if (!exports_memory(b.app->module))
        return refuse(what + ": the app exports no memory, so its list cannot be copied");
      if (!exports_memory(dm))
        return refuse(what + ": instance '" + inst->instance +
                      "' exports no memory, so the list cannot be copied into its region");
      TransferBuffer& tb = b.wiring.buffers[inst->instance];
      // A region the chip's SRAM cannot hold is refused here, before a
      // buffer's offset (a u32 in the adapter's C) could pass 2^32 and wrap
      // onto the callee's own data.
      if (callee.region + 8 + 2 * kListMaxBytes > b.chip.sram_size)
        return refuse(what + ": instance '" + inst->instance + "' has a region of " + std::to_string(callee.region) +
                      " bytes, which with the wiring's transfer buffers (2 x " + std::to_string(kListMaxBytes) +
                      " B) the chip's " + std::to_string(b.chip.sram_size) + " B of SRAM cannot hold");
      auto reserve = [&](std::optional<uint32_t>& at) {
        if (at) return;
        callee.region = (callee.region + 7) & ~uint64_t(7);
        at = uint32_t(callee.region);
        callee.region += kListMaxBytes;
      };
      if (std::find(lc.list_at.begin(), lc.list_at.end(), true) != lc.list_at.end()) reserve(tb.in);
      if (lc.list_result) reserve(tb.out);
      called = lc.adapter;
      b.wiring.list_calls.push_back(std::move(lc));
    }
    b.wiring.app_links[{im.module, im.name}] = called;
    b.wiring.link_symbols.insert(called);
    b.report.links.push_back(std::string(kAppInstance) + " -> " + called);
    used.insert(inst->instance);
  }
  // Instances nothing imports do not reach the image.
  std::vector<DriverInstance> drivers;
  std::vector<DriverModule> modules;
  for (size_t k = 0; k < b.node.drivers.size(); ++k) {
    if (!used.count(b.node.drivers[k].instance)) {
      fprintf(stderr, "      instance '%s': nothing imports it; left out of the image\n",
              b.node.drivers[k].instance.c_str());
      continue;
    }
    drivers.push_back(b.node.drivers[k]);
    modules.push_back(std::move(b.modules[k]));
  }
  b.node.drivers = std::move(drivers);
  b.modules = std::move(modules);
  if (!b.node.console.empty() && !used.count(b.node.console)) b.node.console.clear();
  return {};
}

}  // namespace gust::compose
