// bench/fuse: fused against separate dissolving (README "Fused dissolving").
// Builds each node twice, its app and drivers dissolved each on its own
// (--separate) and into one object (--fuse), and prints side by side the
// build report's flash, SRAM and worst-case stack, the dissolved code's
// bytes, and the instructions the emulated Cortex-M3 runs for the app's
// first line on the console: from the entry that prints the banner (the
// app's global constructors, app__initialize, else app_run) to the write of
// its '\n' to USART1's DR, the console's uart_init included; per byte
// printed, that is the cost of one console.uart-tx-byte call and the app's
// loop around it; and for the echo app, the instructions of one byte
// received and echoed. Instruction counts are deterministic.
// usage: fuse [--out DIR] [NODE.toml ...]   (default: the echo-app, relay and gateway nodes)
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "compose/compose.h"
#include "emu/cortexm.h"

namespace fs = std::filesystem;
using namespace gust;

namespace {

constexpr uint32_t kPeripherals = 0x40000000, kWindow = 0x21000;  // APB1 and APB2, up to RCC (mapped as RAM)
constexpr uint32_t kUsart1 = 0x40013800 - kPeripherals, kUsart2 = 0x40004400 - kPeripherals;
constexpr uint32_t kSrTxeTc = 0xC0, kSrRxne = 0x20;

struct Figures {
  uint64_t flash = 0, sram = 0, stack = 0, dissolved_text = 0;
  uint64_t instructions = 0, bytes = 0;
  std::string entry;
  std::optional<uint64_t> echo;  // instructions per echoed byte, for an app that echoes (f100-echo-app)
};

// The image on a fresh core, each instance's global constructors run as
// boot runs them; then `entry`, counted, until USART1 has sent `lines` '\n'
// and, with `echo`, the byte echo_byte after them (USART1 holding it
// received from the start, its interrupt latched). The instructions and the
// bytes sent.
struct Run {
  uint64_t instructions = 0, bytes = 0;
};
constexpr uint8_t kEchoByte = 'Q';
Result<Run> run_until(const compose::Node& node, const fs::path& elf, const std::string& entry, int lines, bool echo) {
  emu::CortexM* cpu = nullptr;
  Run run;
  int seen = 0;
  bool pending = echo, done = false;
  auto read = [&](uint32_t off) -> uint32_t {
    if (off == kUsart1) return kSrTxeTc | (pending ? kSrRxne : 0);
    if (off == kUsart1 + 4 && pending) {
      pending = false;
      return kEchoByte;
    }
    return off == kUsart2 ? kSrTxeTc : 0;
  };
  auto write = [&](uint32_t off, uint32_t v) {
    if (off != kUsart1 + 4 || done) return;
    ++run.bytes;
    if (seen < lines) {
      if ((v & 0xFF) == '\n' && ++seen == lines && !echo) done = true;
    } else if (echo && (v & 0xFF) == kEchoByte) {
      done = true;
    }
    if (done) cpu->raise_fault("stop");
  };
  auto loaded = emu::CortexM::load_image(elf, kPeripherals, kWindow, read, write);
  if (!loaded) return loaded.error();
  cpu = loaded->get();
  for (const auto& d : node.drivers)
    if (cpu->has(d.instance + "__initialize"))
      if (auto r = cpu->call(d.instance + "__initialize", {}); !r.ok)
        return Error::make(Error::Kind::Tool, d.instance + "__initialize: " + (r.trapped ? "trap" : r.fault));
  if (echo) {
    const uint8_t one = 1;
    if (!cpu->has("console_irq_latch") || !cpu->write(cpu->address("console_irq_latch"), &one, 1))
      return Error::make(Error::Kind::Tool, "no console_irq_latch to latch the receive interrupt in");
  }
  cpu->count_instructions(true);
  auto r = cpu->call(entry, {});
  cpu->count_instructions(false);
  if (!done)
    return Error::make(Error::Kind::Tool, entry + " stopped before the end of what it should send (" +
                                              (r.ok ? "returned" : r.trapped ? "trapped" : r.fault) + ")");
  run.instructions = r.instructions;
  return run;
}

Result<Figures> measure(const compose::Node& node, bool fused, const fs::path& out) {
  compose::BuildOptions bo;
  bo.out_root = out / (fused ? "fused" : "separate");
  bo.fuse = fused;
  auto rep = compose::build(node, bo);
  if (!rep) return rep.error();
  if (rep->fused != fused) return Error::make(Error::Kind::Tool, "the build did not take --fuse/--separate");
  Figures f;
  f.flash = rep->flash_bytes;
  f.sram = rep->sram_bytes;
  f.stack = rep->stack_bytes;
  for (const auto& c : rep->components)
    if (c.kind == "wasm") f.dissolved_text += c.text;
  {
    auto probe = emu::CortexM::load_image(rep->elf, kPeripherals, kWindow, [](uint32_t) { return 0u; }, [](uint32_t, uint32_t) {});
    if (!probe) return probe.error();
    f.entry = (*probe)->has("app__initialize") ? "app__initialize" : "app_run";
  }
  auto banner = run_until(node, rep->elf, f.entry, 1, false);
  if (!banner) return banner.error();
  f.instructions = banner->instructions;
  f.bytes = banner->bytes;
  // The echo app: run() prints its ready line, then echoes; the difference
  // of the two counts is one byte echoed (poll, uart_rx, uart_tx_byte).
  if (node.name == "f100-echo-app") {
    auto ready = run_until(node, rep->elf, "app_run", 1, false);
    if (!ready) return ready.error();
    auto echoed = run_until(node, rep->elf, "app_run", 1, true);
    if (!echoed) return echoed.error();
    f.echo = echoed->instructions - ready->instructions;
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path root = compose::project_root(GUST_SOURCE_DIR);
  fs::path out = fs::path(argv[0]).parent_path() / "fuse-work";  // beside the binary, which is build/bench/fuse itself
  std::vector<fs::path> nodes;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--out" && i + 1 < argc) {
      out = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: fuse [--out DIR] [NODE.toml ...]\n"
                   "Builds each node (default: nodes/f100-echo-app, f100-relay, f100-gateway) separate and fused\n"
                   "and prints flash, SRAM, worst-case stack and the instructions of the app's first console line\n"
                   "on the emulated Cortex-M3; writes DIR/fuse.json (DIR: build/bench/fuse-work).\n";
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "fuse: unknown argument " << a << " (try --help)\n";
      return 2;
    } else {
      nodes.push_back(a);
    }
  }
  if (nodes.empty())
    for (const char* n : {"f100-echo-app", "f100-relay", "f100-gateway"})
      nodes.push_back(root / "nodes" / (std::string(n) + ".toml"));
  nlohmann::json j = nlohmann::json::array();
  printf("fused against separate dissolving (gust build --fuse / --separate); instructions on the emulated Cortex-M3\n");
  printf("  %-14s %-9s %6s %6s %6s %9s %7s %6s %7s %5s\n", "node", "mode", "flash", "sram", "stack", "dissolved",
         "instr", "bytes", "instr/B", "echo");
  for (const auto& file : nodes) {
    auto node = compose::load_node(file);
    if (!node) {
      std::cerr << "fuse: " << node.error().str() << "\n";
      return 1;
    }
    nlohmann::json row = {{"node", node->name}};
    for (bool fused : {false, true}) {
      auto f = measure(*node, fused, out);
      if (!f) {
        std::cerr << "fuse: " << node->name << (fused ? " (fused)" : " (separate)") << ": " << f.error().str() << "\n";
        return 1;
      }
      printf("  %-14s %-9s %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %9" PRIu64 " %7" PRIu64 " %6" PRIu64 " %7.1f %5s\n",
             node->name.c_str(), fused ? "fused" : "separate", f->flash, f->sram, f->stack, f->dissolved_text,
             f->instructions, f->bytes, double(f->instructions) / double(f->bytes),
             f->echo ? std::to_string(*f->echo).c_str() : "-");
      row[fused ? "fused" : "separate"] = {{"flash_bytes", f->flash},        {"sram_bytes", f->sram},
                                           {"stack_bytes", f->stack},        {"dissolved_text", f->dissolved_text},
                                           {"entry", f->entry},              {"instructions", f->instructions},
                                           {"bytes_printed", f->bytes}};
      if (f->echo) row[fused ? "fused" : "separate"]["echo_instructions_per_byte"] = *f->echo;
    }
    j.push_back(row);
  }
  printf("  (flash, sram, stack: the build report, bytes; dissolved: the text of the wasm components; instr: from the\n"
         "   entry that prints the banner to its '\\n' on USART1, uart_init included; instr/B: per byte printed; echo:\n"
         "   instructions for one byte received and echoed by the echo app's loop)\n");
  fs::create_directories(out);
  std::ofstream(out / "fuse.json") << j.dump(2) << "\n";
  printf("  wrote %s\n", (out / "fuse.json").c_str());
  return 0;
}
