// Stages "budget" and the report of `gust build`: an image over the chip's
// flash or SRAM is refused naming each component's share; an accepted one is
// described as a table and as JSON.
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "compose/stages.h"

namespace gust::compose {

nlohmann::json Report::json() const {
  nlohmann::json j;
  j["node"] = node;
  j["chip"] = chip;
  j["elf"] = elf.string();
  j["bin"] = bin.string();
  j["flash_bytes"] = flash_bytes;
  j["flash_budget"] = flash_budget;
  j["sram_bytes"] = sram_bytes;
  j["sram_budget"] = sram_budget;
  j["stack_bytes"] = stack_bytes;
  j["stack_path"] = stack_path;
  j["components"] = nlohmann::json::array();
  for (const auto& c : components)
    j["components"].push_back(
        {{"name", c.name}, {"kind", c.kind}, {"text", c.text}, {"data", c.data}, {"bss", c.bss}, {"stack", c.stack},
         {"flash", c.flash()}, {"sram", c.sram()}});
  j["tcb"] = {{"bytes", tcb_bytes}, {"imports", tcb_imports}, {"native", tcb_native}};
  j["links"] = links;
  j["fused"] = fused;
  if (!proofs.empty()) j["proofs"] = proofs;
  if (!audit.is_null()) j["audit"] = audit;
  return j;
}

std::string Report::table() const {
  std::ostringstream s;
  char line[160];
  s << "node " << node << " (" << chip << ")" << (fused ? ", fused: the app and its drivers in one object" : "")
    << "\n";
  snprintf(line, sizeof line, "  %-22s %-8s %7s %7s %7s %7s %7s %7s\n", "component", "kind", "text", "data", "bss",
           "stack", "flash", "sram");
  s << line;
  for (const auto& c : components) {
    snprintf(line, sizeof line,
             "  %-22s %-8s %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 "\n",
             c.name.c_str(), c.kind.c_str(), c.text, c.data, c.bss, c.stack, c.flash(), c.sram());
    s << line;
  }
  snprintf(line, sizeof line, "  worst-case stack %" PRIu64 " B:", stack_bytes);
  s << line;
  for (const auto& f : stack_path) s << " " << f;
  s << "\n";
  snprintf(line, sizeof line, "  flash %" PRIu64 " / %" PRIu64 " B, sram %" PRIu64 " / %" PRIu64 " B (%.1f%%)\n",
           flash_bytes, flash_budget, sram_bytes, sram_budget, 100.0 * double(sram_bytes) / double(sram_budget));
  s << line;
  s << "  TCB: " << tcb_bytes << " B of bridge; native:";
  for (const auto& n : tcb_native) s << " " << n;
  s << " (and the runtime helpers); imports of dissolved code:";
  for (const auto& i : tcb_imports) s << " " << i;
  if (!links.empty()) {
    s << "\n  links between instances (wired, audited):";
    for (const auto& l : links) s << " " << l;
  }
  if (!audit.is_null()) {
    s << "\n  audit: " << (audit.value("ok", false) ? "passed" : "refused") << ", checked:";
    for (const auto& p : audit["checked"]) s << " " << p["rule"].get<std::string>();
  }
  s << "\n  image: " << elf.string() << "\n";
  return s.str();
}

Result<void> budget(Build& b) {
  const Report& rep = b.report;
  if (rep.sram_bytes <= rep.sram_budget && rep.flash_bytes <= rep.flash_budget && !b.overflowed) {
    b.progress("write " + b.node.name + ".bin");
    b.bin = b.scratch / (b.node.name + ".bin");
    ToolRun r =
        run_tool({tool("GUST_ARM_OBJCOPY", "arm-none-eabi-objcopy"), "-O", "binary", b.elf.string(), b.bin.string()});
    if (r.status != 0) return b.tool_error("objcopy", r);
    return {};
  }
  std::ostringstream msg;
  const bool sram = rep.sram_bytes > rep.sram_budget || b.overflowed;
  msg << "image over budget: " << (sram ? "SRAM " : "flash ") << (sram ? rep.sram_bytes : rep.flash_bytes) << " B of "
      << (sram ? rep.sram_budget : rep.flash_budget) << " B, over by "
      << (sram ? rep.sram_bytes - rep.sram_budget : rep.flash_bytes - rep.flash_budget) << " B. Shares:";
  for (const auto& c : rep.components) {
    msg << "\n  " << c.name << " (" << c.kind << "): ";
    if (sram)
      msg << c.data + c.bss + c.stack << " B (data " << c.data << ", bss " << c.bss << ", stack " << c.stack << ")";
    else
      msg << c.text + c.data << " B";
  }
  return Error::make(Error::Kind::Limit, msg.str(), b.node.file.string());
}

}  // namespace gust::compose
