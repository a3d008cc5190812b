// Proof of the prover: generated drivers and harnesses, proven by
// `gust prove` and run, dissolved, on the emulated Cortex-M3 with the real
// bridge (firmware/stm32f100/bridge.h) in front of a scripted device. Every
// FAILED counterexample replays on the image to the same failure (the same
// assertion id, trap code or harness slip, after the same seam calls), and
// a SUCCESSFUL property never fails on the image over many concrete inputs
// and register values. Fixed seeds: the same programs every run.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "prove/prove.h"
#include "prove_support.h"

namespace gust::test {
namespace {

constexpr uint32_t kWindow = 0x100;     // small, so that computed offsets leave it
constexpr uint32_t kBase = 0x40013000;  // page aligned, as the emulator maps devices
constexpr uint32_t kStack = 64;         // the driver's shadow stack, as a manifest's wasm_stack
constexpr int kFunctions = 4;           // driver functions per generated module
constexpr int kRandomRuns = 150;

// ---- the generator ---------------------------------------------------------

// One driver function and what its harnesses may rely on.
struct GenFunc {
  std::string source;
  bool safe = false;                  // no seam call, memory access or divide that can trap
  uint32_t max_calls = 0;             // an upper bound on its seam calls
  std::optional<uint32_t> txe_after;  // it polls offset 0 bit 0x80: the assume-read32 it needs
};

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}

  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  bool chance(uint32_t percent) { return pick(100) < percent; }

  std::string constant() {
    switch (pick(4)) {
      case 0:
        return std::to_string(pick(16)) + "u";
      case 1:
        return std::to_string(pick(256)) + "u";
      case 2:
        return "0x" + hexs(uint32_t(rng_())) + "u";
      default:
        return std::to_string(1u << pick(32)) + "u";
    }
  }

  std::string expr(int depth) {
    static const char* leaves[] = {"x", "y", "r", "a", "b"};
    if (depth <= 0 || chance(30)) return chance(75) ? leaves[pick(5)] : constant();
    static const char* ops[] = {"+", "-", "*", "&", "|", "^"};
    switch (pick(6)) {
      case 0:
        return "(" + expr(depth - 1) + " << " + std::to_string(pick(31)) + ")";
      case 1:
        return "(" + expr(depth - 1) + " >> " + std::to_string(pick(31)) + ")";
      case 2:
        return "uint32_t(" + expr(depth - 1) + (chance(50) ? " < " : " == ") + expr(depth - 1) + ")";
      case 3:
        return "(" + expr(depth - 1) + " ? " + expr(depth - 1) + " : " + expr(depth - 1) + ")";
      default:
        return "(" + expr(depth - 1) + " " + ops[pick(6)] + " " + expr(depth - 1) + ")";
    }
  }

  // A 32-bit register offset: in the window and aligned when safe.
  std::string offset32(bool safe) {
    if (chance(40)) return std::to_string(4 * pick(kWindow / 4)) + "u";
    if (safe) return "((" + expr(1) + ") & 0xFCu)";
    // Past the window's end, misaligned, or both.
    static const char* masks[] = {"0x1FCu", "0xFEu", "0xFFu"};
    return "((" + expr(1) + ") & " + masks[pick(3)] + ")";
  }
  std::string offset8(bool safe) {
    if (chance(40)) return std::to_string(pick(kWindow)) + "u";
    return "((" + expr(1) + ") & " + (safe ? "0xFFu)" : "0x1FFu)");
  }
  std::string line(bool safe) { return safe || chance(40) ? "0u" : "((" + expr(1) + ") & 1u)"; }

  // Statements; `calls` adds up the most seam calls they can make.
  std::string stmts(int n, int depth, bool safe, uint32_t& calls, GenFunc& f) {
    std::string s;
    for (int i = 0; i < n; ++i) s += stmt(depth, safe, calls, f);
    return s;
  }

