// `gust audit IMAGE.elf`: the dissolved code of a linked image checked from
// its instructions; exit 0 when every rule holds, 1 with each violation.
#include <iostream>

#include "audit/audit.h"
#include "cli/cli.h"

namespace gust::cli {

namespace {

struct AuditArgs {
  std::string image;
  bool json = false;
};

int run_audit(const AuditArgs& a) {
  auto rep = audit::audit_file(a.image);
  if (!rep) return report(rep.error());
  if (a.json) {
    std::cout << rep->json().dump(2) << "\n";
  } else {
    std::cout << rep->text();
    for (const auto& v : rep->violations) fprintf(stderr, "gust: %s: %s\n", a.image.c_str(), v.str().c_str());
  }
  return rep->ok() ? 0 : 1;
}

}  // namespace

void add_audit(CLI::App& app) {
  auto a = std::make_shared<AuditArgs>();
  CLI::App* c = app.add_subcommand(
      "audit",
      "Check a linked image's dissolved code from its instructions: branches and calls stay in the instance or go "
      "to its bridge, gust_trap or runtime helpers; indirect branches only in gust's call_indirect dispatch; no "
      "system instruction; stores only to the stack or the instance's own checked data. Exit 1 on any violation");
  c->add_option("image", a->image, "The linked firmware image (ELF), e.g. build/nodes/<node>/<node>.elf")->required();
  c->add_flag("--json", a->json, "Print the report as one JSON object");
  c->callback([a] { exit_status = run_audit(*a); });
}

}  // namespace gust::cli
