// `gust spec FILE.wast...`: run the WebAssembly core test suite on the
// emulated Cortex-M3.
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "compose/compose.h"
#include "spec/runner.h"

namespace gust::cli {

namespace {

struct SpecArgs {
  std::vector<std::string> files;
  std::string skips, work;
  bool verbose = false, keep = false, json = false;
};

int run_spec(const SpecArgs& a) {
  namespace fs = std::filesystem;
  spec::Options o;
  o.verbose = a.verbose && !a.json;
  o.quiet = a.json;
  fs::path skip_file =
      a.skips.empty() ? compose::project_root(fs::current_path()) / "spec" / "skips.txt" : fs::path(a.skips);
  if (fs::exists(skip_file)) o.skips = spec::read_skips(skip_file);
  o.work_dir =
      a.work.empty() ? fs::temp_directory_path() / ("gust-spec-" + std::to_string(getpid())) : fs::path(a.work);
  fs::create_directories(o.work_dir);
  spec::Totals total;
  for (size_t i = 0; i < a.files.size(); ++i) {
    fprintf(stderr, "[%zu/%zu] %s\n", i + 1, a.files.size(), fs::path(a.files[i]).filename().c_str());
    spec::Totals t = spec::run_file(a.files[i], o, std::cout);
    std::cout.flush();
    total.add(t);
  }
  if (!a.keep && a.work.empty()) fs::remove_all(o.work_dir);
  if (a.json) {
    nlohmann::json j = {
        {"passed", total.passed}, {"failed", total.failed}, {"skipped", total.skipped}, {"failures", total.failures}};
    for (const auto& [kind, pf] : total.by_kind) j["by_command"][kind] = {{"passed", pf.first}, {"failed", pf.second}};
    std::cout << j.dump(2) << "\n";
    return total.failed ? 1 : 0;
  }
  for (const auto& [kind, pf] : total.by_kind)
    std::cout << "  " << kind << ": " << pf.first << " passed, " << pf.second << " failed\n";
  std::cout << total.passed << " passed, " << total.failed << " failed, " << total.skipped << " skipped\n";
  return total.failed ? 1 : 0;
}

}  // namespace

void add_spec(CLI::App& app) {
  auto a = std::make_shared<SpecArgs>();
  CLI::App* c = app.add_subcommand(
      "spec", "Run WebAssembly spec tests (.wast) dissolved for and executed on an emulated Cortex-M3");
  c->add_option("files", a->files, "The .wast files")->required()->check(CLI::ExistingFile);
  c->add_flag("-v,--verbose", a->verbose, "Show why each invalid or malformed module was rejected, and the skips");
  c->add_option("--skips", a->skips, "Skip list (default: spec/skips.txt in the project)");
  c->add_option("--work", a->work, "Folder for the converted and linked files (kept)");
  c->add_flag("--json", a->json, "Print the counts and the failures as one JSON object");
  c->callback([a] { exit_status = run_spec(*a); });
}

}  // namespace gust::cli
