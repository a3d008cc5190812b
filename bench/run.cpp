// bench/run: driver-shaped kernels, each written once in C++ and built four
// ways from the same source, measured side by side in one run:
//   gcc     arm-none-eabi-g++ -Os -mcpu=cortex-m3 -mthumb
//   clang   clang-19 -Oz --target=thumbv7m-none-eabi (LLVM's backend, as gust)
//   gust    clang-19 --target=wasm32 -Oz, then gust dissolve
//   w2c     wasm2c of the same wasm, then arm-none-eabi-gcc -Os
// plus gust with each lever turned the other way. Per function: flash (its
// .text and the local code and rodata it reaches), SRAM (the kernel's .data
// and .bss), and instructions per operation on an emulated Cortex-M3 whose
// register window has a device model. Everything is deterministic.
// usage: run [--json FILE] [--work DIR]
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "objsize.h"
#include "wasm/module.h"

namespace fs = std::filesystem;
using namespace gust;

namespace {

struct Op {
  std::string fn;
  std::vector<uint32_t> args;
};

struct Kernel {
  std::string name, source;
  std::vector<Op> setup, ops;
};

std::vector<Kernel> kernels() {
  std::vector<Op> crc_setup, ccsds_setup;
  for (uint32_t i = 0; i < 32; ++i) crc_setup.push_back({"crc_put", {i, (i * 37 + 11) & 0xFF}});
  const uint32_t header[6] = {0x18, 0x2A, 0xC0, 0x05, 0x00, 0x3F};  // TC, APID 0x2A, unsegmented, count 5, 64 bytes
  for (uint32_t i = 0; i < 6; ++i) ccsds_setup.push_back({"ccsds_put", {i, header[i]}});
  return {
      {"uart",
       "drivers/uart-thin/uart.cpp",
       {{"uart_init", {8000000, 115200}}},
       {{"uart_init", {8000000, 115200}}, {"uart_tx_byte", {0x41}}, {"uart_rx", {}}, {"uart_rx_fired", {}}}},
      {"ring", "bench/drivers/ring.cpp", {}, {{"ring_push", {0x5A}}, {"ring_pop", {}}}},
      {"crc16", "bench/drivers/crc16.cpp", crc_setup, {{"crc16_ccitt", {32}}}},
      {"ccsds", "bench/drivers/ccsds.cpp", ccsds_setup, {{"ccsds_parse", {0x2A}}}},
      {"systick",
       "bench/drivers/systick.cpp",
       {},
       {{"delay_ticks", {1000}}, {"timeout_expired", {4294967000u, 200, 500}}}},
      {"pid", "bench/drivers/pid.cpp", {}, {{"pid_step", {1 << 16, 3 << 14}}}},
      {"spi", "bench/drivers/spi.cpp", {}, {{"spi_xfer", {8, 0x10}}}},
      {"gpio", "bench/drivers/gpio.cpp", {}, {{"gpio_pattern", {0xA5A5, 16}}, {"gpio_toggle", {}}}},
  };
}

// The device model behind the window at 0x40010000: status registers that
// are always ready, data registers with a fixed byte. UART SR 0x0 (TXE,
// RXNE, and SysTick's COUNTFLAG there too), UART DR 0x4, SPI SR 0x8 (TXE,
// RXNE), SPI DR and GPIO ODR 0xC, the interrupt latch 0x3F0.
constexpr uint32_t kWindow = 0x40010000;
uint32_t model_read(uint32_t off) {
  switch (off) {
    case 0x0:
      return 0x100A0;
    case 0x4:
      return 0x55;
    case 0x8:
      return 0x3;
    case 0xC:
      return 0x5A;
    case 0x3F0:
      return 1;
    default:
      return 0;
  }
}

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "bench/run: " << msg << "\n";
  exit(1);
}