  std::string stmt(int depth, bool safe, uint32_t& calls, GenFunc& f) {
    const std::string ind(2 * (2 + depth), ' ');
    // Nesting stays shallow: compound statements only near the top.
    switch (pick(depth >= 2 ? 10 : depth == 1 ? 11 : 15)) {
      case 0:
      case 1:
        return ind + (chance(50) ? "x" : chance(50) ? "y" : "r") + (chance(50) ? " = " : " += ") + expr(2) + ";\n";
      case 2:
        ++calls;
        return ind + "r ^= gust_hal_mmio__read32(" + offset32(safe) + ");\n";
      case 3:
        ++calls;
        return ind + "gust_hal_mmio__write32(" + offset32(safe) + ", " + expr(1) + ");\n";
      case 4:
        ++calls;
        return ind + "r += gust_hal_mmio__read8(" + offset8(safe) + ");\n";
      case 5:
        ++calls;
        return ind + "gust_hal_mmio__write8(" + offset8(safe) + ", uint8_t(" + expr(1) + "));\n";
      case 6:
        ++calls;
        return ind + (chance(50) ? "if (gust_hal_irq__poll(" + line(safe) + ")) r += " + constant() + ";\n"
                                 : "gust_hal_irq__enable(" + line(safe) + ");\n");
      case 7:
        // Memory: the module's own table (data), and a computed address.
        if (safe || chance(50))
          return ind + "table[(" + expr(1) + ") & 7u] += " + expr(1) + "; r += table[(" + expr(1) + ") & 7u];\n";
        return ind + "r += *(volatile uint32_t*)(uintptr_t)((" + expr(1) + ") & 0x1FCu);\n";
      case 8:
        return ind + "r += " + expr(1) +
               (safe || chance(50) ? " / ((" + expr(1) + " & 7u) | 1u);\n" : " / (" + expr(1) + " & 7u);\n");
      case 9:
        return ind + "r += __builtin_wasm_memory_size(0) + uint32_t(__builtin_wasm_memory_grow(0, " + expr(1) +
               " & 1u));\n";
      case 10: {
        uint32_t a = 0, b = 0;
        std::string t = stmts(1 + int(pick(2)), depth + 1, safe, a, f);
        std::string e = stmts(int(pick(2)), depth + 1, safe, b, f);
        calls += std::max(a, b);
        return ind + "if (" + expr(2) + " & " + constant() + ") {\n" + t + ind + "} else {\n" + e + ind + "}\n";
      }
      case 11: {
        const std::string i = "i" + std::to_string(counter_++);
        uint32_t body = 0;
        std::string b = stmts(1 + int(pick(2)), depth + 1, safe, body, f);
        calls += 3 * body;
        return ind + "for (uint32_t " + i + " = 0, n" + i + " = (" + expr(1) + ") & 3u; " + i + " < n" + i + "; ++" +
               i + ") {\n" + b + ind + "}\n";
      }
      case 12: {
        uint32_t arms[3] = {0, 0, 0};
        std::string s = ind + "switch ((" + expr(1) + ") & 3u) {\n";
        for (int k = 0; k < 3; ++k)
          s += ind + "  case " + std::to_string(k) + ":\n" + stmts(1, depth + 1, safe, arms[k], f) + ind +
               "    break;\n";
        s += ind + "  default:\n" + ind + "    r ^= " + constant() + ";\n" + ind + "}\n";
        calls += std::max({arms[0], arms[1], arms[2]});
        return s;
      }
      case 13:
        if (f.txe_after) return ind + "y ^= " + expr(1) + ";\n";
        // Polls SR's TXE as the UART driver does; its harnesses assume TXE
        // by the (after+1)-th read.
        f.txe_after = pick(4);
        calls += *f.txe_after + 1;
        return ind + "while (!(gust_hal_mmio__read32(0) & 0x80u)) {\n" + ind + "}\n";
      default:
        return ind + "x ^= " + expr(2) + ";\n";
    }
  }

