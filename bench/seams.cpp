// bench/seams: the thin, mid and fat UART seams side by side. Each node is
// built by gust (as `gust build` does), then its image runs on an emulated
// Cortex-M3 with a USART model to count the instructions per transmitted
// byte. Prints one table; writes it as JSON and as an SVG bar chart.
// usage: seams [--out DIR]   (default DIR: build/bench)
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "compose/compose.h"
#include "emu/cortexm.h"

namespace fs = std::filesystem;
using namespace gust;

struct Row {
  std::string seam;
  uint64_t wasm_text = 0, tcb = 0, imports = 0, data = 0, bss = 0, stack = 0, sram = 0, budget = 0;
  double instr_per_byte = 0;
};

static std::string svg(const std::vector<Row>& rows) {
  // Grouped bars: wasm .text, trusted .text, SRAM; scaled to the largest.
  const char* names[] = {"wasm .text (B)", "trusted .text (B)", "SRAM (B)", "instructions / byte"};
  const char* colors[] = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b"};
  double maxv = 1;
  for (const auto& r : rows)
    for (double v : {double(r.wasm_text), double(r.tcb), double(r.sram), r.instr_per_byte}) maxv = std::max(maxv, v);
  std::string s =
      "<svg xmlns='http://www.w3.org/2000/svg' width='640' height='360' font-family='sans-serif' font-size='12'>\n";
  s +=
      "<text x='320' y='20' text-anchor='middle' font-size='14'>gust UART seams on the STM32F100 (8 KiB SRAM)</text>\n";
  const double base = 300, height = 240, group = 180, bar = 36;
  for (size_t g = 0; g < rows.size(); ++g) {
    const Row& r = rows[g];
    const double vals[] = {double(r.wasm_text), double(r.tcb), double(r.sram), r.instr_per_byte};
    for (int k = 0; k < 4; ++k) {
      const double h = height * vals[k] / maxv;
      const double x = 60 + g * group + k * bar;
      char buf[400];
      snprintf(buf, sizeof buf,
               "<rect x='%.0f' y='%.1f' width='%.0f' height='%.1f' fill='%s'/><text x='%.0f' y='%.1f' "
               "text-anchor='middle'>%.0f</text>\n",
               x, base - h, bar - 4, h, colors[k], x + (bar - 4) / 2, base - h - 4, vals[k]);
      s += buf;
    }
    char label[160];
    snprintf(label, sizeof label, "<text x='%.0f' y='%.0f' text-anchor='middle'>%s</text>\n",
             60 + g * group + 2 * bar - 2, base + 18, r.seam.c_str());
    s += label;
  }
  for (int k = 0; k < 4; ++k) {
    char buf[200];
    snprintf(buf, sizeof buf, "<rect x='%d' y='335' width='10' height='10' fill='%s'/><text x='%d' y='344'>%s</text>\n",
             20 + k * 155, colors[k], 34 + k * 155, names[k]);
    s += buf;
  }
  return s + "</svg>\n";
}

int main(int argc, char** argv) {
  fs::path out = fs::path(argv[0]).parent_path();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: seams [--out DIR]\nBuilds the thin, mid and fat UART nodes and prints the seam table;\n"
                   "writes DIR/seams.json and DIR/seams.svg.\n";
      return 0;
    } else {
      std::cerr << "seams: unknown argument " << a << " (try --help)\n";
      return 2;
    }
  }
  const fs::path root = compose::project_root(GUST_SOURCE_DIR);
  std::vector<Row> rows;
  for (const char* seam : {"thin", "mid", "fat"}) {
    auto node = compose::load_node(root / "nodes" / (std::string("f100-uart-") + seam + ".toml"));
    if (!node) {
      std::cerr << "seams: " << node.error().str() << "\n";
      return 1;
    }
    compose::BuildOptions bo;
    bo.out_root = out / "seam-nodes";
    auto rep = compose::build(*node, bo);
    if (!rep) {
      std::cerr << "seams: " << rep.error().str() << "\n";
      return 1;
    }
    Row r;
    r.seam = seam;
    for (const auto& c : rep->components) {
      if (c.kind == "wasm") r.wasm_text += c.text;
      r.data += c.data;
      r.bss += c.bss;
    }
    r.tcb = rep->tcb_bytes;
    r.imports = rep->tcb_imports.size();
    r.stack = rep->stack_bytes;
    r.sram = rep->sram_bytes;
    r.budget = rep->sram_budget;

    // The USART model: TXE and TC always set, bytes written to DR counted.
    uint64_t sent = 0;
    auto cpu = emu::CortexM::load_image(
        rep->elf, 0x40013800, 0x400, [](uint32_t off) { return off == 0 ? 0xC0u : 0u; },
        [&](uint32_t off, uint32_t) { sent += off == 4; });
    if (!cpu) {
      std::cerr << "seams: " << cpu.error().str() << "\n";
      return 1;
    }
    auto init = (*cpu)->call("console_uart_init", {8000000, 115200});
    if (!init.ok) {
      std::cerr << "seams: uart_init: " << init.fault << "\n";
      return 1;
    }
    const int n = 64;
    uint64_t instructions = 0;
    (*cpu)->count_instructions(true);
    for (int i = 0; i < n; ++i) {
      auto c = (*cpu)->call("console_uart_tx_byte", {uint32_t('a' + i % 26)});
      if (!c.ok) {
        std::cerr << "seams: uart_tx_byte: " << (c.trapped ? "trap" : c.fault) << "\n";
        return 1;
      }
      instructions += c.instructions;
    }
    if (sent != uint64_t(n)) {
      std::cerr << "seams: " << seam << " sent " << sent << " of " << n << " bytes\n";
      return 1;
    }
    r.instr_per_byte = double(instructions) / n;
    rows.push_back(r);
  }

  printf("UART seams on the STM32F100: one node per seam, same app (banner, then echo)\n");
  printf("  %-5s %10s %12s %8s %6s %6s %6s %13s %10s\n", "seam", "wasm .text", "trusted .text", "imports", ".data",
         ".bss", "stack", "SRAM / 8192", "instr/byte");
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rows) {
    char sram[32];
    snprintf(sram, sizeof sram, "%" PRIu64 " / %" PRIu64, r.sram, r.budget);
    printf("  %-5s %10" PRIu64 " %13" PRIu64 " %8" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %13s %10.1f\n",
           r.seam.c_str(), r.wasm_text, r.tcb, r.imports, r.data, r.bss, r.stack, sram, r.instr_per_byte);
    j.push_back({{"seam", r.seam},
                 {"wasm_text", r.wasm_text},
                 {"trusted_text", r.tcb},
                 {"import_relocations", r.imports},
                 {"data", r.data},
                 {"bss", r.bss},
                 {"stack", r.stack},
                 {"sram", r.sram},
                 {"sram_budget", r.budget},
                 {"instructions_per_byte", r.instr_per_byte}});
  }
  fs::create_directories(out);
  std::ofstream(out / "seams.json") << j.dump(2) << "\n";
  std::ofstream(out / "seams.svg") << svg(rows);
  printf("  wrote %s and %s\n", (out / "seams.json").c_str(), (out / "seams.svg").c_str());
  return 0;
}