void run_or_die(const std::vector<std::string>& argv, const std::string& what) {
  auto r = compose::run_tool(argv);
  if (r.status != 0) die(what + " failed:\n" + r.output);
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// wasm2c's name mangling (wabt 1.0.32): characters outside [A-Za-z0-9_], and
// 'Z' itself, become 'Z' and two hex digits.
std::string w2c_mangle(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((isalnum(c) || c == '_') && c != 'Z') {
      out += char(c);
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "Z%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string c_type(wasm::ValType t) { return t == wasm::ValType::I64 ? "uint64_t" : "uint32_t"; }

// The runtime wasm2c output needs, for a bare Cortex-M: one page of linear
// memory in SRAM, traps to gust_trap, imports forwarded to the bridge, and a
// plain C wrapper per export (the instance pointer is wasm2c's convention).
std::string w2c_shim(const wasm::Module& m) {
  std::string s =
      "#include <stdbool.h>\n#include <string.h>\n#include \"kernel.h\"\n"
      "void gust_trap(unsigned);\n"
      "static uint8_t w2c_page[65536];\n"
      "void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint32_t pages, uint32_t max) {\n"
      "  m->data = w2c_page; m->pages = pages; m->max_pages = max; m->size = pages * 65536u;\n}\n"
      "void wasm_rt_free_memory(wasm_rt_memory_t* m) { (void)m; }\n"
      "bool wasm_rt_is_initialized(void) { return true; }\n"
      "uint32_t wasm_rt_register_func_type(uint32_t p, uint32_t r, ...) { return p * 16 + r + 1; }\n"
      "void wasm_rt_trap(wasm_rt_trap_t code) { gust_trap((unsigned)code); for (;;) {} }\n"
      "void __assert_func(const char* f, int l, const char* fn, const char* e) { (void)f; (void)l; (void)fn; (void)e; "
      "gust_trap(1); for (;;) {} }\n";
  std::set<std::string> modules;
  for (const auto& im : m.imports) {
    if (im.kind != wasm::ExternKind::Func) continue;
    modules.insert(im.module);
    const auto& ft = m.types[im.func_type];
    std::string params = "struct Z_" + w2c_mangle(im.module) + "_instance_t* inst";
    std::string args;
    for (size_t i = 0; i < ft.params.size(); ++i) {
      params += ", " + c_type(ft.params[i]) + " a" + std::to_string(i);
      args += (i ? ", a" : "a") + std::to_string(i);
    }
    const std::string ret = ft.results.empty() ? "void" : c_type(ft.results[0]);
    s += ret + " " + dissolve::import_symbol(im.module, im.name) + "(" +
         (ft.params.empty() ? std::string("void") : [&] {
           std::string p;
           for (size_t i = 0; i < ft.params.size(); ++i) p += (i ? ", " : "") + c_type(ft.params[i]);
           return p;
         }()) +
         ");\n";
    s += ret + " Z_" + w2c_mangle(im.module) + "Z_" + w2c_mangle(im.name) + "(" + params + ") { (void)inst; " +
         (ft.results.empty() ? "" : "return ") + dissolve::import_symbol(im.module, im.name) + "(" + args + "); }\n";
  }
  s += "static Z_kernel_instance_t instance;\nvoid w2c_setup(void) {\n  Z_kernel_init_module();\n  "
       "Z_kernel_instantiate(&instance";
  for (size_t i = 0; i < modules.size(); ++i) s += ", 0";
  s += ");\n}\n";
  for (const auto& e : m.exports) {
    if (e.kind != wasm::ExternKind::Func) continue;
    const auto& ft = m.func_type(e.index);
    std::string params, args;
    for (size_t i = 0; i < ft.params.size(); ++i) {
      params += (i ? ", " : "") + c_type(ft.params[i]) + " a" + std::to_string(i);
      args += ", a" + std::to_string(i);
    }
    const std::string ret = ft.results.empty() ? "void" : c_type(ft.results[0]);
    s += ret + " w2c_" + e.name + "(" + (params.empty() ? "void" : params) + ") { " +
         (ft.results.empty() ? "" : "return ") + "Z_kernelZ_" + w2c_mangle(e.name) + "(&instance" + args + "); }\n";
  }
  return s;
}

struct Measure {
  std::map<std::string, uint64_t> flash, instructions;
  uint64_t sram = 0, object_text = 0;
};

const char* kVariants[] = {"gcc", "clang", "gust", "w2c", "gust+inline", "gust-nochecks", "gust-pruned"};

}  // namespace

int main(int argc, char** argv) {
  fs::path json_out, work;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json" && i + 1 < argc)
      json_out = argv[++i];
    else if (a == "--work" && i + 1 < argc)
      work = argv[++i];
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: run [--json FILE] [--work DIR]\n"
                   "Builds the driver kernels under bench/drivers/ (and the thin UART) four ways and prints\n"
                   "flash, SRAM and instructions per operation, with geometric-mean ratios.\n";
      return 0;
    } else {
      std::cerr << "bench/run: unknown argument " << a << " (try --help)\n";
      return 2;
    }
  }
  const fs::path root = compose::project_root(GUST_SOURCE_DIR);
  if (work.empty()) work = fs::path(argv[0]).parent_path() / "run-work";
  fs::remove_all(work);
  fs::create_directories(work);
  const std::string gcc = "arm-none-eabi-gcc", gxx = "arm-none-eabi-g++", clang = "clang-19";
  // The native builds share wasm32's enum size, as gust's own native parts
  // do (the bind headers the kernels include check it).
  std::vector<std::string> arm = {"-mcpu=cortex-m3", "-mthumb", "-ffunction-sections", "-fdata-sections"};
  arm.insert(arm.end(), compose::native_abi_flags().begin(), compose::native_abi_flags().end());
  const std::vector<std::string> cxx = {"-std=c++20", "-fno-exceptions",          "-fno-rtti", "-ffreestanding",
                                        "-I",         (root / "include").string()};

  // The bridge: one object for every build, and bitcode for the inlining lever.
  const fs::path bridge_o = work / "bridge.o", bridge_bc = work / "bridge.bc";
  {
    std::vector<std::string> a = {
        gcc, "-Os", "-c", (root / "bench/drivers/bridge.c").string(), "-o", bridge_o.string()};
    a.insert(a.begin() + 2, arm.begin(), arm.end());
    run_or_die(a, "bridge");
    run_or_die({clang, "--target=thumbv7m-none-eabi", "-mcpu=cortex-m3", "-mfloat-abi=soft", "-Oz", "-emit-llvm", "-c",
                (root / "bench/drivers/bridge.c").string(), "-o", bridge_bc.string()},
               "bridge bitcode");
  }
  fs::path w2c_inc = work / "w2c-include";
  fs::create_directories(w2c_inc);
  fs::copy_file("/usr/include/wasm-rt.h", w2c_inc / "wasm-rt.h", fs::copy_options::overwrite_existing);

  std::map<std::string, std::map<std::string, Measure>> results;  // kernel -> variant -> figures
  for (const auto& k : kernels()) {
    fprintf(stderr, "bench/run: %s\n", k.name.c_str());
    const fs::path dir = work / k.name;
    fs::create_directories(dir);
    const fs::path src = root / k.source;
    // The four builds.
    std::vector<std::string> g = {gxx, "-Os", "-c", src.string(), "-o", (dir / "gcc.o").string()};
    g.insert(g.end(), arm.begin(), arm.end());
    g.insert(g.end(), cxx.begin(), cxx.end());
    run_or_die(g, k.name + " gcc");
    std::vector<std::string> c = {clang,
                                  "-Oz",
                                  "--target=thumbv7m-none-eabi",
                                  "-mcpu=cortex-m3",
                                  "-mfloat-abi=soft",
                                  "-ffunction-sections",
                                  "-fdata-sections",
                                  "-c",
                                  src.string(),
                                  "-o",
                                  (dir / "clang.o").string()};
    c.insert(c.end(), cxx.begin(), cxx.end());
    run_or_die(c, k.name + " clang");
    const fs::path wasm_file = dir / "kernel.wasm";
    if (auto r = compose::compile_driver(src, wasm_file, 0, {"-Wl,--export=__data_end"}); !r) die(r.error().str());
    auto mod = wasm::decode(read_bytes(wasm_file));
    if (!mod) die(mod.error().str());
    // The region: what the module lays out, up to __data_end (none when the
    // module has no memory, as the thin UART). __data_end is exported only
    // to be read here; the export is dropped
    // before dissolving, since without a prefix the dissolver refuses
    // names that start with '_' (they are the C runtime's).
    uint64_t data_end = 0;
    for (size_t i = 0; i < mod->exports.size(); ++i)
      if (mod->exports[i].kind == wasm::ExternKind::Global && mod->exports[i].name == "__data_end") {
        data_end = uint32_t(mod->globals[mod->exports[i].index - mod->imported(wasm::ExternKind::Global)].init.value);
        mod->exports.erase(mod->exports.begin() + long(i));
        break;
      }
    std::set<std::string> api;
    for (const auto& op : k.ops) api.insert(op.fn);
    for (const auto& op : k.setup) api.insert(op.fn);
    auto dissolve_to = [&](const std::string& variant, dissolve::Options o) {
      o.memory_bytes = (data_end + 7) & ~uint64_t(7);
      auto out = dissolve::dissolve(*mod, o);
      if (!out) die(k.name + " " + variant + ": " + out.error().str());
      std::ofstream(dir / (variant + ".o"), std::ios::binary)
          .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
    };
    dissolve_to("gust", {});
    dissolve::Options inl;
    inl.bridge_bitcode = bridge_bc.string();
    dissolve_to("gust+inline", inl);
    dissolve::Options nochk;
    nochk.bounds_checks = false;
    dissolve_to("gust-nochecks", nochk);
    dissolve::Options pruned;
    pruned.keep_exports = api;
    dissolve_to("gust-pruned", pruned);
    run_or_die({"wasm2c", "-n", "kernel", wasm_file.string(), "-o", (dir / "kernel.c").string()}, k.name + " wasm2c");
    std::ofstream(dir / "shim.c") << w2c_shim(*mod);
    for (const char* f : {"kernel", "shim"}) {
      std::vector<std::string> w = {gcc,
                                    "-Os",
                                    "-DWASM_RT_USE_STACK_DEPTH_COUNT=0",
                                    "-I",
                                    w2c_inc.string(),
                                    "-I",
                                    dir.string(),
                                    "-c",
                                    (dir / (std::string(f) + ".c")).string(),
                                    "-o",
                                    (dir / (std::string("w2c-") + f + ".o")).string()};
      w.insert(w.begin() + 2, arm.begin(), arm.end());
      run_or_die(w, k.name + " wasm2c build");
    }

    for (const char* variant : kVariants) {
      const std::string v = variant;
      const bool w2c = v == "w2c";
      const fs::path obj = dir / (w2c ? "w2c-kernel.o" : v + ".o");
      std::vector<fs::path> objects = {obj, bridge_o};
      if (w2c) objects.push_back(dir / "w2c-shim.o");
      auto cpu = emu::CortexM::load(objects, dir / ("emu-" + v));
      if (!cpu) die(k.name + " " + v + ": " + cpu.error().str());
      (*cpu)->map_mmio(kWindow, 0x400, model_read, [](uint32_t, uint32_t) {});
      auto call = [&](const Op& op) {
        auto r = (*cpu)->call(w2c ? "w2c_" + op.fn : op.fn, op.args);
        if (!r.ok)
          die(k.name + " " + v + " " + op.fn + ": " + (r.trapped ? "trap " + std::to_string(r.trap_code) : r.fault));
        return r;
      };
      // Counting is on before anything runs: code translated without the
      // counting hook would not be counted later.
      (*cpu)->count_instructions(true);
      if (w2c) call({"setup", {}});
      for (const auto& op : k.setup) call(op);
      Measure m;
      const bench::ObjectSizes sizes = bench::measure_object(obj);
      if (!sizes.ok) die(k.name + " " + v + ": cannot read " + obj.string());
      m.sram = sizes.data + sizes.bss;
      m.object_text = sizes.text + sizes.rodata;
      if (w2c) {
        const auto shim = bench::measure_object(dir / "w2c-shim.o");
        m.sram += shim.data + shim.bss;
      }  // the page and the instance
      for (const auto& op : k.ops) {
        const std::string sym = w2c ? "Z_kernelZ_" + w2c_mangle(op.fn) : op.fn;
        m.flash[op.fn] = sizes.function_flash.count(sym) ? sizes.function_flash.at(sym) : 0;
        if (m.flash[op.fn] == 0 && !(v == "gust-pruned" && !api.count(op.fn)))
          die(k.name + " " + v + ": no function " + sym);
        uint64_t total = 0;
        const int reps = 4;
        for (int i = 0; i < reps; ++i) total += call(op).instructions;
        m.instructions[op.fn] = total / reps;
      }
      (*cpu)->count_instructions(false);
      results[k.name][v] = m;
    }
  }

  // The table, then the geometric means over functions.
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  struct Geo {
    double log_sum = 0;
    int n = 0;
    double worst = 0;
    std::string worst_at;
    void add(double r, const std::string& at) {
      log_sum += std::log(r);
      ++n;
      if (r > worst) {
        worst = r;
        worst_at = at;
      }
    }
    double mean() const { return n ? std::exp(log_sum / n) : 0; }
  };
  std::map<std::string, Geo> geo;  // "flash gust/gcc", ...
  std::map<std::string, std::map<std::string, Geo>> per_kernel;
  nlohmann::json j;
  printf(
      "Driver kernels: flash bytes (function + the local code and rodata it reaches) and instructions per\n"
      "operation on an emulated Cortex-M3; gust = wasm32 -Oz dissolved (bounds checks on, separate bridge).\n\n");
  printf("%-8s %-16s | %6s %6s %6s %6s | %6s %6s %6s %6s | %5s %5s %5s\n", "kernel", "function", "gcc", "clang", "gust",
         "w2c", "gcc", "clang", "gust", "w2c", "g/gcc", "g/cl", "w/gcc");
  printf("%-8s %-16s | %27s | %27s | %17s\n", "", "", "flash (B)", "instructions / op", "flash ratios");
  for (const auto& k : kernels()) {
    auto& r = results[k.name];
    for (const auto& op : k.ops) {
      const std::string f = op.fn;
      printf("%-8s %-16s | %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " | %6" PRIu64 " %6" PRIu64 " %6" PRIu64
             " %6" PRIu64 " | %5.2f %5.2f %5.2f\n",
             k.name.c_str(), f.c_str(), r["gcc"].flash[f], r["clang"].flash[f], r["gust"].flash[f], r["w2c"].flash[f],
             r["gcc"].instructions[f], r["clang"].instructions[f], r["gust"].instructions[f], r["w2c"].instructions[f],
             ratio(r["gust"].flash[f], r["gcc"].flash[f]), ratio(r["gust"].flash[f], r["clang"].flash[f]),
             ratio(r["w2c"].flash[f], r["gcc"].flash[f]));
      const std::string at = k.name + "." + f;
      for (const char* v : {"gust", "gust+inline", "gust-nochecks", "w2c"}) {
        for (const char* base : {"gcc", "clang"}) {
          const std::string key = std::string(v) + "/" + base;
          geo["flash " + key].add(ratio(r[v].flash[f], r[base].flash[f]), at);
          geo["instr " + key].add(ratio(r[v].instructions[f], r[base].instructions[f]), at);
          per_kernel[k.name]["flash " + key].add(ratio(r[v].flash[f], r[base].flash[f]), at);
          per_kernel[k.name]["instr " + key].add(ratio(r[v].instructions[f], r[base].instructions[f]), at);
        }
      }
      for (const char* v : kVariants)
        j["functions"][at][v] = {{"flash", r[v].flash[f]}, {"instructions", r[v].instructions[f]}, {"sram", r[v].sram}};
    }
  }
  printf("\nSRAM (.data + .bss) per kernel:\n  %-8s %6s %6s %6s %8s\n", "kernel", "gcc", "clang", "gust", "w2c");
  for (const auto& k : kernels()) {
    auto& r = results[k.name];
    printf("  %-8s %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %8" PRIu64 "\n", k.name.c_str(), r["gcc"].sram,
           r["clang"].sram, r["gust"].sram, r["w2c"].sram);
  }
  printf("\nLevers (gust, geometric means over all functions; per-kernel worst in brackets):\n");
  printf("  %-34s %13s %13s %13s %13s\n", "build", "flash/gcc", "flash/clang", "instr/gcc", "instr/clang");
  auto lever_row = [&](const char* label, const char* v) {
    auto cell = [&](const std::string& key) {
      double worst = 0;
      std::string at;
      for (auto& [kname, g] : per_kernel)
        if (g[key].mean() > worst) {
          worst = g[key].mean();
          at = kname;
        }
      char buf[64];
      snprintf(buf, sizeof buf, "%5.3f [%4.2f]", geo[key].mean(), worst);
      return std::string(buf);
    };
    const std::string vv = v;
    printf("  %-34s %13s %13s %13s %13s\n", label, cell("flash " + vv + "/gcc").c_str(),
           cell("flash " + vv + "/clang").c_str(), cell("instr " + vv + "/gcc").c_str(),
           cell("instr " + vv + "/clang").c_str());
    j["geomean"][vv] = {{"flash_over_gcc", geo["flash " + vv + "/gcc"].mean()},
                        {"flash_over_clang", geo["flash " + vv + "/clang"].mean()},
                        {"instr_over_gcc", geo["instr " + vv + "/gcc"].mean()},
                        {"instr_over_clang", geo["instr " + vv + "/clang"].mean()}};
    for (auto& [kname, g] : per_kernel)
      j["per_kernel"][kname][vv] = {{"flash_over_clang", g["flash " + vv + "/clang"].mean()},
                                    {"instr_over_clang", g["instr " + vv + "/clang"].mean()},
                                    {"flash_over_gcc", g["flash " + vv + "/gcc"].mean()}};
  };
  lever_row("gust (default: separate bridge)", "gust");
  lever_row("gust, bridge inlined", "gust+inline");
  lever_row("gust, bounds checks off (unsafe)", "gust-nochecks");
  lever_row("wasm2c + gcc -Os", "w2c");
  uint64_t all = 0, pruned = 0;
  for (const auto& k : kernels()) {
    all += results[k.name]["gust"].object_text;
    pruned += results[k.name]["gust-pruned"].object_text;
  }
  printf("  export pruning: object .text over all kernels %" PRIu64 " B with every export, %" PRIu64
         " B with the used ones\n",
         all, pruned);
  j["export_pruning"] = {{"all_exports", all}, {"used_exports", pruned}};
  if (!json_out.empty()) {
    std::ofstream(json_out) << j.dump(2) << "\n";
    printf("wrote %s\n", json_out.c_str());
  }
  return 0;
}
