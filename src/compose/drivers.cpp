// Stages "drivers" and "dissolve" of `gust build`: each driver instance's C++
// becomes wasm with its memory sized from its code, is decoded and validated,
// held to its seam's WIT world and proven (with --prove); once the native
// side is compiled, it is dissolved into a Thumb-2 object that keeps only the
// exports the native side calls.
#include <cstdio>
#include <map>
#include <set>

#include "base/ctext.h"
#include "compose/stages.h"
#include "dissolve/dissolve.h"
#include "prove/prove.h"
#include "wasm/module.h"
#include "wit/wit.h"

namespace gust::compose {

namespace {

Error located(Error e, const fs::path& file) {
  e.where = file.string();
  return e;
}

uint64_t region_bytes(const DriverInstance& d, const wasm::Module& mod);

// A driver's source is C++ (clang-19), its memory sized from its code; a
// .wat (wat2wasm) or .wasm source lets a test put a hand-written module in a
// node, build flags aside, its region its data and `wasm_stack`.
Result<void> source_to_wasm(Build& b, const DriverInstance& d, DriverModule& dm) {
  const fs::path& wasm_file = dm.wasm_file;
  const std::string ext = d.source.extension().string();
  const std::string step = "compile " + d.source.filename().string() + " -> " + wasm_file.filename().string();
  if (ext == ".wasm") {
    b.progress(step + " (as is)");
    std::error_code ec;
    fs::copy_file(d.source, wasm_file, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error::make(Error::Kind::Input, "cannot copy the driver module: " + ec.message(), d.source.string());
    return {};
  }
  if (ext == ".wat") {
    b.progress(step + " (wat2wasm)");
    ToolRun r = run_tool({tool("GUST_WAT2WASM", "wat2wasm"), d.source.string(), "-o", wasm_file.string()});
    if (r.status != 0) return b.tool_error("wat2wasm (" + d.source.filename().string() + ")", r);
    return {};
  }
  b.progress(step + " (clang-19 --target=wasm32)");
  std::vector<std::string> flags = b.node.flags.clang_args();
  for (const auto& f : d.flags.clang_args()) flags.push_back(f);
  auto sized = compile_sized_driver(d.source, wasm_file, b.scratch, flags, d.wasm_stack, d.memory, b.opts.debug);
  if (!sized) {
    Error e = sized.error();
    e.message = (b.node.app_wasm && d.instance == kAppInstance ? "the app" : "driver instance '" + d.instance + "'") +
                ": " + e.message;
    return e;
  }
  dm.region = sized->region;
  dm.stack = sized->stack;
  dm.has_ctors = sized->has_ctors;
  dm.functions = sized->functions;
  dm.source_map = sized->source_map;
  fprintf(stderr, "      shadow stack %u B (worst case %u B%s), data + bss %u B, region %llu B\n", sized->stack,
          sized->depth, sized->deepest.empty() ? "" : (": " + sized->deepest).c_str(), sized->data_end - sized->stack,
          (unsigned long long)sized->region);
  return {};
}

Result<wasm::Module> compile_to_module(Build& b, const DriverInstance& d, DriverModule& dm) {
  const fs::path& wasm_file = dm.wasm_file;
  if (auto r = source_to_wasm(b, d, dm); !r) return r.error();
  // Errors name the driver's source (the module is a scratch file, gone
  // after the build) and a function by its name where the module has one.
  auto mod = wasm::decode(read_bytes(wasm_file));
  if (!mod) return located(mod.error(), d.source);
  auto named = [&](uint32_t f) {
    const auto names = function_names(*mod);
    auto it = names.find(f);
    return it != names.end() ? it->second : "function " + std::to_string(f);
  };
  if (auto v = wasm::validate(*mod); !v) {
    Error e = located(v.error(), d.source);
    if (e.func) e.message = "in " + named(*e.func) + ": " + e.message;
    return e;
  }
  // The firmware runs no start function at boot, so a module that needs one
  // would run uninitialised; the prover says ERROR for it too.
  if (mod->start)
    return located(Error::make(Error::Kind::Unsupported,
                               "the module has a start function (" + named(*mod->start) +
                                   "), which gust does not run at boot: initialise from an export the app calls"),
                   d.source);
  return mod;
}

// The seam check: the node grants an instance the world its manifest names
// (`world`, or thin -> driver-thin, ...), and nothing else reaches the
// bridge; that world's seam interfaces are those its seam's bridge serves.
Result<void> check_instance(Build& b, const DriverInstance& d, const wasm::Module& mod,
                            const std::vector<std::string>& dm_functions) {
  const fs::path wit_file = b.root / "wit" / "gust-hal.wit";
  auto pkg = wit::parse_file(wit_file);
  if (!pkg) return pkg.error();
  auto refuse = [&](const std::string& why) {
    return Error::make(Error::Kind::Input, "driver instance '" + d.instance + "' (" + d.source.string() + "): " + why,
                       b.node.file.string());
  };
  const wit::World* w = pkg->world(d.world);
  if (!w) {
    Error e = wit::check_seam(mod, *pkg, d.world, wit_file.string(), d.source.string()).error();  // says what there is
    return refuse(e.message);
  }
  static const std::map<std::string, std::set<std::string>> served = {
      {"thin", {"mmio", "irq"}}, {"mid", {"uart-byte"}}, {"fat", {"uart-block"}}};
  for (const auto& iface : w->imports)
    if (!served.at(d.seam).count(iface))
      return refuse("world " + d.world + " imports " + pkg->name + "/" + iface + ", which the " + d.seam +
                    " seam's bridge does not serve");
  for (const auto& l : w->links)
    if (l.iface.package == pkg->name)
      return refuse("world " + d.world + " imports " + l.module() + ", which the " + d.seam +
                    " seam's bridge does not serve");
  // The irq interface (the bridge's latch: poll, enable) serves the
  // peripheral's NVIC lines; one with none (SysTick) leaves nothing to poll or
  // enable, and its exception is served by a handler export.
  if (const Peripheral& p = b.chip.peripherals.at(d.peripheral); d.seam == "thin" && p.irqs.empty())
    for (const auto& im : mod.imports)
      if (im.module == pkg->name + "/irq")
        return refuse("imports " + im.module + " \"" + im.name + "\", but " + d.peripheral +
                      " grants no interrupt line: a driver on it uses mmio only" +
                      (p.exceptions.empty() ? "" : " (its exception is served by irq_handler_0)"));
  auto vs = wit::seam_violations(mod, *pkg, *w, wit_file.string());
  if (!vs) return vs.error();
  if (vs->empty()) return {};
  return refuse(seam_message(mod, *vs, *pkg, *w, wit_file.string(), dm_functions));
}

// --prove: the instance's harnesses against the module that ships.
Result<void> prove_instance(Build& b, const DriverInstance& d, const DriverModule& dm) {
  const wasm::Module& mod = dm.module;
  b.progress("prove " + d.instance + " (" + d.proofs.filename().string() + ", Z3)");
  if (d.proofs.empty())
    return Error::make(Error::Kind::Input, "--prove: driver instance '" + d.instance + "' has no proofs",
                       b.node.file.string());
  const fs::path proofs_wasm = b.scratch / (d.instance + ".proofs.wasm");
  // The harnesses' own shadow stack (their models and byte arrays live
  // there); the harness module is the prover's, never the image's.
  constexpr uint32_t kHarnessStack = 4096;
  if (auto r = compile_driver(d.proofs, proofs_wasm, kHarnessStack,
                              {"-Wl,--allow-undefined", "-I", d.source.parent_path().string()});
      !r)
    return r;
  auto pm = wasm::decode(read_bytes(proofs_wasm));
  if (!pm) return located(pm.error(), d.proofs);
  // The proof's environment is the image's: this instance's window, lines
  // and memory region, and the seam of its world.
  auto wit = wit::parse_file(b.root / "wit" / "gust-hal.wit");
  if (!wit) return wit.error();
  const Peripheral& p = b.chip.peripherals.at(d.peripheral);
  prove::Options po;
  po.unwind = b.opts.unwind;
  po.env.wit = std::move(*wit);
  po.env.wit_file = (b.root / "wit" / "gust-hal.wit").string();
  po.env.world = d.world;
  po.env.grants = {p.size, uint32_t(p.irqs.size())};
  po.env.memory_bytes = dm.region;
  po.env.origin = "node " + b.node.file.filename().string() + ", instance " + d.instance;
  auto verdicts = prove::prove(*pm, &mod, po);
  bool all = !verdicts.empty();
  std::string why;
  for (const auto& v : verdicts) {
    fprintf(stderr, "      %s\n", v.text().substr(0, v.text().find('\n')).c_str());
    all = all && v.status == prove::Verdict::Successful;
    if (v.status != prove::Verdict::Successful) why += v.text();
    b.report.proofs.push_back({{"driver", d.instance},
                               {"harness", v.harness},
                               {"status", prove::status_name(v.status)},
                               {"seconds", v.seconds}});
  }
  if (!all)
    return Error::make(
        Error::Kind::Input,
        "--prove: driver instance '" + d.instance + "' does not pass its proofs; no image built:\n" + why,
        b.node.file.string());
  return {};
}

// A hand-written module's region holds its data segments and `wasm_stack`
// unless the manifest sizes it (a C++ driver's is sized from its code).
uint64_t region_bytes(const DriverInstance& d, const wasm::Module& mod) {
  if (d.memory) return *d.memory;
  uint64_t data_end = 0;
  for (const auto& seg : mod.datas)
    if (seg.offset.op == wasm::Op::I32Const)
      data_end = std::max<uint64_t>(data_end, uint32_t(seg.offset.value) + seg.bytes.size());
  return (std::max<uint64_t>(data_end, d.wasm_stack.value_or(0)) + 7) & ~uint64_t(7);
}

}  // namespace

dissolve::Options instance_options(Build& b, const DriverInstance& d, const DriverModule& dm, bool is_app) {
  const wasm::Module& mod = dm.module;
  dissolve::Options dopts;
  dopts.prefix = d.instance + "_";
  // Per-node export pruning: a module keeps only the exports that the native
  // side or the wasm app calls; the rest become internal, to be inlined or
  // dropped.
  for (const auto& e : mod.exports)
    if (e.kind == wasm::ExternKind::Func && b.native_calls.count(dissolve::export_symbol(e.name, dopts.prefix)))
      dopts.keep_exports.insert(e.name);
  if (dopts.keep_exports.empty()) dopts.keep_exports.insert("");  // nothing called: keep no export
  if (is_app) dopts.import_links = b.wiring.app_links;
  dopts.memory_bytes = dm.region;
  // Check widening on: gust audit proves each widened check's stores from the compare of the
  // base (the same value, through copies and constant offsets, on every path). Hoisting off: the
  // audit's induction variables do not reach a hoisted check's bound (the base plus the trip count,
  // a sum of two registers), so a store left in such a loop would be counted as unbounded, not
  // proven; see README "gust audit".
  dopts.widen_checks = true;
  // A wiring adapter addresses a list callee's region as one array.
  dopts.read_only_flash = b.read_only_flash && !b.wiring.buffers.count(d.instance);
  if (!dissolve::read_only_data(mod, dopts).empty()) b.read_only_split = true;
  dopts.debug_info = b.opts.debug;
  if (dopts.debug_info && !dm.source_map.empty()) {
    dopts.source_map = read_text(dm.source_map);
    dopts.source_map_where = d.source.string();
  }
  dopts.hoist_checks = false;
  return dopts;
}

namespace {

Result<void> dissolve_instance(Build& b, const DriverInstance& d, const DriverModule& dm, bool is_app = false) {
  const wasm::Module& mod = dm.module;
  const fs::path& wasm_file = dm.wasm_file;
  const fs::path obj = b.scratch / (d.instance + ".o");
  b.progress("dissolve " + wasm_file.filename().string() + " -> " + obj.filename().string() + " (prefix " + d.instance +
             "_)");
  const dissolve::Options dopts = instance_options(b, d, dm, is_app);
  auto dis = dissolve::dissolve(mod, dopts);
  if (!dis) return located(dis.error(), d.source);
  if (auto r = write_atomically(obj, dis->object.data(), dis->object.size()); !r) return r;
  auto facts = read_object(obj);
  if (!facts) return facts.error();
  // The app's calls into the instances decide which of their exports survive;
  // they are links between instances, not imports of the trusted bridge.
  for (const auto& u : facts->undefined) {
    if (is_app) b.native_calls.insert(u);
    if (!b.wiring.link_symbols.count(u)) b.imports.insert(u);
  }
  b.objects.push_back(
      {obj, is_app ? std::string(kAppInstance) : d.source.parent_path().filename().string() + "@" + d.instance,
       "wasm"});
  return {};
}

}  // namespace

// The wasm app as an instance of its own: prefix app_, the node's build flags.
DriverInstance app_instance(const Node& n) {
  DriverInstance d;
  d.instance = kAppInstance;
  d.source = n.app;
  d.flags.cxxflags.push_back("-DGUST_BANNER=" + base::c_string_literal(n.banner));
  return d;
}

Result<void> build_drivers(Build& b) {
  for (const auto& d : b.node.drivers) {
    DriverModule dm;
    dm.wasm_file = b.scratch / (d.instance + ".wasm");
    auto mod = compile_to_module(b, d, dm);
    if (!mod) return mod.error();
    dm.module = std::move(*mod);
    if (d.source.extension() == ".wat" || d.source.extension() == ".wasm") dm.region = region_bytes(d, dm.module);
    if (auto r = check_instance(b, d, dm.module, dm.functions); !r) return r;
    auto handlers = irq_handlers(b.node, d, b.chip.peripherals.at(d.peripheral), dm.module);
    if (!handlers) return handlers.error();
    dm.wasm_handlers = std::move(*handlers);
    if (b.opts.prove)
      if (auto r = prove_instance(b, d, dm); !r) return r;
    b.modules.push_back(std::move(dm));
  }
  if (b.node.app_wasm) {
    // The app is compiled like a driver; the wire stage holds it to its world.
    const DriverInstance d = app_instance(b.node);
    DriverModule dm;
    dm.wasm_file = b.scratch / (d.instance + ".wasm");
    auto mod = compile_to_module(b, d, dm);
    if (!mod) return mod.error();
    dm.module = std::move(*mod);
    if (d.source.extension() == ".wat" || d.source.extension() == ".wasm") dm.region = region_bytes(d, dm.module);
    b.app = std::move(dm);
  }
  return {};
}

Result<void> dissolve_drivers(Build& b) {
  // Again (audit_with_fallback): the instances' objects of the first time go.
  std::erase_if(b.objects, [](const LinkedObject& o) { return o.kind == "wasm"; });
  b.imports.clear();
  b.read_only_split = false;
  if (b.fused) return dissolve_fused_node(b);
  // The app first: what it calls decides what each instance keeps.
  if (b.app)
    if (auto r = dissolve_instance(b, app_instance(b.node), *b.app, true); !r) return r;
  for (size_t i = 0; i < b.node.drivers.size(); ++i)
    if (auto r = dissolve_instance(b, b.node.drivers[i], b.modules[i]); !r) return r;
  return {};
}

}  // namespace gust::compose