  GenFunc function(int k) {
    GenFunc f;
    f.safe = chance(50);
    uint32_t calls = 0;
    std::string body = stmts(3 + int(pick(3)), 0, f.safe, calls, f);
    f.max_calls = calls;
    f.source = "GUST_EXPORT(\"f" + std::to_string(k) + "\") uint32_t f" + std::to_string(k) +
               "(uint32_t a, uint32_t b) {\n  uint32_t x = a, y = b, r = " + constant() + ";\n" + body +
               "  return r;\n}\n";
    return f;
  }

  // Two harnesses per function: a bound on its seam calls and a property of
  // its result or of the trace, some true and some false.
  std::string harnesses(int k, const GenFunc& f) {
    std::ostringstream s;
    const std::string fn = "f" + std::to_string(k);
    auto prologue = [&](std::ostringstream& o) {
      o << "  const uint32_t a = gust_any_u32(), b = gust_any_u32();\n";
      if (chance(30)) o << "  gust_assume(a < " << 1 + pick(300) << "u);\n";
      if (f.txe_after) o << "  gust_assume_read32(0, " << *f.txe_after << ", 0x80, 0x80);\n";
      o << "  const uint32_t r = " << fn << "(a, b);\n";
    };
    s << "GUST_PROOF(" << fn << "_calls) {\n";
    prologue(s);
    const uint32_t bound = chance(60) ? f.max_calls : f.max_calls - std::min(f.max_calls, 1 + pick(2));
    s << "  (void)r;\n  gust_assert(gust_trace_len() <= " << bound << "u, 1);\n}\n";
    s << "GUST_PROOF(" << fn << "_property) {\n";
    prologue(s);
    switch (pick(4)) {
      case 0:
        s << "  gust_assert(r != " << constant() << ", 2);\n";
        break;
      case 1:
        s << "  gust_assert((r & " << constant() << ") != " << constant() << ", 3);\n";
        break;
      case 2:  // true wherever the bridge did not trap
        s << "  for (uint32_t i = 0; i < gust_trace_len(); ++i)\n"
          << "    gust_assert(gust_trace_call(i) >= GUST_SEAM_IRQ_POLL || gust_trace_arg(i) < " << kWindow
          << "u, 4);\n";
        break;
      default:  // reads past the trace unless the function makes a call
        s << "  gust_assert(gust_trace_call(0) != 0, 5);\n";
        break;
    }
    s << "}\n";
    return s.str();
  }

 private:
  static std::string hexs(uint32_t v) {
    char b[16];
    snprintf(b, sizeof b, "%x", v);
    return b;
  }
  std::mt19937 rng_;
  int counter_ = 0;
};

// ---- the image -------------------------------------------------------------

// The image's names: the driver is instance "driver", the harness instance
// "harness"; their symbols are the dissolver's own (dissolve.h).
const std::string kDriverPrefix = "driver_", kHarnessPrefix = "harness_";
std::string seam_symbol(const char* iface, const char* fn) {
  return dissolve::import_symbol(std::string("gust:hal/") + iface, fn, kDriverPrefix);
}
std::string api_symbol(const char* fn) { return dissolve::import_symbol("gust:prove", fn, kHarnessPrefix); }
// A harness export as the image has it: the dissolver keeps gust_* names
// for gust's own symbols, so the replayed copy exports proof_* instead.
std::string replay_export(const std::string& harness) {
  return dissolve::export_symbol(harness.substr(std::string("gust_").size()), kHarnessPrefix);
}

