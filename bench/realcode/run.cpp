// bench/realcode/run: the real-code benchmark. Nine C libraries written as
// embedded libraries are (bench/realcode/*.c), each built three ways from the
// same source and run on an emulated Cortex-M3:
//   gcc    arm-none-eabi-gcc -Os -mcpu=cortex-m3 -mthumb (newlib)
//   clang  clang-19 -Oz --target=thumbv7m-none-eabi (newlib headers and library)
//   gust   clang-19 --target=wasm32 as a driver is built (compose's wasm flags,
//          gust's runtime/runtime.cpp for memcpy and friends, wasm-ld's name
//          section kept), then gust dissolve (bounds checks on);
//          gust-nochecks with them off
// First every build must give the same outputs (rc_check over the seeds;
// any difference is a failure, exit 1). Then per program: flash (.text +
// .rodata + .data of the library, and the C library and libgcc routines it
// calls), SRAM (.data + .bss, and the peak native stack of the measured calls;
// gust's region holds its data, bss and the shadow stack those calls used),
// and instructions per call of each measured function; geometric means.
// usage: run [--json FILE] [--seeds N] [--check-only] [--only NAME] [--work DIR]
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "../objsize.h"
#include "base/tools.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "wasm/module.h"

namespace fs = std::filesystem;
using namespace gust;

