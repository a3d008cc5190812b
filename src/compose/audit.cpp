// Stage "audit" of gust build: the linked image's dissolved code checked from
// its instructions (src/audit/); any violation refuses the image.
#include "audit/audit.h"

#include <cstdio>

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
  // One fused object holds the app and every instance (fused.cpp).
  if (b.fused) {
    std::set<std::string> all(opts.expect.begin(), opts.expect.end());
    opts.fused.push_back(all);
  }
  auto rep = audit::audit_file(b.elf, opts);
  if (!rep) return rep.error();
  b.report.audit = rep->json();
  if (rep->ok()) return {};
  std::string why;
  for (const auto& v : rep->violations) why += "\n  " + v.str();
  // The image is a scratch file, gone after the build: name the node.
  return Error::make(Error::Kind::Input,
                     "the image fails the audit (" + b.elf.filename().string() + "); no image built:" + why,
                     b.node.file.string());
}

// gust audit bounds a store from its bounds check and the instance's data
// object; with read-only data in flash the region is split (below the
// read-only range in one SRAM array, above it at an offset), which it does
// not read yet, so it refuses a store through a pointer that may reach the
// region above the range. Until it does, such an image is built again with
// the read-only data in SRAM (the lever off for every instance), and says so.
Result<void> audit_with_fallback(Build& b) {
  auto first = audit(b);
  if (first || !b.read_only_split) return first;
  fprintf(stderr,
          "      read-only data kept in SRAM: gust audit does not yet read the stores of a region split around it\n");
  b.total_steps += 3;
  b.read_only_flash = false;
  if (auto r = dissolve_drivers(b); !r) return r;
  if (auto r = link(b); !r) return r;
  return audit(b);
}

}  // namespace gust::compose
