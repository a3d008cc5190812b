// gust audit: an independent check of a linked image's dissolved code, from
// its instructions alone (src/image/), trusting neither the dissolver nor LLVM.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image/elf.h"
#include "wasm/error.h"

namespace gust::audit {

namespace fs = std::filesystem;

// One dissolved instance as the audit found it in the image.
struct Instance {
  std::string name;  // the prefix of its symbols, without the '_'
  std::vector<std::string> functions;
  std::vector<std::string> bridge;  // its own bridge functions (<name>_gust_hal_*), by name
  // What was checked, counted.
  uint64_t instructions = 0, calls = 0, dispatches = 0, table_branches = 0, stores = 0;
  uint64_t unbounded_stores = 0;  // into its own data, by an offset the audit could not bound
};

// One broken rule: where, which instruction, which rule, and why.
struct Violation {
  std::string instance, function, rule;
  uint32_t addr = 0;
  std::string insn;  // the instruction as image::describe() prints it
  std::string detail;
  std::string str() const;
};

// The properties the audit checks, each by the name its violations carry.
struct Property {
  const char* rule;
  const char* what;
};
extern const Property kChecked[];
extern const size_t kCheckedCount;
// What it does not check (for the report and README).
extern const char* const kNotChecked[];
extern const size_t kNotCheckedCount;

struct Report {
  std::string image;
  std::vector<Instance> instances;
  std::vector<Violation> violations;
  bool ok() const { return violations.empty(); }
  nlohmann::json json() const;
  std::string text() const;
};

struct Options {
  // The instances the build made: the image may hold no other's dissolved code, and their
  // namespaces nothing but their dissolved code and their bridges. Empty: whatever the image's
  // symbols say (gust audit on its own).
  std::vector<std::string> expect;
  // The calls between instances that the build's wiring resolved: instance -> the symbols of other
  // instances' exports it may call (direct-call). Empty: what the image's kLinksSection records
  // (gust audit on its own), or none.
  std::map<std::string, std::set<std::string>> links;
  // Instances dissolved together into one object (fused dissolving), each set one object's. Empty:
  // what the image's kLinksSection records (its "gust_fused" lines), or none. In such an object every
  // function and data object belongs to the instance its symbol's prefix names, and a function of
  // instance I may also store into the data, and call the functions, of each instance J of its set
  // whose export I is wired to (links), since the optimiser may have inlined J's code into I's; no
  // other instance's, and nothing of this applies to an object not listed here.
  std::vector<std::set<std::string>> fused;
};

// The section, not loaded, in which gust build records the wiring for gust audit: one line
// "<instance> <symbol>" per call it resolved between instances, and one "gust_fused <instance>..." per
// set of instances dissolved into one object (kFusedLine; no instance name starts with gust).
inline constexpr const char* kLinksSection = ".gust_links";
inline constexpr const char* kFusedLine = "gust_fused";

// Audits a linked image. A Result error is an image the audit cannot read at all; a rule broken
// is a Violation in the report (the caller refuses the image unless report.ok()).
[[nodiscard]] Result<Report> audit(const image::Image& img, const Options& opts = {});
[[nodiscard]] Result<Report> audit_file(const fs::path& elf, const Options& opts = {});

}  // namespace gust::audit