namespace {

// An argument of a measured call: a constant, or the glue's rc_arg(i) (a
// pointer into the program's own statics, in the build's address space).
struct Arg {
  bool ref;
  uint32_t v;
};
Arg R(uint32_t i) { return {true, i}; }
Arg C(uint32_t v) { return {false, v}; }

struct Measured {
  std::string fn;
  std::vector<Arg> args;
};

struct Program {
  std::string name;
  std::vector<std::string> api;  // the library's public functions (exports of the gust build)
  std::vector<Measured> calls;   // after rc_prepare(seed), in this order
};

// One table: the programs, their API and what is measured (the glue's
// rc_arg indices are documented in each <name>_bench.c).
std::vector<Program> programs() {
  return {
      {"ring",
       {"ring_init", "ring_used", "ring_free", "ring_put", "ring_get", "ring_write", "ring_read", "ring_peek",
        "ring_find", "ring_read_line", "ring_flush"},
       {{"ring_put", {R(0), C(0x41)}},
        {"ring_get", {R(0), R(2)}},
        {"ring_write", {R(0), R(1), C(64)}},
        {"ring_find", {R(0), C('\n')}},
        {"ring_read_line", {R(0), R(3), C(48)}},
        {"ring_read", {R(0), R(2), C(100)}}}},
      {"crc",
       {"crc32_init", "crc32_update", "crc32_final", "crc32", "crc32_bitwise", "crc16_ccitt", "crc8_smbus",
        "crc16_frame_ok", "crc16_frame_seal", "crc8_find_sync"},
       {{"crc32_update", {R(0), R(1), C(128)}},
        {"crc32_bitwise", {R(1), C(64)}},
        {"crc16_ccitt", {C(0xFFFF), R(1), C(128)}},
        {"crc8_smbus", {C(0), R(1), C(128)}},
        {"crc16_frame_ok", {R(1), C(64)}},
        {"crc8_find_sync", {R(1), C(64), C(4), C(0x5A)}}}},
      {"nmea",
       {"nmea_checksum_ok", "nmea_parse", "nmea_reader_init", "nmea_feed", "nmea_format_gga"},
       {{"nmea_parse", {R(0), R(1)}}, {"nmea_feed", {R(2), C('G'), R(1)}}, {"nmea_format_gga", {R(1), R(3), C(64)}}}},
      {"pbuf",
       {"pb_writer_init", "pb_put_varint", "pb_put_tag", "pb_put_fixed32", "pb_put_bytes", "pb_reader_init",
        "pb_get_varint", "pb_get_fixed32", "pb_skip", "tlm_encode", "tlm_decode", "pb_varint_size"},
       {{"tlm_encode", {R(0), R(1), R(2)}}, {"tlm_decode", {R(3), R(1), R(4)}}}},
      {"lz",
       {"lz_compress", "lz_decompress", "lz_bound"},
       {{"lz_compress", {R(0), R(1), R(2), R(3), R(4), R(5)}}, {"lz_decompress", {R(2), R(6), R(7), R(8)}}}},
      {"frame",
       {"cobs_encode", "cobs_decode", "hdlc_encode", "hdlc_rx_init", "hdlc_rx_byte", "hdlc_rx_feed", "hdlc_fcs"},
       {{"cobs_encode", {R(0), R(1), R(2), R(3)}},
        {"hdlc_encode", {R(0), R(1), R(2), R(3)}},
        {"hdlc_rx_feed", {R(6), R(2), R(7), R(4), R(5)}}}},
      {"control",
       {"pid_init", "pid_step", "biquad_init", "biquad_step", "movavg_init", "movavg_step", "interp_table", "loop_init",
        "loop_step", "loop_run"},
       {{"pid_step", {R(3), C(250), C(100)}},
        {"biquad_step", {R(4), C(1000)}},
        {"interp_table", {C(12345)}},
        {"loop_run", {R(0), R(1), C(64), R(2)}}}},
      {"base64",
       {"b64_encoded_size", "b64_encode", "b64_decode", "b64_decode_str"},
       {{"b64_encode", {R(0), R(1), R(2), R(3), C(0), C(1)}}, {"b64_decode_str", {R(2), R(4), R(5)}}}},
      {"json",
       {"json_init", "json_parse", "json_eq", "json_find", "json_skip", "json_get_int"},
       {{"json_parse", {R(0), R(1), R(2), R(3), R(4)}}, {"json_find", {R(1), R(5), R(6), C(0), R(7)}}}},
      {"cfg",
       {"str_len", "str_cmp", "mem_eq", "mem_find", "cfg_get", "cfg_count", "cfg_set_inplace"},
       {{"str_len", {R(5)}},
        {"str_cmp", {R(5), R(6)}},
        {"mem_eq", {R(5), R(6), C(96)}},
        {"mem_find", {R(5), C('q'), C(96)}},
        {"cfg_get", {R(0), R(1), R(2), R(3), R(4)}},
        {"cfg_count", {R(0), R(1)}}}},
  };
}

const char* kBuilds[] = {"gcc", "clang", "gust", "gust-nochecks"};
constexpr int kMeasureSeeds = 4;            // each measured call is averaged over seeds 1..4
constexpr uint32_t kRunShadowStack = 2048;  // the run module's shadow stack, before it is measured
constexpr uint32_t kPaint = 0xA5C3A5C3u;
constexpr uint32_t kNativePaintBytes = 16 << 10;

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "bench/realcode/run: " << msg << "\n";
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

// newlib's headers, for clang's thumbv7m build (arm-none-eabi-gcc finds them itself).
std::string newlib_include() {
  for (const char* d : {"/usr/lib/arm-none-eabi/include", "/usr/include/newlib"})
    if (fs::exists(fs::path(d) / "string.h")) return d;
  die("no newlib headers (arm-none-eabi string.h) found; run ./setup.sh");
}

// The module's layout facts gust needs: where the data ends (the region's
// size) and where the shadow stack starts (__stack_pointer's initial value).
struct Layout {
  uint64_t data_end = 0;  // 0 when the module has neither data nor a shadow stack
  uint32_t stack_top = 0;
  bool found = false;  // the module exported __data_end
  bool low = false;    // the stack above the data (compose::wasm_link_flags): the region ends at stack_top
  uint64_t region() const { return low ? std::max<uint64_t>(data_end, stack_top) : data_end; }
};

// __data_end is exported only to be read here, then the export is dropped:
// without a prefix the dissolver refuses names that start with '_'.
Layout take_layout(wasm::Module& m) {
  Layout l;
  const uint32_t imported = m.imported(wasm::ExternKind::Global);
  for (size_t i = 0; i < m.exports.size(); ++i)
    if (m.exports[i].kind == wasm::ExternKind::Global && m.exports[i].name == "__data_end") {
      l.data_end = uint32_t(m.globals[m.exports[i].index - imported].init.value);
      l.found = true;
      m.exports.erase(m.exports.begin() + long(i));
      break;
    }
  for (const auto& g : m.globals)  // wasm-ld's first mutable global is __stack_pointer
    if (g.type.mutable_) {
      l.stack_top = uint32_t(g.init.value);
      break;
    }
  return l;
}

struct Figures {
  uint64_t text = 0, rodata = 0, data = 0, bss = 0, lib_routines = 0;
  uint64_t native_stack = 0, shadow_stack = 0;
  std::map<std::string, uint64_t> fn_flash, fn_instructions;
  uint64_t flash() const { return text + rodata + data + lib_routines; }
  uint64_t sram() const { return data + bss + native_stack; }
};

struct Options {
  fs::path json_out, work;
  uint32_t seeds = 2000;
  bool check_only = false;
  bool hoist_checks = true;               // --no-hoist-checks: as gust build dissolves (README, "Memory levers")
  bool check_form = true;                 // --no-check-form: compares left in the IR pipeline's form
  bool low_layout = true;                 // --stack-first: every module linked with the stack below the data
  bool predicated_loads = true;           // --no-predicated-loads: the place choice as a select of the base
  std::optional<uint64_t> read_only_min;  // --read-only-min N: the cost rule of both layouts
  std::string only;
};

double geomean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += std::log(x);
  return std::exp(s / double(v.size()));
}

