// Interrupt priorities: a manifest's [priorities] resolved against the chip,
// and the generated set-up that writes them, the one piece of the image that
// may (the stack oracle checks both, in stack.cpp, and models nesting by them).
#include <sstream>

#include "compose/stages.h"

namespace gust::compose {

namespace {

// ARM DDI0337 (Cortex-M3 TRM) 8.2: NVIC_IPR0-59, SHPR1-3, and AIRCR, whose
// PRIGROUP splits each priority into preemption level and subpriority.
struct Range {
  uint32_t begin, end;
  const char* name;
};
constexpr Range kPriorityRegisters[] = {
    {0xE000E400, 0xE000E4F0, "NVIC_IPR"},
    {0xE000ED18, 0xE000ED24, "SCB_SHPR"},
    {0xE000ED0C, 0xE000ED10, "SCB_AIRCR"},
};

}  // namespace

const char* priority_register(uint64_t addr, uint64_t n) {
  for (const Range& r : kPriorityRegisters)
    if (addr < r.end && addr + n > r.begin) return r.name;
  return nullptr;
}

Result<std::map<uint32_t, uint32_t>> priority_levels(const Node& node, const Chip& chip) {
  // A window over the priority registers would let a driver set them
  // through the bridge, where the oracle sees no constant address.
  for (const auto& d : node.drivers) {
    auto p = chip.peripherals.find(d.peripheral);
    if (d.seam != "thin" || p == chip.peripherals.end()) continue;
    if (const char* reg = priority_register(p->second.base, p->second.size))
      return Error::make(Error::Kind::Input,
                         "driver instance '" + d.instance + "': peripheral '" + d.peripheral + "' of chip " +
                             chip.name + " spans " + reg +
                             ", which sets interrupt priorities; no driver may be granted it",
                         node.file.string());
  }
  std::map<uint32_t, uint32_t> out;
  const uint32_t count = 1u << chip.priority_bits;
  for (const auto& d : node.priorities) {
    auto fail = [&](const std::string& msg) { return Error::make(Error::Kind::Input, msg, d.where); };
    if (d.level >= count)
      return fail("priority level " + std::to_string(d.level) + " of '" + d.key + "': chip " + chip.name +
                  " implements levels 0 to " + std::to_string(count - 1));
    std::vector<uint32_t> lines;
    if (auto p = chip.peripherals.find(d.key); p != chip.peripherals.end()) {
      if (p->second.irqs.empty()) return fail("peripheral '" + d.key + "' has no NVIC line to give a priority");
      lines = p->second.irqs;
    } else if (!d.key.empty() && d.key.find_first_not_of("0123456789") == std::string::npos && d.key.size() < 4) {
      const uint32_t line = uint32_t(std::stoul(d.key));
      if (line >= chip.irq_count)
        return fail("NVIC line " + d.key + ": chip " + chip.name + " has lines 0 to " +
                    std::to_string(chip.irq_count - 1));
      lines = {line};
    } else {
      return fail("'" + d.key + "' is neither a peripheral of chip " + chip.name + " nor an NVIC line number");
    }
    for (uint32_t line : lines) {
      if (auto it = out.find(line); it != out.end() && it->second != d.level)
        return fail("NVIC line " + std::to_string(line) + " is given two levels (" + std::to_string(it->second) +
                    " and " + std::to_string(d.level) + ")");
      out[line] = d.level;
    }
  }
  return out;
}

// One volatile byte store per line, so that the compiler keeps each as a
// constant STRB the oracle can read back; the level sits in the implemented
// top bits of the byte (ARM DDI0337 8.2.3).
std::string priority_setup_source(const std::map<uint32_t, uint32_t>& levels, const Chip& chip) {
  std::ostringstream s;
  s << "/* The interrupt priorities the manifest declares; the only code of the image that writes NVIC_IPR.\n"
    << " * boot calls it before anything else can enable a line. */\n"
    << "void " << kPrioritySetup << "(void) {\n";
  for (const auto& [line, level] : levels)
    s << "  *(volatile unsigned char*)" << hex32(0xE000E400u + line)
      << "u = " << ((level << (8 - chip.priority_bits)) & 0xFF) << "u; /* line " << line << ": level " << level
      << " */\n";
  s << "}\n";
  return s.str();
}

}  // namespace gust::compose
