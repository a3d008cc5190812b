// The lever table: realistic C (caller-owned buffers and structs, const
// tables, memcpy/memset, counted and early-exit loops) compiled to wasm,
// dissolved with every memory lever on, each one off, and all off, and run
// on the emulated Cortex-M3. Prints flash (.text + .rodata + .data image),
// SRAM (.data + .bss) and instructions per workload call; exits 1 when two
// builds of one program disagree on a result. Run it as bench/levers.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/tools.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "wasm/module.h"

namespace fs = std::filesystem;
using namespace gust;

namespace {

struct Program {
  const char* name;
  const char* source;
};

// Each program exports work(seed): it runs the library over data it builds
// from the seed and returns a checksum of the outputs.
const Program kPrograms[] = {
    {"crc32-table", R"(
typedef unsigned int u32; typedef unsigned char u8;
static const u32 table[256] = {
#define X(n) (0xedb88320u * (n) ^ ((n) << 7)),
#define X4(n) X(n) X(n+1) X(n+2) X(n+3)
#define X16(n) X4(n) X4(n+4) X4(n+8) X4(n+12)
#define X64(n) X16(n) X16(n+16) X16(n+32) X16(n+48)
X64(0) X64(64) X64(128) X64(192)
};
__attribute__((noinline)) u32 crc32(const u8* p, u32 n) {
  u32 c = ~0u;
  for (u32 i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}
static u8 msg[200];
__attribute__((export_name("work"))) u32 work(u32 seed) {
  for (u32 i = 0; i < sizeof msg; i++) { seed = seed * 1103515245u + 12345u; msg[i] = (u8)(seed >> 16); }
  return crc32(msg, sizeof msg) ^ crc32(msg + 3, 50);
}
)"},
    {"ring-buffer", R"(
typedef unsigned int u32; typedef unsigned char u8;
struct ring { u8* buf; u32 size, head, tail, drops; };
__attribute__((noinline)) void ring_init(struct ring* r, u8* buf, u32 size) {
  r->buf = buf; r->size = size; r->head = r->tail = r->drops = 0;
}
__attribute__((noinline)) int ring_put(struct ring* r, const u8* p, u32 n) {
  u32 used = r->head - r->tail;
  if (n > r->size - used) { r->drops++; return -1; }
  for (u32 i = 0; i < n; i++) r->buf[(r->head + i) % r->size] = p[i];
  r->head += n;
  return (int)n;
}
__attribute__((noinline)) u32 ring_get(struct ring* r, u8* out, u32 max) {
  u32 n = r->head - r->tail;
  if (n > max) n = max;
  for (u32 i = 0; i < n; i++) out[i] = r->buf[(r->tail + i) % r->size];
  r->tail += n;
  return n;
}
static u8 storage[96];
static struct ring rb;
__attribute__((export_name("work"))) u32 work(u32 seed) {
  u8 in[24], out[24];
  u32 sum = 0;
  ring_init(&rb, storage, sizeof storage);
  for (u32 round = 0; round < 20; round++) {
    seed = seed * 1664525u + 1013904223u;
    u32 n = (seed >> 24) % 24;
    __builtin_memset(in, (int)(seed >> 8), n);
    for (u32 i = 0; i < n; i++) in[i] += (u8)i;
    ring_put(&rb, in, n);
    u32 got = ring_get(&rb, out, (seed >> 4) % 24);
    for (u32 i = 0; i < got; i++) sum = sum * 31 + out[i];
  }
  return sum + rb.drops;
}
)"},
    {"field-parser", R"(
typedef unsigned int u32; typedef unsigned char u8;
enum { DIGIT = 1, ALPHA = 2, SEP = 4, END = 8 };
static const u8 cls[256] = {
  ['0'] = DIGIT, ['1'] = DIGIT, ['2'] = DIGIT, ['3'] = DIGIT, ['4'] = DIGIT, ['5'] = DIGIT, ['6'] = DIGIT,
  ['7'] = DIGIT, ['8'] = DIGIT, ['9'] = DIGIT, ['A'] = ALPHA, ['B'] = ALPHA, ['C'] = ALPHA, ['D'] = ALPHA,
  ['E'] = ALPHA, ['F'] = ALPHA, ['N'] = ALPHA, ['S'] = ALPHA, [','] = SEP, ['*'] = END, ['\n'] = END };
struct fix { u32 fields, number[8]; u8 tag[8]; u32 bad; };
__attribute__((noinline)) u32 parse(const char* s, u32 len, struct fix* f) {
  u32 field = 0, value = 0;
  __builtin_memset(f, 0, sizeof *f);
  for (u32 i = 0; i < len; i++) {
    u8 c = (u8)s[i], k = cls[c];
    if (k & DIGIT) value = value * 10 + (c - '0');
    else if (k & ALPHA) f->tag[field & 7] = c;
    else if (k & (SEP | END)) { f->number[field & 7] = value; value = 0; field++; if (k & END) break; }
    else f->bad++;
  }
  f->fields = field;
  return field;
}
static const char sample[] = "GPGGA,123519,4807038,N,01131000,E,1,08,9,5454*47\n";
__attribute__((export_name("work"))) u32 work(u32 seed) {
  char line[sizeof sample];
  struct fix f;
  __builtin_memcpy(line, sample, sizeof sample);
  line[7 + seed % 6] = (char)('0' + seed % 10);
  u32 n = parse(line, sizeof sample - 1, &f);
  u32 sum = n + f.bad;
  for (u32 i = 0; i < 8; i++) sum = sum * 33 + f.number[i] + f.tag[i];
  return sum;
}
)"},
    {"struct-fields", R"(
typedef unsigned int u32;
struct pid { int kp, ki, kd, i, prev, lo, hi; };
__attribute__((noinline)) int pid_step(struct pid* p, int err) {
  p->i += err * p->ki;
  if (p->i > p->hi) p->i = p->hi;
  if (p->i < p->lo) p->i = p->lo;
  int out = p->kp * err + p->i + p->kd * (err - p->prev);
  p->prev = err;
  return out >> 8;
}
__attribute__((export_name("work"))) u32 work(u32 seed) {
  struct pid p = {300, 20, 50, 0, 0, -5000, 5000};
  u32 sum = 0;
  for (int k = 0; k < 40; k++) { seed = seed * 69069u + 1; sum += (u32)pid_step(&p, (int)(seed >> 22) - 512); }
  return sum;
}
)"},
};

struct Variant {
  const char* name;
  bool read_only_flash, widen, hoist, check_form = true, predicated = true;
};
const Variant kVariants[] = {
    {"all levers on", true, true, true},
    {"--no-read-only-flash", false, true, true},
    {"--no-widen-checks", true, false, true},
    {"--no-hoist-checks", true, true, false},
    {"--no-check-form", true, true, true, false},
    {"--no-predicated-loads", true, true, true, true, false},
    {"all levers off", false, false, false, false, false},
};

[[noreturn]] void die(const std::string& why) {
  fprintf(stderr, "levers_bench: %s\n", why.c_str());
  exit(1);
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Sizes {
  uint64_t flash = 0, sram = 0;
};

Sizes sizes(const fs::path& obj) {
  auto r = base::run_tool({"arm-none-eabi-size", "-A", obj.string()});
  Sizes s;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    uint64_t size = 0, addr = 0;
    if (!(ls >> name >> size >> addr)) continue;
    const bool data = name.rfind(".data", 0) == 0, bss = name.rfind(".bss", 0) == 0;
    if (data || bss) s.sram += size;
    if (name.rfind(".text", 0) == 0 || name.rfind(".rodata", 0) == 0 || data) s.flash += size;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "gust-levers-bench";
  fs::create_directories(dir);
  printf("| program | build | flash B | SRAM B | instructions per call |\n| --- | --- | --- | --- | --- |\n");
  int status = 0;
  for (const Program& p : kPrograms) {
    const fs::path c = dir / (std::string(p.name) + ".c"), o = dir / (std::string(p.name) + ".wo"),
                   w = dir / (std::string(p.name) + ".wasm");
    std::ofstream(c) << p.source;
    auto cc = base::run_tool({"clang-19", "--target=wasm32", "-mcpu=mvp", "-msign-ext", "-mbulk-memory", "-Oz",
                              "-ffreestanding", "-nostdlib", "-c", c.string(), "-o", o.string()});
    if (cc.status) die(p.name + std::string(": ") + cc.output);
    auto ld = base::run_tool({"wasm-ld-19", "--no-entry", "--stack-first", "-z", "stack-size=512",
                              "--export=__data_end", o.string(), "-o", w.string()});
    if (ld.status) die(p.name + std::string(": ") + ld.output);
    auto m = wasm::decode(read_bytes(w));
    if (!m || !wasm::validate(*m)) die(std::string(p.name) + ": not a valid module");
    // The region as gust build sizes it: the data, bss and stack, to the
    // end of what the module lays out.
    uint64_t end = 0;
    for (const auto& e : m->exports)
      if (e.kind == wasm::ExternKind::Global && e.name == "__data_end")
        end = uint32_t(m->globals[e.index - m->imported(wasm::ExternKind::Global)].init.value);
    if (!end) die(std::string(p.name) + ": no __data_end");
    std::optional<uint32_t> reference;
    for (const Variant& v : kVariants) {
      dissolve::Options opts;
      opts.memory_bytes = (end + 7) & ~uint64_t(7);
      opts.prefix = "bench_";  // __data_end's export needs one
      opts.read_only_flash = v.read_only_flash;
      opts.widen_checks = v.widen;
      opts.hoist_checks = v.hoist;
      opts.check_form = v.check_form;
      opts.predicated_loads = v.predicated;
      auto out = dissolve::dissolve(*m, opts);
      if (!out) die(std::string(p.name) + ": " + out.error().str());
      const fs::path obj = dir / (std::string(p.name) + "-" + std::to_string(&v - kVariants) + ".o");
      std::ofstream(obj, std::ios::binary)
          .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
      auto cpu = emu::CortexM::load({obj}, dir / (std::string(p.name) + "-emu" + std::to_string(&v - kVariants)));
      if (!cpu) die(cpu.error().str());
      (*cpu)->count_instructions(true);
      uint64_t instructions = 0;
      uint32_t check = 0;
      const int calls = 20;
      for (uint32_t seed = 1; seed <= calls; ++seed) {
        auto r = (*cpu)->call("bench_work", {seed * 2654435761u});
        if (!r.ok) die(std::string(p.name) + " " + v.name + ": did not return: " + r.fault);
        instructions += r.instructions;
        check = check * 31 + r.r0;
      }
      if (!reference) reference = check;
      if (check != *reference) {
        fprintf(stderr, "levers_bench: %s: %s disagrees with all levers on\n", p.name, v.name);
        status = 1;
      }
      const Sizes s = sizes(obj);
      printf("| %s | %s | %llu | %llu | %llu |\n", p.name, v.name, (unsigned long long)s.flash,
             (unsigned long long)s.sram, (unsigned long long)(instructions / calls));
    }
  }
  return status;
}