// The flash of library routines (newlib, libgcc) that `symbols` names, as
// linked into the emulator's image; stubs (gust_trap) are not code.
uint64_t routine_bytes(const emu::CortexM& cpu, const std::set<std::string>& symbols) {
  const auto stub_list = cpu.stubs();
  const std::set<std::string> stubs(stub_list.begin(), stub_list.end());
  uint64_t total = 0;
  for (const auto& s : symbols)
    if (!stubs.count(s) && cpu.has(s)) total += cpu.code_bytes(s);
  return total;
}

class Bench {
 public:
  explicit Bench(Options o) : opt_(std::move(o)) {
    root_ = compose::project_root(GUST_SOURCE_DIR);
    src_ = root_ / "bench/realcode";
  }

  int run() {
    nlohmann::json j;
    bool all_agree = true;
    for (const auto& p : programs()) {
      if (!opt_.only.empty() && p.name != opt_.only) continue;
      fprintf(stderr, "bench/realcode: %s\n", p.name.c_str());
      const fs::path dir = opt_.work / p.name;
      fs::create_directories(dir);
      build_natives(p, dir);
      Layout run_layout;
      auto run_mod = build_wasm(p, dir, "run", true, kRunShadowStack, run_layout);
      dissolve_to(p, *run_mod, run_layout.region(), dir / "gust.o", true);
      dissolve_to(p, *run_mod, run_layout.region(), dir / "gust-nochecks.o", false);
      if (!check(p, dir)) all_agree = false;
      if (opt_.check_only) continue;
      for (const char* b : kBuilds) results_[p.name][b] = measure(p, dir, b, run_layout);
      // The size module: the library alone. Its code is dissolved against
      // the region the program runs with (so bounds checks are compiled as
      // in use); its data and bss against a region of the library's own data,
      // bss and the shadow stack the measured calls used (rounded to 16), as
      // a computed stack size would make it.
      const uint32_t shadow =
          uint32_t(std::max(results_[p.name]["gust"].shadow_stack, results_[p.name]["gust-nochecks"].shadow_stack));
      Layout lib_layout;
      auto lib_mod = build_wasm(p, dir, "lib", false, (shadow + 15) & ~15u, lib_layout);
      for (const char* b : {"gust", "gust-nochecks"}) {
        const bool checks = std::string(b) == "gust";
        const fs::path code = dir / (std::string(b) + "-lib.o"), data = dir / (std::string(b) + "-lib-data.o");
        dissolve_to(p, *lib_mod, std::max(run_layout.region(), lib_layout.region()), code, checks);
        dissolve_to(p, *lib_mod, lib_layout.region(), data, checks);
        Figures& f = results_[p.name][b];
        size_object(code, f, dir / ("emu-size-" + std::string(b)));
        const auto d = bench::measure_object(data);
        if (!d.ok) die("cannot read " + data.string());
        f.data = d.data;
        f.bss = d.bss;
      }
    }
    if (!all_agree) {
      fprintf(stderr, "bench/realcode: the builds disagree (see above)\n");
      return 1;
    }
    printf("realcode: every build gave the same outputs on seeds 1..%u of every program\n", opt_.seeds);
    if (opt_.check_only) return 0;
    report(j);
    if (!opt_.json_out.empty()) {
      const std::string text = j.dump(2) + "\n";
      if (auto w = base::write_atomically(opt_.json_out, text.data(), text.size()); !w) die(w.error().str());
      printf("wrote %s\n", opt_.json_out.c_str());
    }
    return 0;
  }