// The real bridge for one instance ("real"), the driver's seam symbols as
// thin wrappers that tell the host which call comes next (so the device
// model knows a read8 from a read32) and record the irq calls, which reach
// no register; and the harness's imports of module "driver" linked to the
// driver's exports.
std::string runtime_source() {
  std::ostringstream s;
  s << "#include \"bridge.h\"\n"
    << "GUST_MMIO_WINDOW(real, " << kBase << "u, " << kWindow << "u)\n"
    << "GUST_IRQ_LINES(real, 1, 37)\nGUST_IRQ_HANDLER(real, 0, 37)\n"
    << "uint32_t replay_seam(uint32_t kind, uint32_t arg);\n"
    << "void replay_record(uint32_t kind, uint32_t arg, uint32_t value);\n"
    << "uint32_t " << seam_symbol("mmio", "read32")
    << "(uint32_t off) { replay_seam(1, off); return real_gust_hal_mmio__read32(off); }\n"
    << "void " << seam_symbol("mmio", "write32")
    << "(uint32_t off, uint32_t v) { replay_seam(2, off); real_gust_hal_mmio__write32(off, v); }\n"
    << "uint8_t " << seam_symbol("mmio", "read8")
    << "(uint32_t off) { replay_seam(3, off); return real_gust_hal_mmio__read8(off); }\n"
    << "void " << seam_symbol("mmio", "write8")
    << "(uint32_t off, uint8_t v) { replay_seam(4, off); real_gust_hal_mmio__write8(off, v); }\n"
    << "uint32_t " << seam_symbol("irq", "poll") << "(uint32_t line) {\n"
    << "  if (replay_seam(5, line) && line == 0) gust_isr_37(); /* the interrupt fired */\n"
    << "  uint32_t v = real_gust_hal_irq__poll(line);\n  replay_record(5, line, v);\n  return v;\n}\n"
    << "void " << seam_symbol("irq", "enable")
    << "(uint32_t line) { replay_seam(6, line); real_gust_hal_irq__enable(line); replay_record(6, line, 0); }\n";
  for (int k = 0; k < kFunctions; ++k) {
    const std::string fn = "f" + std::to_string(k);
    s << "uint32_t " << dissolve::export_symbol(fn, kDriverPrefix) << "(uint32_t, uint32_t);\n"
      << "uint32_t " << dissolve::import_symbol("driver", fn, kHarnessPrefix) << "(uint32_t a, uint32_t b) { return "
      << dissolve::export_symbol(fn, kDriverPrefix) << "(a, b); }\n";
  }
  return s.str();
}

const fs::path& runtime_object() {
  static const fs::path obj = [] {
    fs::path dir = scratch("prove-diff-runtime");
    std::ofstream(dir / "runtime.c") << runtime_source();
    auto r =
        compose::run_tool({"arm-none-eabi-gcc", "-Os", "-mcpu=cortex-m3", "-mthumb", "-std=c11", "-ffreestanding", "-I",
                           (source_root() / "include").string(), "-I", (source_root() / "firmware/stm32f100").string(),
                           "-c", (dir / "runtime.c").string(), "-o", (dir / "runtime.o").string()});
    EXPECT_EQ(r.status, 0) << r.output;
    return dir / "runtime.o";
  }();
  return obj;
}

// The region gust build gives a driver: its data and its shadow stack
// (compose's region_bytes).
uint64_t region_bytes(const wasm::Module& m) {
  uint64_t end = 0;
  for (const auto& d : m.datas)
    if (d.offset.op == wasm::Op::I32Const) end = std::max<uint64_t>(end, uint32_t(d.offset.value) + d.bytes.size());
  return (std::max<uint64_t>(end, kStack) + 7) & ~uint64_t(7);
}

fs::path dissolve_to(const wasm::Module& m, const fs::path& obj, const std::string& prefix,
                     std::optional<uint64_t> memory) {
  dissolve::Options o;
  o.prefix = prefix;
  o.memory_bytes = memory;
  auto out = dissolve::dissolve(m, o);
  EXPECT_TRUE(out) << (out ? "" : out.error().str());
  if (out)
    std::ofstream(obj, std::ios::binary)
        .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  return obj;
}

