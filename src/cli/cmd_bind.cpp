// `gust bind WIT --world NAME --side guest|host -o FILE.h`: headers from WIT.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "compose/compose.h"
#include "wit/wit.h"

namespace gust::cli {

namespace {

struct BindArgs {
  std::string wit, world, side = "guest", output;
};

int run_bind(const BindArgs& a) {
  auto pkg = wit::parse_file(a.wit);
  if (!pkg) return report(pkg.error());
  auto text = wit::bind(*pkg, a.world, a.side == "host", a.wit);
  if (!text) return report(text.error());
  if (a.output.empty() || a.output == "-") {
    std::cout << *text;
    return 0;
  }
  if (auto w = compose::write_atomically(a.output, text->data(), text->size()); !w) return report(w.error());
  return 0;
}

}  // namespace

void add_bind(CLI::App& app) {
  auto a = std::make_shared<BindArgs>();
  CLI::App* c =
      app.add_subcommand("bind", "Generate the C/C++ header of a WIT world: guest (driver) or host (bridge) side");
  c->add_option("wit", a->wit, "The WIT file")->required()->check(CLI::ExistingFile);
  c->add_option("--world", a->world, "The world to bind")->required();
  c->add_option("--side", a->side, "guest: the driver's imports and exports; host: the bridge's prototypes")
      ->check(CLI::IsMember({"guest", "host"}));
  c->add_option("-o,--output", a->output, "The header to write (default: standard output)");
  c->callback([a] { exit_status = run_bind(*a); });
}

}  // namespace gust::cli