 private:
  Options opt_;
  fs::path root_, src_;
  std::map<std::string, std::map<std::string, Figures>> results_;  // program -> build -> figures
  std::map<std::string, std::vector<uint32_t>> outputs_;           // build -> rc_check results

  void build_natives(const Program& p, const fs::path& dir) {
    static const std::string inc = newlib_include();
    for (const char* unit : {"lib", "glue"}) {
      const fs::path src = src_ / (std::string(unit) == "lib" ? p.name + ".c" : p.name + "_bench.c");
      run_or_die({"arm-none-eabi-gcc", "-Os", "-mcpu=cortex-m3", "-mthumb", "-std=c11", "-ffunction-sections",
                  "-fdata-sections", "-Wall", "-Werror", "-I", src_.string(), "-c", src.string(), "-o",
                  (dir / ("gcc-" + std::string(unit) + ".o")).string()},
                 p.name + " gcc");
      run_or_die({"clang-19", "-Oz", "--target=thumbv7m-none-eabi", "-mcpu=cortex-m3", "-mfloat-abi=soft", "-std=c11",
                  "-ffunction-sections", "-fdata-sections", "-Wall", "-Werror", "-isystem", inc, "-I", src_.string(),
                  "-c", src.string(), "-o", (dir / ("clang-" + std::string(unit) + ".o")).string()},
                 p.name + " clang");
    }
  }

  // The wasm module: the library and, for the run module, the glue, built
  // as `gust build` builds a driver (compose's wasm_flags, gust's runtime,
  // wasm_link_flags), with the program's exports and __data_end.
  std::optional<wasm::Module> build_wasm(const Program& p, const fs::path& dir, const std::string& what, bool glue,
                                         uint32_t stack, Layout& layout) {
    const fs::path out = dir / (what + ".wasm");
    const std::vector<std::string> cflags = {"-Wall", "-Werror", "-I", src_.string()};
    std::vector<compose::WasmObject> objs;
    std::vector<fs::path> sources = {src_ / (p.name + ".c")};
    if (glue) sources.push_back(src_ / (p.name + "_bench.c"));
    for (const auto& source : sources) {
      const fs::path obj = dir / (what + "-" + source.stem().string() + ".o.wasm");
      if (auto r = compose::compile_wasm_object(root_, source, obj, cflags); !r) die(r.error().str());
      objs.push_back({obj, source});
    }
    const fs::path rt = dir / "gust-runtime.o.wasm";
    if (auto r = compose::compile_runtime(root_, rt); !r) die(r.error().str());
    objs.push_back({rt, compose::runtime_source(root_)});
    std::vector<std::string> exports = p.api;
    if (glue) exports.insert(exports.end(), {"rc_check", "rc_prepare", "rc_arg"});
    // As compile_sized_driver links: the stack first, then with read-only
    // data and a bounded shadow stack the low layout. The run module's glue
    // may leave the bound unknown; its stack is a fixed kRunShadowStack,
    // which measure() checks the calls stay within (painted), so it gets the
    // low layout as its library would.
    auto link = [&](bool low) {
      std::vector<std::string> lflags = compose::wasm_link_flags(stack, low);
      lflags.push_back("-Wl,--export=__data_end");
      for (const auto& e : exports) lflags.push_back("-Wl,--export=" + e);
      if (auto r = compose::link_wasm_module(root_, sources.front(), objs, out, lflags); !r) die(r.error().str());
      auto mod = wasm::decode(read_bytes(out));
      if (!mod) die(p.name + " " + what + ".wasm: " + mod.error().str());
      return std::move(*mod);
    };
    auto mod = std::optional<wasm::Module>(link(false));
    const bool low = opt_.low_layout && (opt_.read_only_min || compose::wants_low_layout(*mod)) &&
                     (glue || compose::shadow_stack_with_handlers(*mod).depth.has_value());
    if (low) mod = link(true);
    layout = take_layout(*mod);
    layout.low = low;
    if (!layout.found) die(p.name + " " + what + ".wasm: no __data_end export");
    return std::move(*mod);
  }