// The host half of a replay: the harness API, and the device behind the
// bridge. A counterexample scripts inputs and register values; otherwise
// they are random, honouring the harness's assume-read32s.
struct Host {
  const prove::Verdict* cex = nullptr;
  std::mt19937* rng = nullptr;
  size_t next_input = 0, next_call = 0;
  struct Entry {
    uint32_t kind, arg, value;
  };
  std::vector<Entry> trace;
  struct EnvAssume {
    uint32_t offset, after, mask, expect;
  };
  std::vector<EnvAssume> env;
  uint32_t pending_kind = 0, pending_arg = 0, served = 0;
  std::optional<uint32_t> failed_assertion;
  bool rejected = false, past_the_end = false;
  std::string mismatch;

  uint32_t random_input() {
    const uint32_t v = uint32_t((*rng)());
    switch ((*rng)() % 4) {
      case 0:
        return v & 15;
      case 1:
        return v & 0xFF;
      case 2:
        return v & 0x1FF;
      default:
        return v;
    }
  }

  uint32_t any() {
    if (!cex) return random_input();
    if (next_input >= cex->inputs.size()) {
      mismatch = "the image asks for more inputs than the counterexample has";
      return 0;
    }
    return uint32_t(cex->inputs[next_input++].second);
  }

  // The next seam call: what the device answers (a read's value, whether a
  // line has fired).
  uint32_t seam(uint32_t kind, uint32_t arg) {
    pending_kind = kind;
    pending_arg = arg;
    if (cex) {
      if (next_call >= cex->trace.size()) {
        mismatch = "the image makes a seam call the counterexample does not";
        return 0;
      }
      const auto& t = cex->trace[next_call++];
      served = uint32_t(t.value);
      return served;
    }
    uint32_t v = uint32_t((*rng)());
    if (kind == 3) v &= 0xFF;
    if (kind == 5) v &= 1;
    if (kind == 1) {
      uint32_t nth = 0;
      for (const auto& e : trace) nth += e.kind == 1 && e.arg == arg;
      for (const auto& a : env)
        if (a.offset == arg && nth >= a.after) v = (v & ~a.mask) | a.expect;
    }
    served = v;
    return v;
  }

  uint32_t bus_read(uint32_t off) {
    if (off != pending_arg) mismatch = "a register read at another offset than the seam call's";
    trace.push_back({pending_kind, off, served});
    return served;
  }
  void bus_write(uint32_t off, uint32_t value) { trace.push_back({pending_kind, off, value}); }
};

void attach(emu::CortexM& cpu, Host& h) {
  cpu.on_import(api_symbol("any-u32"), [&h](emu::CortexM& c) { c.set_result(h.any()); });
  cpu.on_import(api_symbol("assume"), [&h](emu::CortexM& c) {
    if (c.arg(0)) return;
    h.rejected = true;
    c.raise_fault("assumption");
  });
  cpu.on_import(api_symbol("assert"), [&h](emu::CortexM& c) {
    if (c.arg(0)) return;
    h.failed_assertion = c.arg(1);
    c.raise_fault("assertion");
  });
  cpu.on_import(api_symbol("cover"), [](emu::CortexM&) {});
  cpu.on_import(api_symbol("assume-read32"), [&h](emu::CortexM& c) {
    h.env.push_back({c.arg(0), c.arg(1), c.arg(2), c.arg(3)});
  });
  cpu.on_import(api_symbol("trace-len"), [&h](emu::CortexM& c) { c.set_result(uint32_t(h.trace.size())); });
  auto field = [&h](int which) {
    return [&h, which](emu::CortexM& c) {
      const uint32_t i = c.arg(0);
      if (i >= h.trace.size()) {
        h.past_the_end = true;
        c.raise_fault("trace index");
        return;
      }
      const auto& e = h.trace[i];
      c.set_result(which == 0 ? e.kind : which == 1 ? e.arg : e.value);
    };
  };
  cpu.on_import(api_symbol("trace-call"), field(0));
  cpu.on_import(api_symbol("trace-arg"), field(1));
  cpu.on_import(api_symbol("trace-value"), field(2));
  cpu.on_import("replay_seam", [&h](emu::CortexM& c) { c.set_result(h.seam(c.arg(0), c.arg(1))); });
  cpu.on_import("replay_record", [&h](emu::CortexM& c) { h.trace.push_back({c.arg(0), c.arg(1), c.arg(2)}); });
}

