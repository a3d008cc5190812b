// `gust prove MODULE.wasm`: run the module's proof harnesses (exports named
// gust_proof_*) symbolically, against the driver module that ships, in the
// environment the options give (no node: the stated defaults).
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "compose/compose.h"
#include "prove/prove.h"
#include "wit/wit.h"

namespace gust::cli {

namespace {

struct ProveArgs {
  std::string module, driver;
  std::vector<std::string> harnesses;
  uint32_t unwind = 8;
  uint32_t solver_timeout_ms = 0;
  uint64_t max_paths = 0;
  bool json = false;
  std::string wit, world = "driver-thin";
  std::optional<uint32_t> window, lines;
  std::optional<uint64_t> memory_bytes;
};

Result<wasm::Module> read_module(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(Error::Kind::Input, "cannot read the module", path);
  auto m = wasm::decode({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
  if (!m) {
    Error e = m.error();
    e.where = path;
    return e;
  }
  if (auto v = wasm::validate(*m); !v) {
    Error e = v.error();
    e.where = path;
    return e;
  }
  return m;
}

int run_prove(const ProveArgs& a) {
  auto harness = read_module(a.module);
  if (!harness) return report(harness.error());
  std::optional<wasm::Module> driver;
  if (!a.driver.empty()) {
    auto d = read_module(a.driver);
    if (!d) return report(d.error());
    driver = std::move(*d);
  }
  prove::Options o;
  o.unwind = a.unwind;
  o.harnesses = a.harnesses;
  o.solver_timeout_ms = a.solver_timeout_ms;
  o.max_paths = a.max_paths;
  // The facts a node would give; each one not given is a stated default.
  namespace fs = std::filesystem;
  const fs::path wit_file = !a.wit.empty()
                                ? fs::path(a.wit)
                                : compose::project_root(fs::path(a.module).parent_path()) / "wit" / "gust-hal.wit";
  auto pkg = wit::parse_file(wit_file);
  if (!pkg) return report(pkg.error());
  o.env.wit = std::move(*pkg);
  o.env.wit_file = wit_file.string();
  o.env.world = a.world;
  o.env.origin = "command line";
  if (a.window)
    o.env.grants.window_bytes = *a.window;
  else
    o.env.defaulted.push_back("window");
  if (a.lines)
    o.env.grants.irq_lines = *a.lines;
  else
    o.env.defaulted.push_back("lines");
  if (a.memory_bytes)
    o.env.memory_bytes = *a.memory_bytes;
  else
    o.env.defaulted.push_back("memory");
  auto verdicts = prove::prove(*harness, driver ? &*driver : &*harness, o);
  if (verdicts.empty())
    return report(Error::make(Error::Kind::Input, "no harness to run (exports named gust_proof_*)", a.module));
  bool all_ok = true;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& v : verdicts) {
    all_ok = all_ok && v.status == prove::Verdict::Successful;
    if (a.json)
      j.push_back(v.json());
    else
      std::cout << v.text();
  }
  if (a.json) std::cout << nlohmann::json{{"module", a.module}, {"driver", a.driver}, {"harnesses", j}}.dump(2) << "\n";
  return all_ok ? 0 : 1;
}

}  // namespace

void add_prove(CLI::App& app) {
  auto a = std::make_shared<ProveArgs>();
  CLI::App* c =
      app.add_subcommand("prove", "Prove a driver's properties with Z3: symbolic execution of its proof harnesses");
  c->add_option("module", a->module, "The wasm module holding the harnesses (exports named gust_proof_*)")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--driver", a->driver,
                "The driver module that ships; the harnesses' imports of module \"driver\" resolve to its exports")
      ->check(CLI::ExistingFile);
  c->add_option("--harness", a->harnesses,
                "Run only this harness (repeatable; with or without the gust_proof_ prefix)");
  c->add_option("--unwind", a->unwind,
                "Loop iterations, and nested calls of one function, explored per path; a path that needs more is "
                "INCONCLUSIVE")
      ->check(CLI::Range(1u, 100000u));
  c->add_option("--window", a->window,
                "The driver's mmio window in bytes, as its node grants it (default 1024, stated in the verdict)")
      ->check(CLI::Range(4u, 0x80000000u));
  c->add_option("--lines", a->lines, "The irq lines its node grants (default 1, stated in the verdict)");
  c->add_option("--memory-bytes", a->memory_bytes,
                "The driver's linear memory region as gust dissolve --memory-bytes places it (default: the module's "
                "declared minimum, stated in the verdict)");
  c->add_option("--wit", a->wit, "The seam's WIT file (default: the project's wit/gust-hal.wit)")
      ->check(CLI::ExistingFile);
  c->add_option("--world", a->world, "The WIT world whose interfaces the node grants (default driver-thin)");
  c->add_option("--solver-timeout", a->solver_timeout_ms,
                "Milliseconds per solver check; an unanswered check makes the verdict INCONCLUSIVE (default: none)");
  c->add_option("--max-paths", a->max_paths,
                "Paths explored per harness; a harness with more is INCONCLUSIVE (default: no limit)");
  c->add_flag("--json", a->json, "Print the verdicts as JSON");
  c->callback([a] { exit_status = run_prove(*a); });
}

}  // namespace gust::cli
