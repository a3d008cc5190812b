// `gust build NODE.toml`: compose one firmware image and report its budget.
#include <unistd.h>

#include <iostream>

#include "cli/cli.h"
#include "compose/compose.h"

namespace gust::cli {

namespace fs = std::filesystem;

// Images go under the folder that holds the gust binary: build/nodes/<name>/.
fs::path default_out_root() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path() / "build" / "nodes";
  return exe.parent_path() / "nodes";
}

namespace {

struct BuildArgs {
  std::string manifest, out;
  bool json = false, prove = false, no_debug = false, fuse = false, separate = false;
  uint32_t unwind = 8;
};

int run_build(const BuildArgs& a) {
  auto node = compose::load_node(a.manifest);
  if (!node) return report(node.error());
  compose::BuildOptions opts;
  opts.out_root = a.out.empty() ? default_out_root() : fs::path(a.out);
  opts.prove = a.prove;
  opts.unwind = a.unwind;
  opts.debug = !a.no_debug;
  if (a.fuse) opts.fuse = true;
  if (a.separate) opts.fuse = false;
  auto rep = compose::build(*node, opts);
  if (!rep) return report(rep.error());
  if (a.json)
    std::cout << rep->json().dump(2) << "\n";
  else
    std::cout << rep->table();
  return 0;
}

}  // namespace

void add_build(CLI::App& app) {
  auto a = std::make_shared<BuildArgs>();
  CLI::App* c =
      app.add_subcommand("build", "Build a node's firmware image from its manifest and print the budget report");
  c->add_option("manifest", a->manifest, "The node manifest (TOML)")->required();
  c->add_option("--out", a->out, "Folder for images (default: build/nodes beside the gust binary)");
  c->add_flag("--json", a->json, "Print the report as one JSON object");
  c->add_flag("--prove", a->prove, "Run every driver's proof harnesses first; no image unless all succeed");
  c->add_option("--unwind", a->unwind, "Loop bound for --prove");
  c->add_flag("--no-debug", a->no_debug,
              "Leave the debug information out of the image (the DWARF of the drivers' C++ lines and of the native "
              "parts); the loaded bytes are the same");
  auto* fuse = c->add_flag("--fuse", a->fuse,
                           "Dissolve the wasm app and its drivers into one object, so that calls into the drivers "
                           "may inline (the manifest's fuse = true)");
  c->add_flag("--separate", a->separate, "Dissolve each instance on its own (the manifest's fuse = false)")
      ->excludes(fuse);
  c->callback([a] { exit_status = run_build(*a); });
}

}  // namespace gust::cli
