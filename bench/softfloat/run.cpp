// bench/softfloat/run: gust's soft-float helpers (firmware/softfloat) against
// libgcc's (and, for sqrt and sqrtf, newlib's libm), side by side on the
// emulated Cortex-M3. Per helper: flash (the bytes an image grows by when it
// calls that helper alone: its code and whatever it pulls in), instructions
// per call (mean over the same seeded operands, all finite and in range, so
// the common path), and how many of those results differ from the host FPU's
// (round to nearest even). Then the flash of every helper wasm needs at once
// and the geometric-mean instruction ratio.
// usage: run [--calls N] [--work DIR]
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "base/tools.h"
#include "emu/cortexm.h"

namespace fs = std::filesystem;
using gust::emu::CortexM;

namespace {

struct Helper {
  const char* symbol;
  int arg_bits;  // 32 or 64 per argument
  int args;
  int result_bits;
  // Seeded operands, and the FPU's answer (as bits) for them.
  std::function<uint64_t(std::mt19937_64&)> operand;
  std::function<uint64_t(uint64_t, uint64_t)> fpu;
};

double d(uint64_t x) { return std::bit_cast<double>(x); }
float f(uint64_t x) { return std::bit_cast<float>(uint32_t(x)); }
uint64_t db(double x) { return std::bit_cast<uint64_t>(x); }
uint64_t fb(float x) { return std::bit_cast<uint32_t>(x); }

// A finite double or float of either sign with an exponent within `spread` of 1.0's.
uint64_t rand_f64(std::mt19937_64& r, int spread, bool positive = false) {
  const uint64_t e = uint64_t(1023 - spread + int(r() % uint64_t(2 * spread + 1)));
  return (positive ? 0 : (r() & 1) << 63) | e << 52 | (r() & 0xfffffffffffffull);
}
uint64_t rand_f32(std::mt19937_64& r, int spread, bool positive = false) {
  const uint64_t e = uint64_t(127 - spread + int(r() % uint64_t(2 * spread + 1)));
  return (positive ? 0 : (r() & 1) << 31) | e << 23 | (r() & 0x7fffffu);
}
// A float whose magnitude is below 2^bits (for the truncations).
uint64_t rand_int_f64(std::mt19937_64& r, int bits, bool positive) {
  return (positive ? 0 : (r() & 1) << 63) | uint64_t(1023 + r() % uint64_t(bits)) << 52 | (r() & 0xfffffffffffffull);
}
uint64_t rand_int_f32(std::mt19937_64& r, int bits, bool positive) {
  return (positive ? 0 : (r() & 1) << 31) | uint64_t(127 + r() % uint64_t(bits)) << 23 | (r() & 0x7fffffu);
}

std::vector<Helper> helpers() {
  auto F = [](std::mt19937_64& r) { return rand_f32(r, 20); };
  auto D = [](std::mt19937_64& r) { return rand_f64(r, 20); };
  auto cmp32 = [](int (*p)(float, float)) {
    return [p](uint64_t a, uint64_t b) { return uint64_t(p(f(a), f(b))); };
  };
  auto cmp64 = [](int (*p)(double, double)) {
    return [p](uint64_t a, uint64_t b) { return uint64_t(p(d(a), d(b))); };
  };
  // Comparison operands: equal a quarter of the time.
  auto CF = [](std::mt19937_64& r) { return (r() & 3) ? rand_f32(r, 4) : fb(1.5f); };
  auto CD = [](std::mt19937_64& r) { return (r() & 3) ? rand_f64(r, 4) : db(1.5); };
  return {
      {"__aeabi_fadd", 32, 2, 32, F, [](uint64_t a, uint64_t b) { return fb(f(a) + f(b)); }},
      {"__aeabi_fsub", 32, 2, 32, F, [](uint64_t a, uint64_t b) { return fb(f(a) - f(b)); }},
      {"__aeabi_fmul", 32, 2, 32, F, [](uint64_t a, uint64_t b) { return fb(f(a) * f(b)); }},
      {"__aeabi_fdiv", 32, 2, 32, F, [](uint64_t a, uint64_t b) { return fb(f(a) / f(b)); }},
      {"sqrtf", 32, 1, 32, [](std::mt19937_64& r) { return rand_f32(r, 20, true); },
       [](uint64_t a, uint64_t) { return fb(std::sqrt(f(a))); }},
      {"__aeabi_dadd", 64, 2, 64, D, [](uint64_t a, uint64_t b) { return db(d(a) + d(b)); }},
      {"__aeabi_dsub", 64, 2, 64, D, [](uint64_t a, uint64_t b) { return db(d(a) - d(b)); }},
      {"__aeabi_dmul", 64, 2, 64, D, [](uint64_t a, uint64_t b) { return db(d(a) * d(b)); }},
      {"__aeabi_ddiv", 64, 2, 64, D, [](uint64_t a, uint64_t b) { return db(d(a) / d(b)); }},
      {"sqrt", 64, 1, 64, [](std::mt19937_64& r) { return rand_f64(r, 20, true); },
       [](uint64_t a, uint64_t) { return db(std::sqrt(d(a))); }},
      {"__aeabi_i2f", 32, 1, 32, [](std::mt19937_64& r) { return r() & 0xffffffffu; },
       [](uint64_t a, uint64_t) { return fb(float(int32_t(a))); }},
      {"__aeabi_ui2f", 32, 1, 32, [](std::mt19937_64& r) { return r() & 0xffffffffu; },
       [](uint64_t a, uint64_t) { return fb(float(uint32_t(a))); }},
      {"__aeabi_l2f", 64, 1, 32, [](std::mt19937_64& r) { return r(); },
       [](uint64_t a, uint64_t) { return fb(float(int64_t(a))); }},
      {"__aeabi_ul2f", 64, 1, 32, [](std::mt19937_64& r) { return r(); },
       [](uint64_t a, uint64_t) { return fb(float(a)); }},
      {"__aeabi_i2d", 32, 1, 64, [](std::mt19937_64& r) { return r() & 0xffffffffu; },
       [](uint64_t a, uint64_t) { return db(double(int32_t(a))); }},
      {"__aeabi_ui2d", 32, 1, 64, [](std::mt19937_64& r) { return r() & 0xffffffffu; },
       [](uint64_t a, uint64_t) { return db(double(uint32_t(a))); }},
      {"__aeabi_l2d", 64, 1, 64, [](std::mt19937_64& r) { return r(); },
       [](uint64_t a, uint64_t) { return db(double(int64_t(a))); }},
      {"__aeabi_ul2d", 64, 1, 64, [](std::mt19937_64& r) { return r(); },
       [](uint64_t a, uint64_t) { return db(double(a)); }},
      {"__aeabi_f2d", 32, 1, 64, F, [](uint64_t a, uint64_t) { return db(double(f(a))); }},
      {"__aeabi_d2f", 64, 1, 32, D, [](uint64_t a, uint64_t) { return fb(float(d(a))); }},
      {"__aeabi_f2iz", 32, 1, 32, [](std::mt19937_64& r) { return rand_int_f32(r, 31, false); },
       [](uint64_t a, uint64_t) { return uint64_t(uint32_t(int32_t(f(a)))); }},
      {"__aeabi_f2uiz", 32, 1, 32, [](std::mt19937_64& r) { return rand_int_f32(r, 32, true); },
       [](uint64_t a, uint64_t) { return uint64_t(uint32_t(f(a))); }},
      {"__aeabi_f2lz", 32, 1, 64, [](std::mt19937_64& r) { return rand_int_f32(r, 63, false); },
       [](uint64_t a, uint64_t) { return uint64_t(int64_t(f(a))); }},
      {"__aeabi_f2ulz", 32, 1, 64, [](std::mt19937_64& r) { return rand_int_f32(r, 64, true); },
       [](uint64_t a, uint64_t) { return uint64_t(f(a)); }},
      {"__aeabi_d2iz", 64, 1, 32, [](std::mt19937_64& r) { return rand_int_f64(r, 31, false); },
       [](uint64_t a, uint64_t) { return uint64_t(uint32_t(int32_t(d(a)))); }},
      {"__aeabi_d2uiz", 64, 1, 32, [](std::mt19937_64& r) { return rand_int_f64(r, 32, true); },
       [](uint64_t a, uint64_t) { return uint64_t(uint32_t(d(a))); }},
      {"__aeabi_d2lz", 64, 1, 64, [](std::mt19937_64& r) { return rand_int_f64(r, 63, false); },
       [](uint64_t a, uint64_t) { return uint64_t(int64_t(d(a))); }},
      {"__aeabi_d2ulz", 64, 1, 64, [](std::mt19937_64& r) { return rand_int_f64(r, 64, true); },
       [](uint64_t a, uint64_t) { return uint64_t(d(a)); }},
      {"__aeabi_fcmpeq", 32, 2, 32, CF, cmp32([](float a, float b) { return int(a == b); })},
      {"__aeabi_fcmplt", 32, 2, 32, CF, cmp32([](float a, float b) { return int(a < b); })},
      {"__aeabi_fcmple", 32, 2, 32, CF, cmp32([](float a, float b) { return int(a <= b); })},
      {"__aeabi_fcmpge", 32, 2, 32, CF, cmp32([](float a, float b) { return int(a >= b); })},
      {"__aeabi_fcmpgt", 32, 2, 32, CF, cmp32([](float a, float b) { return int(a > b); })},
      {"__aeabi_fcmpun", 32, 2, 32, CF, cmp32([](float a, float b) { return int(std::isunordered(a, b)); })},
      {"__aeabi_dcmpeq", 64, 2, 32, CD, cmp64([](double a, double b) { return int(a == b); })},
      {"__aeabi_dcmplt", 64, 2, 32, CD, cmp64([](double a, double b) { return int(a < b); })},
      {"__aeabi_dcmple", 64, 2, 32, CD, cmp64([](double a, double b) { return int(a <= b); })},
      {"__aeabi_dcmpge", 64, 2, 32, CD, cmp64([](double a, double b) { return int(a >= b); })},
      {"__aeabi_dcmpgt", 64, 2, 32, CD, cmp64([](double a, double b) { return int(a > b); })},
      {"__aeabi_dcmpun", 64, 2, 32, CD, cmp64([](double a, double b) { return int(std::isunordered(a, b)); })},
  };
}

std::string referencing(const std::vector<std::string>& symbols) {
  std::string s = ".section .rodata.gust_keep,\"a\"\n.p2align 2\n";
  for (const auto& sym : symbols) s += ".word " + sym + "\n";
  return s;
}

// The .text (code and rodata) of the image the emulator linked in `dir`.
long text_bytes(const fs::path& dir) {
  auto r = gust::base::run_tool({gust::base::tool("GUST_ARM_SIZE", "arm-none-eabi-size"), "-A",
                                 (dir / "image.elf").string()});
  size_t at = r.output.find("\n.text");
  if (r.status != 0 || at == std::string::npos) return -1;
  return std::atol(r.output.c_str() + r.output.find_first_not_of(" ", at + 6));
}

struct Linked {
  std::unique_ptr<CortexM> m;
  long flash = -1;  // .text beyond the empty image, less the reference words
};

Linked link(const std::vector<std::string>& symbols, bool libgcc, const fs::path& dir, long baseline) {
  Linked l;
  auto m = CortexM::create();
  if (!m) return l;
  (*m)->use_libgcc_float(libgcc);
  if (auto img = (*m)->add_image({}, dir, referencing(symbols), {}); !img) {
    std::fprintf(stderr, "softfloat: %s\n", img.error().message.c_str());
    return l;
  }
  l.flash = text_bytes(dir) - baseline - 4 * long(symbols.size());
  l.m = std::move(*m);
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 500;
  fs::path work = fs::temp_directory_path() / ("gust-bench-softfloat-" + std::to_string(getpid()));
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--calls") && i + 1 < argc)
      calls = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--work") && i + 1 < argc)
      work = argv[++i];
    else {
      std::fprintf(stderr, "usage: run [--calls N] [--work DIR]\n");
      return 2;
    }
  }
  const long base = [&] {
    auto m = CortexM::create();
    if (!m || !(*m)->add_image({}, work / "empty", referencing({}), {})) return -1L;
    return text_bytes(work / "empty");
  }();
  if (base < 0) {
    std::fprintf(stderr, "softfloat: cannot link the empty image\n");
    return 1;
  }
  const auto hs = helpers();
  std::printf("Soft float on the emulated Cortex-M3: gust (firmware/softfloat) against libgcc (sqrt, sqrtf: newlib's libm)\n");
  std::printf("flash = bytes an image grows by to call the helper alone; instr = mean per call over %d seeded\n", calls);
  std::printf("finite operands; wrong = results that differ from the host FPU's round-to-nearest-even\n\n");
  std::printf("%-16s %10s %12s %10s %12s %8s %10s %10s\n", "helper", "flash gust", "flash libgcc", "instr gust",
              "instr libgcc", "ratio", "wrong gust", "wrong libgcc");
  double log_ratio = 0;
  int n_ratio = 0;
  long wrong_total[2] = {0, 0};
  std::vector<std::string> all;
  for (const auto& h : hs) {
    all.push_back(h.symbol);
    long flash[2];
    double instr[2];
    long wrong[2] = {0, 0};
    for (int lib = 0; lib < 2; ++lib) {
      Linked l = link({h.symbol}, lib == 1, work / (std::string(h.symbol) + (lib ? "-libgcc" : "-gust")), base);
      if (!l.m) return 1;
      flash[lib] = l.flash;
      std::mt19937_64 rng(1234);
      uint64_t total = 0;
      l.m->count_instructions(true);
      for (int i = 0; i < calls; ++i) {
        const uint64_t a = h.operand(rng), b = h.operand(rng);
        std::vector<uint32_t> words;
        auto push = [&](uint64_t v) {
          words.push_back(uint32_t(v));
          if (h.arg_bits == 64) words.push_back(uint32_t(v >> 32));
        };
        push(a);
        if (h.args == 2) push(b);
        auto c = l.m->call(h.symbol, words);
        if (!c.ok) {
          std::fprintf(stderr, "softfloat: %s (%s) did not return: %s\n", h.symbol, lib ? "libgcc" : "gust",
                       c.fault.c_str());
          return 1;
        }
        total += c.instructions;
        uint64_t r = h.result_bits == 64 ? uint64_t(c.r1) << 32 | c.r0 : c.r0;
        uint64_t want = h.fpu(a, b);
        if (h.result_bits == 32) want &= 0xffffffffu;
        if (r != want) ++wrong[lib];
      }
      instr[lib] = double(total) / calls;
      wrong_total[lib] += wrong[lib];
    }
    const double ratio = instr[0] / instr[1];
    log_ratio += std::log(ratio);
    ++n_ratio;
    std::printf("%-16s %10ld %12ld %10.1f %12.1f %8.2f %10ld %10ld\n", h.symbol, flash[0], flash[1], instr[0],
                instr[1], ratio, wrong[0], wrong[1]);
  }
  Linked g = link(all, false, work / "all-gust", base), l = link(all, true, work / "all-libgcc", base);
  if (!g.m || !l.m) return 1;
  std::printf("\nall %zu helpers together: flash gust %ld B, libgcc %ld B (%.2fx); instructions gust/libgcc %.2fx "
              "(geometric mean); wrong results gust %ld, libgcc %ld of %d per helper\n",
              hs.size(), g.flash, l.flash, double(g.flash) / double(l.flash), std::exp(log_ratio / n_ratio),
              wrong_total[0], wrong_total[1], calls);
  std::error_code ec;
  fs::remove_all(work, ec);
  return wrong_total[0] == 0 ? 0 : 1;
}
