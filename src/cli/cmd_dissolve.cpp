// `gust dissolve IN.wasm -o OUT.o`: decode, validate, lower and emit one module.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "wasm/module.h"
#include "wit/wit.h"

namespace gust::cli {

namespace {

struct DissolveArgs {
  std::string input, output, dump;
  dissolve::Options opts;
  uint64_t memory_bytes = 0;
  std::vector<std::string> exports;
  bool no_bounds = false, json = false, no_read_only_flash = false;
  std::string world, wit;  // --world: check the module against this WIT world first
};

// --world: the seam check of `gust build`, on one module, before it is
// dissolved. The default WIT is the project's own.
Result<void> check_world(const DissolveArgs& a, const wasm::Module& mod) {
  namespace fs = std::filesystem;
  const fs::path wit_file = !a.wit.empty()
                                ? fs::path(a.wit)
                                : compose::project_root(fs::path(a.input).parent_path()) / "wit" / "gust-hal.wit";
  auto pkg = wit::parse_file(wit_file);
  if (!pkg) return pkg.error();
  return wit::check_seam(mod, *pkg, a.world, wit_file.string(), a.input);
}

int run_dissolve(const DissolveArgs& a) {
  namespace fs = std::filesystem;
  if (const std::string why = dissolve::region_size_refusal(a.memory_bytes); a.memory_bytes && !why.empty())
    return report(Error::make(Error::Kind::Input, "--memory-bytes " + why));
  std::ifstream in(a.input, std::ios::binary);
  if (!in) return report(Error::make(Error::Kind::Input, "cannot read the input file", a.input));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto mod = wasm::decode(std::move(bytes));
  if (!mod) {
    Error e = mod.error();
    e.where = a.input;
    return report(e);
  }
  if (auto v = wasm::validate(*mod); !v) {
    Error e = v.error();
    e.where = a.input;
    return report(e);
  }
  if (!a.world.empty())
    if (auto c = check_world(a, *mod); !c) return report(c.error());
  dissolve::Options opts = a.opts;
  if (a.memory_bytes) opts.memory_bytes = a.memory_bytes;
  opts.bounds_checks = !a.no_bounds;
  opts.read_only_flash = !a.no_read_only_flash;
  opts.keep_exports.insert(a.exports.begin(), a.exports.end());
  auto out = dissolve::dissolve(*mod, opts);
  if (!out) {
    Error e = out.error();
    e.where = a.input;
    return report(e);
  }

  for (const auto& w : out->warnings) std::cerr << a.input << (w.rfind("warning", 0) == 0 ? ": " : ":") << w << "\n";
  if (auto w = compose::write_atomically(a.output, out->object.data(), out->object.size()); !w)
    return report(w.error());

  if (a.dump == "ir") std::cout << out->ir;
  if (a.dump == "obj") {
    auto r = compose::run_tool({compose::tool("GUST_ARM_OBJDUMP", "arm-none-eabi-objdump"), "-d", "-r", a.output});
    std::cout << r.output;
  }
  auto facts = compose::read_object(a.output);
  if (!facts) return report(facts.error());
  uint64_t text = 0, data = 0, bss = 0;
  for (const auto& [name, size] : facts->section_sizes) {
    if (name.rfind(".bss", 0) == 0)
      bss += size;
    else if (name.rfind(".data", 0) == 0)
      data += size;
    else
      text += size;
  }
  if (a.json) {
    nlohmann::json j = {{"input", a.input},
                        {"output", a.output},
                        {"text", text},
                        {"data", data},
                        {"bss", bss},
                        {"undefined", facts->undefined},
                        {"warnings", out->warnings},
                        {"exports", facts->defined_globals}};
    std::cout << j.dump(2) << "\n";
  } else if (a.dump.empty()) {
    std::cout << a.output << ": text " << text << " B, data " << data << " B, bss " << bss << " B; imports:";
    for (const auto& u : facts->undefined) std::cout << " " << u;
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

void add_dissolve(CLI::App& app) {
  auto a = std::make_shared<DissolveArgs>();
  CLI::App* c = app.add_subcommand("dissolve", "Dissolve a wasm module into a Thumb-2 ELF object (thumbv7m-none-eabi)");
  c->add_option("input", a->input, "The WebAssembly binary module")->required()->check(CLI::ExistingFile);
  c->add_option("-o,--output", a->output, "The ELF relocatable object to write")->required();
  c->add_option("--prefix", a->opts.prefix,
                "Instance prefix for every symbol: an instance name [a-z][a-z0-9]* and '_', e.g. usart2_ (not gust_)")
      ->check(CLI::Validator(
          [](const std::string& p) {
            return dissolve::valid_prefix(p) ? std::string() : "not an instance name and '_': " + p;
          },
          "PREFIX"));
  c->add_option("--memory-bytes", a->memory_bytes,
                "Size of the linear memory region (default: the module's minimum pages)");
  c->add_option("-O,--opt", a->opts.opt_level, "LLVM pipeline: Oz (default), Os, O2, O0");
  c->add_option("--export", a->exports, "Keep only these exports (repeatable); the others become internal");
  c->add_option("--bridge", a->opts.bridge_bitcode, "Inline this bridge (LLVM bitcode for thumbv7m) into the object")
      ->check(CLI::ExistingFile);
  c->add_flag("--linkable", a->opts.linkable,
              "Link memories and tables by symbol, so that instances can share them: an imported one is its "
              "import's symbol <sym> with <sym>__pages/__max_pages or <sym>__size/__capacity; an exported one "
              "is <prefix>gust_memory or <prefix>gust_table<N> with the same suffixes");
  c->add_flag("--no-bounds-checks", a->no_bounds, "Leave out memory bounds checks (unsafe: for measurement only)");
  c->add_flag(
      "--no-widen-checks", [a](int64_t) { a->opts.widen_checks = false; },
      "Keep every bounds check where the access is, instead of one check of the largest offset over a "
      "straight line of accesses from one base (for measurement)");
  c->add_flag(
      "--no-hoist-checks", [a](int64_t) { a->opts.hoist_checks = false; },
      "Keep a counted loop's bounds checks in the loop, instead of one check before it (for measurement)");
  c->add_flag(
      "--no-check-form", [a](int64_t) { a->opts.check_form = false; },
      "Leave each bounds check's compare in the form LLVM's IR pipeline gives it, instead of the negated "
      "compare against C + 1 when only that is an immediate (for measurement)");
  c->add_flag(
      "--no-predicated-loads", [a](int64_t) { a->opts.predicated_loads = false; },
      "Choose a load's place (flash or SRAM) with a select of the base before one load, instead of two "
      "loads predicated on the compare (for measurement)");
  c->add_flag("--no-read-only-flash", a->no_read_only_flash,
              "Copy the read-only data segments (.rodata) into the SRAM region with the rest, instead of leaving "
              "them in flash (for measurement)");
  c->add_flag("-g,--debug", a->opts.debug_info,
              "Carry the module's DWARF line table (clang -g) into the object's DWARF: every instruction its C++ "
              "file, line and column, every function its C++ name; the loadable code is the same");
  c->add_option("--dump", a->dump, "Also print the optimised IR (ir) or the disassembly (obj)")
      ->check(CLI::IsMember({"ir", "obj"}));
  c->add_flag("--json", a->json, "Print sizes and symbols as JSON");
  CLI::Option* world =
      c->add_option("--world", a->world,
                    "Refuse the module unless it fits this WIT world (e.g. driver-thin): every import a function the "
                    "world grants, of exactly the WIT's type; every export the world declares, of exactly its type");
  c->add_option("--wit", a->wit, "The WIT file for --world (default: the project's wit/gust-hal.wit)")
      ->check(CLI::ExistingFile)
      ->needs(world);
  c->callback([a] { exit_status = run_dissolve(*a); });
}

}  // namespace gust::cli
