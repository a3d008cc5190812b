// `gust prove MODULE.wasm`: run the module's proof harnesses (exports named
// gust_proof_*) symbolically, against the driver module that ships.
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "prove/prove.h"

namespace gust::cli {

namespace {

struct ProveArgs {
  std::string module, driver;
  std::vector<std::string> harnesses;
  uint32_t unwind = 8;
  bool json = false;
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
  c->add_option("--unwind", a->unwind, "Loop iterations explored per path; a path that needs more is INCONCLUSIVE")
      ->check(CLI::Range(1u, 100000u));
  c->add_flag("--json", a->json, "Print the verdicts as JSON");
  c->callback([a] { exit_status = run_prove(*a); });
}

}  // namespace gust::cli
