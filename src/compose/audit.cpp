// Stage "audit" of gust build: the linked image's dissolved code checked from
// its instructions (src/audit/); any violation refuses the image.
#include "audit/audit.h"

#include "compose/stages.h"

namespace gust::compose {

Result<void> audit(Build& b) {
  b.progress("audit " + b.elf.filename().string() + " (decode every dissolved instruction)");
  audit::Options opts;
  for (const auto& d : b.node.drivers) opts.expect.push_back(d.instance);
  if (b.app) {
    opts.expect.push_back(kAppInstance);
    opts.links[kAppInstance] = b.wiring.link_symbols;
  }
  auto rep = audit::audit_file(b.elf, opts);
  if (!rep) return rep.error();
  b.report.audit = rep->json();
  if (rep->ok()) return {};
  std::string why;
  for (const auto& v : rep->violations) why += "\n  " + v.str();
  return Error::make(Error::Kind::Input, "the image fails the audit; no image built:" + why, b.elf.string());
}

}  // namespace gust::compose