  void dissolve_to(const Program& p, const wasm::Module& m, uint64_t region, const fs::path& obj, bool checks) {
    dissolve::Options o;
    o.memory_bytes = (region + 7) & ~uint64_t(7);
    o.bounds_checks = checks;
    o.hoist_checks = opt_.hoist_checks;
    o.check_form = opt_.check_form;
    o.predicated_loads = opt_.predicated_loads;
    if (opt_.read_only_min) o.read_only_min = o.read_only_low_min = *opt_.read_only_min;
    auto out = dissolve::dissolve(m, o);
    if (!out) die(p.name + " " + obj.filename().string() + ": " + out.error().str());
    std::ofstream(obj, std::ios::binary)
        .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  }

  std::vector<fs::path> objects(const fs::path& dir, const std::string& build) const {
    if (build == "gcc" || build == "clang") return {dir / (build + "-lib.o"), dir / (build + "-glue.o")};
    return {dir / (build + ".o")};
  }

  std::unique_ptr<emu::CortexM> load(const Program& p, const fs::path& dir, const std::string& build,
                                     const std::string& what) {
    auto cpu = emu::CortexM::load(objects(dir, build), dir / ("emu-" + what + "-" + build));
    if (!cpu) die(p.name + " " + build + ": " + cpu.error().str());
    return std::move(*cpu);
  }

  static emu::CortexM::Call call_or_die(emu::CortexM& cpu, const Program& p, const std::string& build,
                                        const std::string& fn, const std::vector<uint32_t>& args) {
    auto r = cpu.call(fn, args);
    if (!r.ok)
      die(p.name + " " + build + " " + fn + ": " + (r.trapped ? "trap " + std::to_string(r.trap_code) : r.fault));
    return r;
  }

  // rc_check over the seeds in every build; the first difference is reported.
  bool check(const Program& p, const fs::path& dir) {
    std::map<std::string, std::vector<uint32_t>> out;
    for (const char* b : kBuilds) {
      auto cpu = load(p, dir, b, "check");
      auto& v = out[b];
      for (uint32_t seed = 1; seed <= opt_.seeds; ++seed) v.push_back(call_or_die(*cpu, p, b, "rc_check", {seed}).r0);
    }
    for (const char* b : kBuilds)
      for (uint32_t i = 0; i < opt_.seeds; ++i)
        if (out[b][i] != out["gcc"][i]) {
          fprintf(stderr, "%s: seed %u: %s gives 0x%08x, gcc 0x%08x\n", p.name.c_str(), i + 1, b, out[b][i],
                  out["gcc"][i]);
          return false;
        }
    return true;
  }

