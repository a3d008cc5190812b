// `gust build`: one node manifest becomes one firmware image. build() runs
// the stages of stages.h in order; everything is built in a scratch folder
// and moved into place only when the image passes every check. A build that
// fails leaves the image built before untouched.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "compose/stages.h"

namespace gust::compose {

void Build::progress(const std::string& msg) { fprintf(stderr, "[%d/%d] %s\n", ++step, total_steps, msg.c_str()); }

Error Build::tool_error(const std::string& what, const ToolRun& r) const {
  Error e;
  e.kind = Error::Kind::Tool;
  e.message = what + " failed (exit " + std::to_string(r.status) + "):\n" + r.output;
  return e;
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Result<void> write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out.write(text.data(), std::streamsize(text.size()));
  if (!out) return Error::make(Error::Kind::Input, "cannot write the file", p.string());
  return {};
}

std::string hex32(uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%08" PRIX32, v);
  return buf;
}

// What the node grants must be what the bridge can serve, to one instance
// each: a peripheral the chip has, not granted twice (two instances would
// reach each other's registers, and two bridges would own one line), a UART
// seam only on a USART (its bridge writes USART registers), and no window in
// the core's system space (SysTick, NVIC, SCB: a driver that raised a core
// exception there would reach a vector no bridge serves).
// PA9 for pin 9 of gpioa; port.pin for a port not named gpio<letter>.
static std::string pin_name(const Peripheral::Pin& pin) {
  if (pin.port.size() == 5 && pin.port.rfind("gpio", 0) == 0)
    return std::string("P") + char(toupper(static_cast<unsigned char>(pin.port[4]))) + std::to_string(pin.pin);
  return pin.port + "." + std::to_string(pin.pin);
}

static Result<void> check_grants(const Node& node, const Chip& chip) {
  std::map<std::string, std::string> owner;
  for (const auto& d : node.drivers) {
    auto refuse = [&](const std::string& why) {
      return Error::make(Error::Kind::Input, "driver instance '" + d.instance + "': " + why, node.file.string());
    };
    auto p = chip.peripherals.find(d.peripheral);
    if (p == chip.peripherals.end()) {
      std::string names;
      for (const auto& [name, _] : chip.peripherals) names += (names.empty() ? "" : ", ") + name;
      return refuse("chip " + chip.name + " has no peripheral '" + d.peripheral + "' (it has " + names + ")");
    }
    if (auto [it, fresh] = owner.emplace(d.peripheral, d.instance); !fresh)
      return refuse(d.peripheral + " is already granted to instance '" + it->second +
                    "': a peripheral serves one instance");
    if (d.seam != "thin" && d.peripheral.rfind("usart", 0) != 0)
      return refuse("the " + d.seam + " seam's bridge drives a USART, and " + d.peripheral + " is not one");
    // A core peripheral is grantable only with its exception (SysTick), whose
    // vector the bridge then owns: the driver's handler, or a trap.
    if (p->second.base >= 0xE0000000u && p->second.exceptions.empty())
      return refuse(d.peripheral + " lies in the core's system space (" + hex32(p->second.base) +
                    "): core peripherals other than SysTick cannot be granted to a driver yet");
  }
  // A GPIO port is one window of every pin on it (CRL/CRH, ODR, BSRR, BRR):
  // an instance granted the port of pins that another granted peripheral
  // leaves on (USART1's PA9 and PA10 on gpioa) could reconfigure or drive
  // them under the other instance. Such a port is not granted.
  for (const auto& d : node.drivers)
    for (const auto& o : node.drivers) {
      if (&o == &d) continue;
      std::string held;
      for (const auto& pin : chip.peripherals.at(o.peripheral).pins)
        if (pin.port == d.peripheral) held += (held.empty() ? "" : ", ") + pin_name(pin);
      if (!held.empty())
        return Error::make(Error::Kind::Input,
                           "driver instance '" + d.instance + "': " + d.peripheral + " holds the pins of " +
                               o.peripheral + " (" + held + "), granted to instance '" + o.instance +
                               "': a port is granted only when no other instance's peripheral uses its pins",
                           node.file.string());
    }
  return {};
}

// The chip, the scratch folder, the step count.
Result<void> plan(Build& b) {
  auto chip = load_chip(b.root / "chips" / (b.node.chip + ".toml"));
  if (!chip) return chip.error();
  b.chip = *chip;
  if (auto granted = check_grants(b.node, b.chip); !granted) return granted.error();
  b.fw = b.root / "firmware" / "stm32f100";
  b.out = b.opts.out_root / b.node.name;
  b.scratch = b.opts.out_root / ("." + b.node.name + ".partial-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(b.scratch, ec);
  fs::create_directories(b.scratch, ec);
  if (ec) return Error::make(Error::Kind::Input, "cannot create the build folder: " + ec.message(), b.scratch.string());
  b.total_steps = int(b.node.drivers.size()) * (b.opts.prove ? 3 : 2) + 5 + (b.node.app_wasm ? 3 : 0);
  b.fused = b.node.app_wasm && b.opts.fuse.value_or(b.node.fuse);
  b.report.fused = b.fused;
  b.report.node = b.node.name;
  b.report.chip = b.chip.name;
  return {};
}

// The accepted image moves from the scratch folder into its place in one
// step: the folders are exchanged (renameat2), so that the old image stays
// whole until the new one is whole in its place, and the old one, now in the
// scratch folder, is removed.
Result<void> install(Build& b) {
  std::error_code ec;
  const bool replace = fs::exists(b.out, ec);
  int r = replace ? renameat2(AT_FDCWD, b.scratch.c_str(), AT_FDCWD, b.out.c_str(), RENAME_EXCHANGE)
                  : rename(b.scratch.c_str(), b.out.c_str());
  if (r != 0 && replace && (errno == EINVAL || errno == ENOSYS)) {
    // A file system without the exchange: the old image steps aside first
    // and goes only once the new one is in place.
    fs::path old = b.opts.out_root / ("." + b.node.name + ".previous-" + std::to_string(getpid()));
    fs::remove_all(old, ec);
    r = rename(b.out.c_str(), old.c_str());
    if (r == 0 && (r = rename(b.scratch.c_str(), b.out.c_str())) != 0) rename(old.c_str(), b.out.c_str());
    if (r == 0) fs::remove_all(old, ec);
  } else if (r == 0 && replace) {
    fs::remove_all(b.scratch, ec);
  }
  if (r != 0)
    return Error::make(Error::Kind::Input, "cannot move the image into " + b.out.string() + ": " + strerror(errno));
  b.report.elf = b.out / b.elf.filename();
  b.report.bin = b.out / b.bin.filename();
  return {};
}

Result<Report> build(const Node& node, const BuildOptions& opts) {
  Build b(node, opts);
  b.root = project_root(node.file.parent_path());
  using Stage = Result<void> (*)(Build&);
  for (Stage stage : {plan, build_drivers, wire, generate, compile_natives, dissolve_drivers, link, audit_with_fallback,
                      measure, stack, budget, install}) {
    if (auto r = stage(b); !r) {
      // Whatever fails removes the scratch folder; an image built before
      // stays as it was, byte for byte.
      std::error_code ec;
      if (!b.scratch.empty()) fs::remove_all(b.scratch, ec);
      return r.error();
    }
  }
  return b.report;
}

}  // namespace gust::compose