const char* kind_name(uint32_t k) {
  static const char* names[] = {"?",           "mmio.read32", "mmio.write32", "mmio.read8",
                                "mmio.write8", "irq.poll",    "irq.enable"};
  return k < 7 ? names[k] : "?";
}

struct Tally {
  int failed = 0, successful = 0, other = 0, replays = 0, runs = 0, accepted = 0;
  std::map<std::string, int> statuses, failures;
};

void run_seed(uint32_t seed, Tally& tally) {
  Gen g(seed);
  std::ostringstream driver, harness;
  driver << "// Generated by prove_diff_test, seed " << seed << ".\n#include <gust/driver-thin.h>\n\n"
         << "static uint32_t table[8] = {";
  for (int i = 0; i < 8; ++i) driver << (i ? ", " : "") << g.constant();
  driver << "};\n\nextern \"C\" {\n";
  harness << "#include <gust/prove.h>\n\nextern \"C\" {\n";
  std::vector<GenFunc> funcs;
  for (int k = 0; k < kFunctions; ++k) {
    funcs.push_back(g.function(k));
    driver << funcs.back().source;
    harness << "GUST_DRIVER_IMPORT(\"f" << k << "\") uint32_t f" << k << "(uint32_t, uint32_t);\n";
  }
  driver << "}\n";
  harness << "}\n\n";
  for (int k = 0; k < kFunctions; ++k) harness << g.harnesses(k, funcs[size_t(k)]);
  const std::string tag = "prove-diff-" + std::to_string(seed);
  fs::path dir = scratch(tag);
  std::ofstream(dir / "driver.cpp") << driver.str();
  std::ofstream(dir / "harness.cpp") << harness.str();
  ASSERT_TRUE(compose::compile_driver(dir / "driver.cpp", dir / "driver.wasm", kStack)) << driver.str();
  ASSERT_TRUE(compose::compile_driver(dir / "harness.cpp", dir / "harness.wasm", 0, {"-Wl,--allow-undefined"}))
      << harness.str();
  auto dm = wasm::decode(read_file(dir / "driver.wasm"));
  auto hm = wasm::decode(read_file(dir / "harness.wasm"));
  ASSERT_TRUE(dm && hm);
  const uint64_t region = region_bytes(*dm);

  prove::Options o = prove_options();
  o.env.grants = {kWindow, 1};
  o.env.memory_bytes = region;
  o.max_paths = 3000;
  auto verdicts = prove::prove(*hm, &*dm, o);
  ASSERT_EQ(verdicts.size(), size_t(2 * kFunctions));

  wasm::Module replayed = *hm;
  for (auto& e : replayed.exports)
    if (e.name.rfind("gust_proof_", 0) == 0) e.name = e.name.substr(std::string("gust_").size());
  auto cpu = emu::CortexM::load({dissolve_to(replayed, dir / "harness.o", kHarnessPrefix, std::nullopt),
                                 dissolve_to(*dm, dir / "driver.o", kDriverPrefix, region), runtime_object()},
                                dir / "emu");
  ASSERT_TRUE(cpu) << cpu.error().str();
  Host host;
  (*cpu)->map_mmio(
      kBase, 0x1000, [&host](uint32_t off) { return host.bus_read(off); },
      [&host](uint32_t off, uint32_t v) { host.bus_write(off, v); });
  ASSERT_TRUE((*cpu)->map_ram(0xE000E000, 0x1000));  // the NVIC the irq bridge enables lines in
  attach(**cpu, host);
  std::mt19937 rng(seed * 7919u + 1);
  // Each run starts from a freshly instantiated image, as each proof does:
  // the images' .data and .bss (after the stack and the 4 KiB scratch) are
  // put back before every call.
  const uint32_t data_lo = (*cpu)->scratch() + 4096, data_hi = (*cpu)->address("gust_sram_end");
  ASSERT_GT(data_hi, data_lo);
  std::vector<uint8_t> fresh(data_hi - data_lo);
  ASSERT_TRUE((*cpu)->read(data_lo, fresh.data(), fresh.size()));
  auto call_fresh = [&](const std::string& fn) {
    EXPECT_TRUE((*cpu)->write(data_lo, fresh.data(), fresh.size()));
    return (*cpu)->call(fn, {});
  };

  for (const auto& v : verdicts) {
    ++tally.statuses[prove::status_name(v.status)];
    SCOPED_TRACE("seed " + std::to_string(seed) + ", " + v.harness + "\n" + v.text() + "\ndriver:\n" + driver.str() +
                 "\nharness:\n" + harness.str());
    EXPECT_NE(v.status, prove::Verdict::Error);
    if (v.status == prove::Verdict::Failed) {
      ++tally.failed;
      ++tally.failures[v.trap ? "trap " + std::to_string(v.trap) : v.assertion ? "assertion" : "trace slip"];
      ++tally.replays;
      host = Host{};
      host.cex = &v;
      auto call = call_fresh(replay_export(v.harness));
      EXPECT_EQ(host.mismatch, "");
      if (v.trap) {
        EXPECT_TRUE(call.trapped) << "the image did not trap: " << call.fault;
        EXPECT_EQ(call.trap_code, v.trap);
      } else if (v.assertion) {
        EXPECT_EQ(host.failed_assertion, std::optional<uint32_t>(v.assertion)) << call.fault;
      } else {
        EXPECT_TRUE(host.past_the_end) << call.fault;
      }
      // The same seam calls with the same values; a trapping call is the
      // counterexample's last entry and never reaches the bus.
      const size_t expect = v.trace.size() - (v.trap >= 10 ? 1 : 0);
      ASSERT_EQ(host.trace.size(), expect);
      for (size_t i = 0; i < expect; ++i) {
        EXPECT_EQ(kind_name(host.trace[i].kind), v.trace[i].call) << "entry " << i;
        EXPECT_EQ(host.trace[i].arg, v.trace[i].arg) << "entry " << i;
        EXPECT_EQ(host.trace[i].value, v.trace[i].value) << "entry " << i;
      }
    } else if (v.status == prove::Verdict::Successful) {
      ++tally.successful;
      for (int run = 0; run < kRandomRuns; ++run) {
        host = Host{};
        host.rng = &rng;
        auto call = call_fresh(replay_export(v.harness));
        ++tally.runs;
        if (host.rejected) continue;
        ++tally.accepted;
        ASSERT_TRUE(call.ok) << "run " << run << ": a SUCCESSFUL property fails on the image: "
                             << (call.trapped ? "trap " + std::to_string(call.trap_code) : call.fault)
                             << (host.failed_assertion ? " (assertion " + std::to_string(*host.failed_assertion) + ")"
                                                       : std::string());
      }
    } else {
      ++tally.other;
      if (getenv("GUST_DIFF_VERBOSE")) printf("%s", v.text().c_str());
    }
  }
}

TEST(ProveDifferential, CounterexamplesReplayAndProofsHoldOnTheImage) {
  Tally t;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    run_seed(seed, t);
    if (HasFatalFailure()) return;
  }
  std::string summary;
  for (const auto& [s, n] : t.statuses) summary += s + ": " + std::to_string(n) + "; ";
  summary += "failed by";
  for (const auto& [s, n] : t.failures) summary += " " + s + " x" + std::to_string(n);
  summary += "; ";
  printf("prove differential: %s%d counterexamples replayed, %d of %d random runs within the assumptions\n",
         summary.c_str(), t.replays, t.accepted, t.runs);
  // The generator must exercise both sides, or the test proves little.
  EXPECT_GE(t.failed, 8) << summary;
  EXPECT_GE(t.successful, 8) << summary;
  EXPECT_GE(t.accepted, t.runs / 2) << summary;
}

}  // namespace
}  // namespace gust::test