  Figures measure(const Program& p, const fs::path& dir, const std::string& build, const Layout& l) {
    Figures f;
    auto cpu = load(p, dir, build, "measure");
    const bool gust = build.rfind("gust", 0) == 0;
    const uint32_t region = gust ? cpu->address(dissolve::memory_symbol("")) : 0;
    const uint32_t top = cpu->scratch();  // the stack starts here
    // The shadow stack's top in the image: below the data, at the region's
    // base plus the wasm address; above it (the low layout), at the end of
    // the region's SRAM part, which the stack's top ends.
    const uint32_t shadow_top =
        !gust ? 0 : l.low ? region + uint32_t(cpu->code_bytes(dissolve::memory_symbol(""))) : region + l.stack_top;
    cpu->count_instructions(true);        // on before anything runs, so that every block is counted
    const auto sizes = bench::measure_object(objects(dir, build)[0]);
    if (!sizes.ok) die(p.name + " " + build + ": cannot read " + objects(dir, build)[0].string());
    for (const auto& c : p.calls) {
      uint64_t total = 0;
      for (uint32_t seed = 1; seed <= kMeasureSeeds; ++seed) {
        call_or_die(*cpu, p, build, "rc_prepare", {seed});
        std::vector<uint32_t> args;
        for (const auto& a : c.args) args.push_back(a.ref ? call_or_die(*cpu, p, build, "rc_arg", {a.v}).r0 : a.v);
        paint(*cpu, top - kNativePaintBytes, kNativePaintBytes);
        if (gust) paint(*cpu, shadow_top - kRunShadowStack, kRunShadowStack);
        total += call_or_die(*cpu, p, build, c.fn, args).instructions;
        f.native_stack = std::max<uint64_t>(f.native_stack, top - first_touched(*cpu, top - kNativePaintBytes, top));
        if (gust)
          f.shadow_stack = std::max<uint64_t>(
              f.shadow_stack,
              shadow_top - first_touched(*cpu, shadow_top - kRunShadowStack, shadow_top));
      }
      if (gust && f.shadow_stack >= kRunShadowStack)
        die(p.name + " " + build + " " + c.fn + ": the shadow stack reached the end of its " +
            std::to_string(kRunShadowStack) + " B");
      f.fn_instructions[c.fn] = total / kMeasureSeeds;
      if (!sizes.function_flash.count(c.fn)) die(p.name + " " + build + ": no function " + c.fn + " in the object");
      f.fn_flash[c.fn] = sizes.function_flash.at(c.fn) + routine_bytes(*cpu, sizes.function_calls.at(c.fn));
    }
    if (!gust) size_object(objects(dir, build)[0], f, dir / ("emu-size-" + build));
    return f;
  }

  // The whole library's figures from its own object.
  void size_object(const fs::path& obj, Figures& f, const fs::path& work) {
    const auto s = bench::measure_object(obj);
    if (!s.ok) die("cannot read " + obj.string());
    f.text = s.text;
    f.rodata = s.rodata;
    f.data = s.data;
    f.bss = s.bss;
    auto cpu = emu::CortexM::load({obj}, work);
    if (!cpu) die(obj.string() + ": " + cpu.error().str());
    f.lib_routines = routine_bytes(**cpu, s.undefined);
  }

  static void paint(emu::CortexM& cpu, uint32_t from, uint32_t bytes) {
    std::vector<uint32_t> words(bytes / 4, kPaint);
    cpu.write(from, words.data(), bytes);
  }
  // The lowest address in [from, to) whose word lost the paint; `to` if none.
  static uint32_t first_touched(emu::CortexM& cpu, uint32_t from, uint32_t to) {
    std::vector<uint32_t> words((to - from) / 4);
    cpu.read(from, words.data(), to - from);
    for (size_t i = 0; i < words.size(); ++i)
      if (words[i] != kPaint) return from + uint32_t(i) * 4;
    return to;
  }

  void report(nlohmann::json& j) {
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    printf(
        "\nReal code: flash = .text + .rodata + .data of the library and the newlib/libgcc routines it calls;\n"
        "SRAM = .data + .bss + peak native stack (gust's region: data, bss and the shadow stack used).\n"
        "gust = wasm32 -Oz dissolved, bounds checks on; nochk = checks off (unsafe, for measure only).\n\n");
    printf("%-8s | %6s %6s %6s %6s | %5s %5s %5s | %5s %5s %5s %5s | %5s\n", "program", "gcc", "clang", "gust", "nochk",
           "g/gcc", "g/cl", "n/gcc", "gcc", "clang", "gust", "nochk", "i g/gcc");
    printf("%-8s | %27s | %17s | %23s |\n", "", "flash (B)", "flash ratios", "SRAM (B)");
    std::map<std::string, std::vector<double>> flash_r, instr_r, fflash_r, sram_r;
    for (const auto& p : programs()) {
      if (!results_.count(p.name)) continue;
      auto& r = results_[p.name];
      std::vector<double> pi;
      for (const auto& c : p.calls)
        pi.push_back(ratio(r["gust"].fn_instructions[c.fn], r["gcc"].fn_instructions[c.fn]));
      printf("%-8s | %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " | %5.2f %5.2f %5.2f | %5" PRIu64 " %5" PRIu64
             " %5" PRIu64 " %5" PRIu64 " | %5.2f\n",
             p.name.c_str(), r["gcc"].flash(), r["clang"].flash(), r["gust"].flash(), r["gust-nochecks"].flash(),
             ratio(r["gust"].flash(), r["gcc"].flash()), ratio(r["gust"].flash(), r["clang"].flash()),
             ratio(r["gust-nochecks"].flash(), r["gcc"].flash()), r["gcc"].sram(), r["clang"].sram(), r["gust"].sram(),
             r["gust-nochecks"].sram(), geomean(pi));
      for (const char* b : kBuilds) {
        const std::string bb = b;
        auto& f = r[bb];
        j["programs"][p.name][bb] = {{"flash", f.flash()},
                                     {"text", f.text},
                                     {"rodata", f.rodata},
                                     {"data", f.data},
                                     {"bss", f.bss},
                                     {"library_routines", f.lib_routines},
                                     {"sram", f.sram()},
                                     {"native_stack", f.native_stack},
                                     {"shadow_stack", f.shadow_stack}};
        for (const auto& c : p.calls)
          j["programs"][p.name][bb]["functions"][c.fn] = {{"flash", f.fn_flash[c.fn]},
                                                          {"instructions", f.fn_instructions[c.fn]}};
        for (const char* base : {"gcc", "clang"}) {
          const std::string key = bb + "/" + base;
          flash_r[key].push_back(ratio(f.flash(), r[base].flash()));
          sram_r[key].push_back(ratio(f.sram(), r[base].sram()));
          for (const auto& c : p.calls) {
            instr_r[key].push_back(ratio(f.fn_instructions[c.fn], r[base].fn_instructions[c.fn]));
            fflash_r[key].push_back(ratio(f.fn_flash[c.fn], r[base].fn_flash[c.fn]));
          }
        }
      }
    }
    printf(
        "\nPer function: flash (B, the function and what it reaches) and instructions per call (mean of seeds "
        "1..%d):\n",
        kMeasureSeeds);
    printf("%-8s %-16s | %5s %5s %5s %5s | %7s %7s %7s %7s | %5s %5s\n", "program", "function", "gcc", "clang", "gust",
           "nochk", "gcc", "clang", "gust", "nochk", "f g/g", "i g/g");
    for (const auto& p : programs()) {
      if (!results_.count(p.name)) continue;
      auto& r = results_[p.name];
      for (const auto& c : p.calls)
        printf("%-8s %-16s | %5" PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64 " | %7" PRIu64 " %7" PRIu64 " %7" PRIu64
               " %7" PRIu64 " | %5.2f %5.2f\n",
               p.name.c_str(), c.fn.c_str(), r["gcc"].fn_flash[c.fn], r["clang"].fn_flash[c.fn],
               r["gust"].fn_flash[c.fn], r["gust-nochecks"].fn_flash[c.fn], r["gcc"].fn_instructions[c.fn],
               r["clang"].fn_instructions[c.fn], r["gust"].fn_instructions[c.fn],
               r["gust-nochecks"].fn_instructions[c.fn], ratio(r["gust"].fn_flash[c.fn], r["gcc"].fn_flash[c.fn]),
               ratio(r["gust"].fn_instructions[c.fn], r["gcc"].fn_instructions[c.fn]));
    }
    printf("\nGeometric means (flash and SRAM over programs, instructions and function flash over functions):\n");
    printf("  %-22s %9s %9s %9s %9s\n", "build / baseline", "flash", "fn flash", "instr", "SRAM");
    for (const char* b : {"gust", "gust-nochecks", "clang"})
      for (const char* base : {"gcc", "clang"}) {
        const std::string key = std::string(b) + "/" + base;
        if (std::string(b) == base) continue;
        printf("  %-22s %9.3f %9.3f %9.3f %9.3f\n", key.c_str(), geomean(flash_r[key]), geomean(fflash_r[key]),
               geomean(instr_r[key]), geomean(sram_r[key]));
        j["geomean"][key] = {{"flash", geomean(flash_r[key])},
                             {"function_flash", geomean(fflash_r[key])},
                             {"instructions", geomean(instr_r[key])},
                             {"sram", geomean(sram_r[key])}};
      }
    double worst = 0;
    std::string worst_at;
    for (const auto& [name, r] : results_) {
      const double x = ratio(r.at("gust").flash(), r.at("gcc").flash());
      if (x > worst) {
        worst = x;
        worst_at = name;
      }
    }
    printf("  worst program flash gust/gcc: %.3f (%s)\n", worst, worst_at.c_str());
    j["worst_flash_gust_over_gcc"] = {{"ratio", worst}, {"program", worst_at}};
    j["seeds"] = opt_.seeds;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "bench/realcode/run: " << a << " needs a value\n";
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--json")
      o.json_out = value();
    else if (a == "--work")
      o.work = value();
    else if (a == "--only")
      o.only = value();
    else if (a == "--seeds") {
      const std::string v = value();
      char* end = nullptr;
      const unsigned long n = strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || n == 0 || n > 1000000) {
        std::cerr << "bench/realcode/run: --seeds takes 1..1000000, not '" << v << "'\n";
        return 2;
      }
      o.seeds = uint32_t(n);
    } else if (a == "--check-only")
      o.check_only = true;
    else if (a == "--no-hoist-checks")
      o.hoist_checks = false;
    else if (a == "--no-check-form")
      o.check_form = false;
    else if (a == "--stack-first")
      o.low_layout = false;
    else if (a == "--no-predicated-loads")
      o.predicated_loads = false;
    else if (a == "--read-only-min") {
      const std::string v = value();
      char* end = nullptr;
      const unsigned long long n = strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end) {
        std::cerr << "bench/realcode/run: --read-only-min takes a byte count, not '" << v << "'\n";
        return 2;
      }
      o.read_only_min = n;
    }
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: run [--json FILE] [--seeds N] [--check-only] [--only NAME] [--work DIR] [--no-hoist-checks]\n"
                   "           [--no-check-form] [--stack-first] [--read-only-min N] [--no-predicated-loads]\n"
                   "Builds the libraries under bench/realcode/ with gcc -Os, clang -Oz and gust, checks that\n"
                   "every build gives the same outputs on seeds 1..N (default 2000), then prints flash, SRAM and\n"
                   "instructions per call with geometric-mean ratios (not with --check-only). --no-hoist-checks\n"
                   "dissolves gust's builds with check hoisting off, as gust build does. --no-check-form leaves\n"
                   "compares against constants in LLVM's form (no cmp #C+1 for a check's C). --stack-first links\n"
                   "every module with the shadow stack below the data (read-only data then in the middle of the\n"
                   "memory, three places per load), not the low layout gust build gives modules with read-only data.\n"
                   "--read-only-min N keeps read-only data under N bytes in SRAM in either layout.\n"
                   "--no-predicated-loads chooses a load's place with a select of the base, not two predicated loads.\n";
      return 0;
    } else {
      std::cerr << "bench/realcode/run: unknown argument " << a << " (try --help)\n";
      return 2;
    }
  }
  if (o.work.empty()) o.work = fs::path(argv[0]).parent_path() / "realcode-work";
  if (!o.only.empty()) {
    bool known = false;
    for (const auto& p : programs()) known |= p.name == o.only;
    if (!known) {
      std::cerr << "bench/realcode/run: no program '" << o.only << "'\n";
      return 2;
    }
  }
  fs::remove_all(o.work);
  fs::create_directories(o.work);
  return Bench(o).run();
}
