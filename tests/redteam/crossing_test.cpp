// The crossings the last stop added, attacked from outside: list<u8> copied
// between instances by the wiring's adapters, the wiring itself (an app's own
// WIT, imports that name the bridge), SysTick granted to a driver, the pins
// and windows of the chip description, and malformed manifests and chips.
// The hostile modules and WIT files are in tests/redteam/crossing/; each test
// asserts the refusal (with its message) or the trap (with its code) that
// the sandbox promises. tests/redteam/README.md's "crossings" table lists
// them.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <sstream>

#include "../support.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"

namespace gust::test {
namespace {

constexpr uint32_t kTrapMemoryOob = 4;     // GUST_TRAP_MEMORY_OOB
constexpr uint32_t kTrapMmioWindow = 10;   // GUST_TRAP_MMIO_WINDOW
constexpr uint32_t kTrapListTooLong = 13;  // GUST_TRAP_LIST_TOO_LONG
constexpr uint32_t kListMax = 64;          // compose::kListMaxBytes

fs::path crossing(const std::string& file) { return source_root() / "tests/redteam/crossing" / file; }

struct Built {
  Result<compose::Report> report = Error::make(Error::Kind::Input, "not built");
  fs::path out;
};

// The node `name` of manifest text `toml`, written in its own scratch folder
// (paths in it absolute), loaded and built there.
Built build_text(const std::string& name, const std::string& toml) {
  const fs::path dir = scratch("crossing-" + name);
  const fs::path file = dir / (name + ".toml");
  std::ofstream(file) << "name = \"" << name << "\"\nchip = \"stm32f100rb\"\n" << toml;
  Built b;
  b.out = dir / "out";
  auto node = compose::load_node(file);
  if (!node) {
    b.report = node.error();
    return b;
  }
  compose::BuildOptions o;
  o.out_root = b.out;
  b.report = compose::build(*node, o);
  return b;
}

std::string q(const fs::path& p) { return "\"" + p.string() + "\""; }

// The native echo app's line of a manifest.
const std::string kNativeApp = "app = " + q(source_root() / "firmware/stm32f100/app_uart_echo.c") + "\n";

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "; ";
  return s;
}

// ---------------------------------------------------------------------------
// list<u8> across instances: the adapters on the emulated core.

// app-lists.wat over the hostile callee-lists.wat on usart1, booted on the
// emulated core with USART1's data register reading *dr.
struct ListNode {
  Built b;
  std::shared_ptr<uint32_t> dr = std::make_shared<uint32_t>(0);
  std::unique_ptr<emu::CortexM> cpu;
  uint32_t app = 0, app_bytes = 0, callee = 0, callee_bytes = 0;

  void boot() {
    auto d = dr;
    auto c = emu::CortexM::load_image(
        b.report->elf, 0x40013800, 0x400, [d](uint32_t off) { return off == 4 ? *d : 0x80u; },
        [](uint32_t, uint32_t) {});
    ASSERT_TRUE(c) << c.error().str();
    cpu = std::move(*c);
    const std::string a = dissolve::memory_symbol("app_"), k = dissolve::memory_symbol("console_");
    ASSERT_TRUE(cpu->has(a) && cpu->has(k) && cpu->has(a + dissolve::kMemoryBytesSymbol));
    app = cpu->address(a);
    callee = cpu->address(k);
    // The app's size as its adapters read it; the callee's, its region's symbol size.
    ASSERT_TRUE(cpu->read(cpu->address(a + dissolve::kMemoryBytesSymbol), &app_bytes, 4));
    EXPECT_EQ(app_bytes, cpu->code_bytes(a));
    callee_bytes = uint32_t(cpu->code_bytes(k));
  }
  std::vector<uint8_t> bytes(uint32_t at, uint32_t n) const {
    std::vector<uint8_t> v(n);
    EXPECT_TRUE(cpu->read(at, v.data(), n));
    return v;
  }
  uint32_t word(uint32_t at) const {
    uint32_t w = 0;
    EXPECT_TRUE(cpu->read(at, &w, 4));
    return w;
  }
  // The whole of SRAM but the stack's part: what a trapped call must leave as it was.
  std::vector<uint8_t> regions() const {
    const uint32_t lo = std::min(app, callee), hi = std::max(app + app_bytes, callee + callee_bytes);
    return bytes(lo, hi - lo);
  }
};

ListNode list_node() {
  ListNode n;
  n.b = build_text("lists", "app = " + q(crossing("app-lists.wat")) +
                                "\napp_world = \"echo-lists\"\n[[driver]]\ninstance = \"console\"\nsource = " +
                                q(crossing("callee-lists.wat")) +
                                "\nworld = \"driver-thin-lists\"\nperipheral = \"usart1\"\n");
  return n;
}

// uart-write's (ptr, len), each pair against the app's region of B bytes:
// inside (the callee gets the transfer buffer's offset and the bytes), past
// the region or wrapping 2^32 (trap 4 before a byte moves), longer than the
// buffer (trap 13), and the callee's own SRAM address as the app's pointer.
TEST(Crossing, AListArgumentIsCheckedBeforeAByteMoves) {
  ListNode n = list_node();
  ASSERT_TRUE(n.b.report) << n.b.report.error().str();
  EXPECT_NE(joined(n.b.report->links).find("app -> gust_wire_console_uart_write"), std::string::npos)
      << joined(n.b.report->links);
  n.boot();
  ASSERT_TRUE(n.cpu);
  const uint32_t B = n.app_bytes;
  ASSERT_GE(B, 128u) << "the app's 128 bytes of data";
  ASSERT_GE(n.callee_bytes, 16u + 2 * kListMax) << "the callee's region has its two transfer buffers";

  struct Case {
    uint32_t ptr, len, trap;  // trap 0: copied
  };
  const uint32_t callee_abs = n.callee;  // the console's region, as an absolute address
  const std::vector<Case> cases = {
      {0, 0, 0},
      {B, 0, 0},                            // empty, at the very end
      {0, kListMax, 0},                     // the whole buffer
      {B - kListMax, kListMax, 0},          // the app's last 64 bytes
      {B + 1, 0, kTrapMemoryOob},           // empty but past the end
      {B - 4, 5, kTrapMemoryOob},           // one byte past the end
      {0, B + 1, kTrapMemoryOob},           // longer than the region
      {0xFFFFFFF0u, 0x20, kTrapMemoryOob},  // ptr + len wraps to 0x10
      {8, 0xFFFFFFFCu, kTrapMemoryOob},     // ptr + len wraps to 4
      {0xFFFFFFFFu, 1, kTrapMemoryOob},
      {callee_abs, 8, kTrapMemoryOob},          // the callee's own address
      {callee_abs - n.app, 8, kTrapMemoryOob},  // the callee's region as an offset from the app's
      {0, kListMax + 1, kTrapListTooLong},
      {B - kListMax - 1, kListMax + 1, kTrapListTooLong},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("uart-write(" + std::to_string(c.ptr) + ", " + std::to_string(c.len) + ")");
    // The callee's record and its buffers, poisoned before each call.
    const std::vector<uint8_t> poison(n.callee_bytes, 0xEE);
    ASSERT_TRUE(n.cpu->write(n.callee, poison.data(), poison.size()));
    const auto before = n.regions();
    auto r = n.cpu->call("gust_wire_console_uart_write", {c.ptr, c.len});
    if (c.trap) {
      EXPECT_TRUE(r.trapped) << "returned normally or faulted: " << r.fault;
      EXPECT_EQ(r.trap_code, c.trap);
      EXPECT_EQ(n.regions(), before) << "a trapped call changed a region";
      continue;
    }
    ASSERT_TRUE(r.ok) << r.fault;
    const uint32_t at = n.word(n.callee + 0), len = n.word(n.callee + 4);
    EXPECT_EQ(len, c.len);
    ASSERT_LE(uint64_t(at) + len, n.callee_bytes) << "the callee was handed a range outside its region";
    EXPECT_GE(at, 16u) << "the buffer overlaps the callee's own data";
    EXPECT_EQ(n.bytes(n.callee + at, len), n.bytes(n.app + c.ptr, len));
  }
}

// uart-read's result: the callee says how long it is (the data register's
// value here), the adapter checks that against what the app asked for (max,
// the bytes its buffer holds) and the buffer (trap 13), and the app's
// [out, out + n) against its region (trap 4), before copying back. At
// 73138bd a callee could return more than max (64 for max 1), which the
// adapter copied past the app's buffer.
TEST(Crossing, AListResultIsCheckedBeforeItIsCopiedBack) {
  ListNode n = list_node();
  ASSERT_TRUE(n.b.report) << n.b.report.error().str();
  n.boot();
  ASSERT_TRUE(n.cpu);
  const uint32_t B = n.app_bytes;
  struct Case {
    uint32_t claimed, max, out, trap;
  };
  const std::vector<Case> cases = {
      {0, 64, B, 0},                // empty, at the very end
      {64, 64, B - 64, 0},          // the whole buffer into the app's last 64 bytes
      {2, 1, 0, kTrapListTooLong},  // one more than `max`: past the app's buffer
      {64, 63, 0, kTrapListTooLong},
      {65, 0xFFFFFFFFu, 0, kTrapListTooLong},  // a `max` past the buffer: the buffer still bounds it
      {5, 5, B - 5, 0},                        // exactly `max`
      {65, 64, 0, kTrapListTooLong},           // one past the buffer
      {0xFFFFFFFFu, 64, 0, kTrapListTooLong},  // -1
      {0x80000000u, 64, 0, kTrapListTooLong},
      {64, 64, B - 63, kTrapMemoryOob},           // one byte past the app's end
      {1, 64, 0xFFFFFFFFu, kTrapMemoryOob},       // out + 1 wraps to 0
      {8, 64, n.callee - n.app, kTrapMemoryOob},  // the callee's region as the app's out
      {0, 64, B + 1, kTrapMemoryOob},             // empty but past the end
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("uart-read(" + std::to_string(c.max) + ", out " + std::to_string(c.out) + "), callee claims " +
                 std::to_string(c.claimed));
    *n.dr = c.claimed;
    // A known result buffer in the callee and a poisoned app region.
    const std::vector<uint8_t> poison(n.app_bytes, 0xA5);
    ASSERT_TRUE(n.cpu->write(n.app, poison.data(), poison.size()));
    std::vector<uint8_t> result(kListMax);
    for (uint32_t i = 0; i < kListMax; ++i) result[i] = uint8_t(i + 1);
    const uint32_t out_buf = n.callee_bytes - kListMax;  // the last buffer reserved is uart-read's result buffer
    ASSERT_TRUE(n.cpu->write(n.callee + out_buf, result.data(), result.size()));
    const auto before = n.regions();
    auto r = n.cpu->call("gust_wire_console_uart_read", {c.max, c.out});
    if (c.trap) {
      EXPECT_TRUE(r.trapped) << "returned normally or faulted: " << r.fault;
      EXPECT_EQ(r.trap_code, c.trap);
      // The callee's own record of the call (offsets 8, 12) changed; the app's region did not.
      EXPECT_EQ(n.bytes(n.app, n.app_bytes), poison) << "a trapped result reached the app";
      (void)before;
      continue;
    }
    ASSERT_TRUE(r.ok) << r.fault;
    EXPECT_EQ(r.r0, c.claimed);
    EXPECT_EQ(n.word(n.callee + 8), c.max);
    EXPECT_EQ(n.word(n.callee + 12), out_buf) << "the callee's out is its own result buffer, not the app's pointer";
    EXPECT_EQ(n.bytes(n.app + c.out, c.claimed), std::vector<uint8_t>(result.begin(), result.begin() + c.claimed));
    if (c.out > 0) EXPECT_EQ(n.bytes(n.app, 1), std::vector<uint8_t>{0xA5});
  }
}

// A list result with no `max` to hold it to: in a copy of the project whose
// gust:drivers names uart-read's parameter otherwise, the wiring refuses the
// call (the adapter would not know how many bytes the app's buffer holds).
TEST(Crossing, AListResultWithoutAMaxIsRefused) {
  const fs::path root = scratch("crossing-no-max") / "project";
  fs::create_directories(root);
  for (const char* dir : {"chips", "firmware", "wit", "include", "runtime"})
    fs::copy(source_root() / dir, root / dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const fs::path drivers = root / "wit/gust-drivers.wit";
  std::string text;
  {
    std::ifstream in(drivers);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string from = "uart-read: func(max: u32) -> list<u8>;";
  ASSERT_NE(text.find(from), std::string::npos) << "uart-read is no longer declared as the test expects";
  text.replace(text.find(from), from.size(), "uart-read: func(limit: u32) -> list<u8>;");
  std::ofstream(drivers) << text;
  fs::create_directories(root / "nodes");
  const fs::path file = root / "nodes/no-max.toml";
  std::ofstream(file) << "name = \"no-max\"\nchip = \"stm32f100rb\"\napp = " << q(crossing("app-lists.wat"))
                      << "\napp_world = \"echo-lists\"\n[[driver]]\ninstance = \"console\"\nsource = "
                      << q(crossing("callee-lists.wat"))
                      << "\nworld = \"driver-thin-lists\"\nperipheral = \"usart1\"\n";
  auto node = compose::load_node(file);
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions o;
  o.out_root = root / "out";
  auto r = compose::build(*node, o);
  ASSERT_FALSE(r) << "built";
  EXPECT_NE(r.error().str().find("import 2 \"console\" \"uart-read\": a list result crosses between instances only "
                                 "with a `max: u32` parameter"),
            std::string::npos)
      << r.error().str();
}

// ---------------------------------------------------------------------------
// The wiring.

std::string forged_node(const std::string& app, const std::string& world, const std::string& drivers) {
  return "app = " + q(crossing(app)) + "\napp_world = \"" + world + "\"\napp_wit = " + q(crossing("forged/apps.wit")) +
         "\n" + drivers;
}

const std::string kListsConsole =
    "[[driver]]\ninstance = \"console\"\nsource = " + q(source_root() / "drivers/uart-thin/uart.cpp") +
    "\nworld = \"driver-thin-lists\"\ndefines = [\"GUST_UART_LISTS\"]\n"
    "peripheral = \"usart1\"\n";

// A timer-shaped driver (its handler traps) on systick.
std::string timer_driver(const std::string& instance) {
  return "[[driver]]\ninstance = \"" + instance + "\"\nsource = " + q(crossing("timer-shaped.wat")) +
         "\nworld = \"driver-timer\"\nperipheral = \"systick\"\n";
}

// An app whose own WIT redeclares uart-lists' list functions as u32s: the
// core types equal the driver's, so only the WIT says a list crosses. The
// wiring must hold the app's function to the one the instance serves
// (wit/gust-drivers.wit), or the app's numbers reach the console as offsets
// into the console's region (uart-read writes there, uart-write sends it).
TEST(Crossing, AnAppsOwnWitCannotRedeclareAListAsNumbers) {
  Built b = build_text("forged-lists", forged_node("app-forged-lists.wat", "forged-lists", kListsConsole));
  ASSERT_FALSE(b.report) << "built; links: " << joined(b.report->links);
  const std::string e = b.report.error().str();
  EXPECT_NE(e.find("import 1 \"console\" \"uart-write\""), std::string::npos) << e;
  EXPECT_NE(e.find("declares it as func(at: u32, len: u32)"), std::string::npos) << e;
  EXPECT_NE(e.find("instance 'console' serves func(bytes: list<u8>)"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(b.out / "forged-lists")) << "a refused build left its folder";
}

// The same forged package adds the timer's SysTick handler to the interface:
// the app would call irq_handler_0, an export of the driver no WIT of the
// project grants to anyone.
TEST(Crossing, AnAppCannotImportADriverExportTheWitLacks) {
  Built b = build_text("forged-handler", forged_node("app-forged-handler.wat", "forged-handler", timer_driver("tick")));
  ASSERT_FALSE(b.report) << "built; links: " << joined(b.report->links);
  const std::string e = b.report.error().str();
  EXPECT_NE(e.find("import 1 \"tick\" \"irq-handler-0\""), std::string::npos) << e;
  EXPECT_NE(e.find("gust:drivers/timer has no function irq-handler-0"), std::string::npos) << e;
}

// A driver imports another instance's export, under the instance's name and
// under the interface's: a driver's imports are gust:hal capabilities only.
TEST(Crossing, ADriverCannotImportAnotherDriversExport) {
  Built b = build_text("driver-imports", "app = " + q(source_root() / "firmware/stm32f100/app_uart_echo.c") +
                                             "\n[[driver]]\ninstance = \"console\"\nsource = " +
                                             q(crossing("driver-imports-driver.wat")) + "\nperipheral = \"usart1\"\n");
  ASSERT_FALSE(b.report);
  const std::string e = b.report.error().str();
  EXPECT_NE(e.find("import 0 \"console\" \"uart-tx-byte\""), std::string::npos) << e;
  EXPECT_NE(e.find("import 1 \"gust:drivers/uart\" \"uart-tx-byte\""), std::string::npos) << e;
}

// An app whose imports name the bridge or another instance's symbols: the
// seam (gust:hal, or a mangled bridge name), a C name, the callee's adapter,
// another instance's memory. Each is refused by the wiring, naming the import.
TEST(Crossing, AnAppsImportNamesReachNoBridgeNorMemory) {
  const std::vector<std::pair<std::string, std::string>> imports = {
      {"(import \"gust:hal/mmio\" \"read32\" (func (param i32) (result i32)))", "\"gust:hal/mmio\" \"read32\""},
      {"(import \"console_gust_hal_mmio\" \"read32\" (func (param i32) (result i32)))",
       "\"console_gust_hal_mmio\" \"read32\""},
      {"(import \"console\" \"gust_hal_mmio__read32\" (func (param i32) (result i32)))",
       "\"console\" \"gust_hal_mmio__read32\""},
      {"(import \"console\" \"uart_init\" (func (param i32 i32)))", "\"console\" \"uart_init\""},
      {"(import \"console\" \"gust_wire_console_uart_write\" (func (param i32 i32)))",
       "\"console\" \"gust_wire_console_uart_write\""},
      {"(import \"console\" \"memory\" (memory 1))", "\"console\" \"memory\""},
      {"(import \"console\" \"gust_memory\" (global i32))", "\"console\" \"gust_memory\""},
      {"(import \"console\" \"uart-write\" (func (param i32 i32)))\n"
       "  (import \"console\" \"uart-write\" (func (param i32 i32 i32)))",
       "\"console\" \"uart-write\""},
  };
  int k = 0;
  for (const auto& [imp, named] : imports) {
    SCOPED_TRACE(imp);
    const fs::path wat = scratch("crossing-app-import") / ("app" + std::to_string(k) + ".wat");
    const bool own_memory = imp.find("(memory") == std::string::npos;
    std::ofstream(wat) << "(module\n  " << imp << "\n  " << (own_memory ? "(memory (export \"memory\") 1)" : "")
                       << "\n  (func (export \"run\")))\n";
    const std::string name = "app-import" + std::to_string(k++);
    Built b = build_text(name, "app = " + q(wat) + "\napp_world = \"echo-lists\"\n" + kListsConsole);
    ASSERT_FALSE(b.report) << "built; links: " << joined(b.report->links);
    const std::string e = b.report.error().str();
    EXPECT_NE(e.find(named), std::string::npos) << e;
    EXPECT_NE(e.find("no image built"), std::string::npos) << e;
    EXPECT_FALSE(fs::exists(b.out / name));
  }
}

// ---------------------------------------------------------------------------
// Windows and pins: a driver reaches only its own peripheral's registers.

// window-probe.wat granted `peripheral`, on the emulated core with the window
// at `base`: a write at each offset traps 10 and reaches no bus, an offset
// inside the window reaches the model.
void probe(const std::string& peripheral, uint32_t base, uint32_t size,
           const std::vector<std::pair<std::string, uint32_t>>& targets) {
  SCOPED_TRACE(peripheral);
  Built b = build_text("probe-" + peripheral,
                       "app = " + q(source_root() / "firmware/stm32f100/app_uart_echo.c") +
                           "\n[[driver]]\ninstance = \"console\"\nsource = " + q(crossing("window-probe.wat")) +
                           "\nperipheral = \"" + peripheral + "\"\n");
  ASSERT_TRUE(b.report) << b.report.error().str();
  std::vector<std::pair<uint32_t, uint32_t>> writes;
  auto cpu = emu::CortexM::load_image(
      b.report->elf, base, size, [](uint32_t) { return 0u; },
      [&](uint32_t off, uint32_t v) { writes.emplace_back(off, v); });
  ASSERT_TRUE(cpu) << cpu.error().str();
  auto ok = (*cpu)->call("console_uart_init", {size - 4, 0x1234});
  ASSERT_TRUE(ok.ok) << ok.fault;
  // The emulator serves the system space as plain memory (SysTick's window
  // there is no device model): the write is read back instead.
  const bool core = base >= 0xE0000000u;
  uint32_t back = 0;
  if (core) ASSERT_TRUE((*cpu)->read(base + size - 4, &back, 4) && back == 0x1234) << "the in-window write is lost";
  if (!core) ASSERT_EQ(writes, (std::vector<std::pair<uint32_t, uint32_t>>{{size - 4, 0x1234}}));
  const uint32_t bus = core ? 0 : 1;
  for (const auto& [what, addr] : targets) {
    SCOPED_TRACE(what);
    auto r = (*cpu)->call("console_uart_init", {addr - base, 0xFFFFFFFF});
    EXPECT_TRUE(r.trapped) << "returned normally or faulted: " << r.fault;
    EXPECT_EQ(r.trap_code, kTrapMmioWindow);
  }
  EXPECT_EQ(writes.size(), bus) << "a write outside the window reached the bus";
}

const std::vector<std::pair<std::string, uint32_t>> kElsewhere = {{"GPIOA CRH (USART1's PA9/PA10)", 0x40010804},
                                                                  {"GPIOA BSRR", 0x40010810},
                                                                  {"RCC APB2ENR", 0x40021018},
                                                                  {"USART1 DR", 0x40013804},
                                                                  {"SPI1 CR1", 0x40013000},
                                                                  {"SPI2 CR1", 0x40003800},
                                                                  {"SCB ICSR (PENDSTSET)", 0xE000ED04},
                                                                  {"NVIC ISER1", 0xE000E104},
                                                                  {"NVIC ISPR1", 0xE000E204},
                                                                  {"NVIC STIR", 0xE000EF00},
                                                                  {"SysTick CSR", 0xE000E010},
                                                                  {"SCB SHPR3", 0xE000ED20},
                                                                  {"SCB AIRCR", 0xE000ED0C},
                                                                  {"SCB VTOR", 0xE000ED08}};

std::vector<std::pair<std::string, uint32_t>> except(uint32_t lo, uint32_t hi) {
  std::vector<std::pair<std::string, uint32_t>> v;
  for (const auto& t : kElsewhere)
    if (t.second < lo || t.second >= hi) v.push_back(t);
  return v;
}

TEST(Crossing, AGpioPortInstanceReachesNoOtherPortNorRcc) {
  probe("gpioc", 0x40011000, 0x400, except(0x40011000, 0x40011400));
}

TEST(Crossing, AnSpiInstanceReachesNeitherTheOtherSpiNorItsNeighbours) {
  probe("spi1", 0x40013000, 0x400, except(0x40013000, 0x40013400));
}

// No window but SysTick's own reaches the SCB or the NVIC: a driver without
// the systick grant cannot enable or pend SysTick (ICSR.PENDSTSET), pend a
// line (ISPR, STIR) or move the vector table; with the grant, only
// CSR/RVR/CVR/CALIB.
TEST(Crossing, NoDriverPendsAnExceptionThroughAWindow) {
  probe("usart1", 0x40013800, 0x400, except(0x40013800, 0x40013C00));
  probe("systick", 0xE000E010, 0x10, except(0xE000E010, 0xE000E020));
}

// SysTick's exception has one vector: two instances granted systick (so two
// handlers for it) are refused, as any peripheral granted twice.
TEST(Crossing, SysTickIsGrantedToOneInstanceOnly) {
  Built b = build_text("systick-twice", "app = " + q(source_root() / "firmware/stm32f100/app_uart_echo.c") + "\n" +
                                            timer_driver("one") + timer_driver("two"));
  ASSERT_FALSE(b.report);
  const std::string e = b.report.error().str();
  EXPECT_NE(e.find("driver instance 'two': systick is already granted to instance 'one'"), std::string::npos) << e;
}

// A gpio instance granted the port whose pins another instance's peripheral
// leaves on (gpioa: USART1's PA9/PA10, set up by the bridge for USART1)
// would reconfigure or drive them: refused.
TEST(Crossing, APortHoldingAnotherInstancesPinsIsNotGranted) {
  Built b = build_text("port-of-pins",
                       "app = " + q(source_root() / "firmware/stm32f100/app_uart_echo.c") +
                           "\n[[driver]]\ninstance = \"console\"\nsource = " + q(crossing("window-probe.wat")) +
                           "\nperipheral = \"usart1\"\n" + "[[driver]]\ninstance = \"pins\"\nsource = " +
                           q(crossing("window-probe.wat")) + "\nperipheral = \"gpioa\"\n");
  ASSERT_FALSE(b.report) << "built: instance 'pins' holds GPIOA's CRH, USART1's PA9 and PA10";
  const std::string e = b.report.error().str();
  EXPECT_NE(e.find("driver instance 'pins': gpioa holds the pins of usart1 (PA9, PA10), granted to instance 'console'"),
            std::string::npos)
      << e;
}

// ---------------------------------------------------------------------------
// Malformed input: each a clear error naming where, no crash, no image.

// A [[driver]] key whose value no reader takes, refused at its line (7: the
// manifest's name, chip and app, the table header, instance, source, then it).
TEST(Crossing, MalformedDriverNumbersAreRefusedAtTheirLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"memory = -1", "'memory' must be an integer from 0 to 2^32-1"},
      {"memory = 4294967296", "'memory' must be an integer from 0 to 2^32-1"},
      {"memory = 1e3", "'memory' must be an integer from 0 to 2^32-1"},
      {"memory = \"64\"", "'memory' must be an integer from 0 to 2^32-1"},
      {"memory = 99999999999999999999", ""},  // toml++'s own words, located
      {"wasm_stack = -8", "'wasm_stack' must be an integer from 0 to 2^32-1"},
      {"tx_ring = 0", "tx_ring must be a power of two"},
      {"rx_ring = 4294967296", "'rx_ring' must be an integer from 0 to 2^32-1"},
      {"rx_ring = 3", "rx_ring must be a power of two"},
      {"instance = \"twice\"", ""},  // a key given twice: toml++ refuses it, located
  };
  int k = 0;
  for (const auto& [line, message] : cases) {
    SCOPED_TRACE(line);
    const std::string name = "malformed" + std::to_string(k++);
    Built b = build_text(name, kNativeApp + "[[driver]]\ninstance = \"console\"\nsource = " +
                                   q(crossing("window-probe.wat")) + "\n" + line + "\nperipheral = \"usart1\"\n");
    ASSERT_FALSE(b.report);
    const std::string e = b.report.error().str();
    EXPECT_NE(e.find(name + ".toml:7:"), std::string::npos) << e;
    if (!message.empty()) EXPECT_NE(e.find(message), std::string::npos) << e;
    EXPECT_FALSE(fs::exists(b.out / name));
  }
}

// Two instances of one name, refused where the second stands (line 9).
TEST(Crossing, ADuplicateInstanceNameIsRefusedWhereItStands) {
  const std::string d =
      "[[driver]]\ninstance = \"console\"\nsource = " + q(crossing("window-probe.wat")) + "\nperipheral = \"usart1\"\n";
  Built b = build_text("twice", kNativeApp + d + "[[driver]]\ninstance = \"console\"\nsource = " +
                                    q(crossing("window-probe.wat")) + "\nperipheral = \"usart2\"\n");
  ASSERT_FALSE(b.report);
  const std::string e = b.report.error().str();
  EXPECT_NE(e.find("twice.toml:9:"), std::string::npos) << e;
  EXPECT_NE(e.find("instance 'console' named twice"), std::string::npos) << e;
}

// Numbers the reader takes but no image can hold: a region of 2^32 - 4 or
// 2^32 - 64 bytes (grown by the transfer buffers, past 2^32; 2^32 - 1 is
// not a multiple of 4 and refused as such),
// a shadow stack as large. gust build refuses each, naming the instance,
// and leaves nothing behind.
TEST(Crossing, AHugeMemoryIsRefusedNotWrapped) {
  const std::string cannot =
      "which with the wiring's transfer buffers (2 x 64 B) the chip's 8192 B of SRAM cannot hold";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"memory = 4294967292", "instance 'console' has a region of 4294967292 bytes, " + cannot},
      {"memory = 4294967295", "memory = 4294967295 is not a multiple of 4 bytes (try 4294967296)"},
      {"memory = 4294967232", "instance 'console' has a region of 4294967232 bytes, " + cannot},
      {"memory = 4294967288", "instance 'console' has a region of 4294967288 bytes, " + cannot},
      {"wasm_stack = 4294967295", "instance 'console' has a region of 4294967296 bytes, " + cannot},
  };
  int k = 0;
  for (const auto& [line, message] : cases) {
    SCOPED_TRACE(line);
    const std::string name = "huge" + std::to_string(k++);
    Built b = build_text(name, "app = " + q(crossing("app-lists.wat")) +
                                   "\napp_world = \"echo-lists\"\n[[driver]]\ninstance = \"console\"\nsource = " +
                                   q(crossing("callee-lists.wat")) +
                                   "\nworld = \"driver-thin-lists\"\nperipheral = \"usart1\"\n" + line + "\n");
    ASSERT_FALSE(b.report) << "built an image with " << line;
    const std::string e = b.report.error().str();
    EXPECT_NE(e.find(message), std::string::npos) << e;
    EXPECT_FALSE(fs::exists(b.out / name));
  }
  // Without a list to copy (a native app), the dissolver's cap refuses the same region.
  Built b = build_text("huge-plain",
                       kNativeApp + "[[driver]]\ninstance = \"console\"\nsource = " + q(crossing("callee-lists.wat")) +
                           "\nworld = \"driver-thin-lists\"\nperipheral = \"usart1\"\n"
                           "memory = 4294967292\n");
  ASSERT_FALSE(b.report);
  EXPECT_NE(b.report.error().str().find("a 4294967292-byte linear memory region is larger than gust places"),
            std::string::npos)
      << b.report.error().str();
}

// Chip descriptions whose windows would hand a driver more than one
// peripheral's registers: each refused at the peripheral.
TEST(Crossing, AChipWhoseWindowsOverlapOrReachTheCoreIsRefused) {
  const std::string head =
      "name = \"c\"\ncpu = \"cortex-m3\"\nirq_count = 61\n[flash]\norigin = 0x08000000\nsize = 131072\n"
      "[sram]\norigin = 0x20000000\nsize = 8192\n[peripherals.usart1]\nbase = 0x40013800\nsize = 0x400\n";
  std::vector<std::pair<std::string, std::string>> cases = {
      {"[peripherals.spy]\nbase = 0x40013A00\nsize = 0x400\n",
       "peripheral 'usart1': its window [0x40013800, 0x40013C00) overlaps peripheral 'spy''s [0x40013A00, 0x40013E00)"},
      {"[peripherals.all]\nbase = 0x40000000\nsize = 0x80000000\n", "lies on the RCC"},
      {"[peripherals.apb]\nbase = 0x40010000\nsize = 0x10000\n", "overlaps peripheral 'apb'"},
      {"[peripherals.top]\nbase = 0xFFFFFC00\nsize = 0x800\n", "runs past 2^32"},
      {"[peripherals.ram]\nbase = 0x20000000\nsize = 0x2000\n", "lies on SRAM"},
      {"[peripherals.rom]\nbase = 0x08000000\nsize = 0x400\n", "lies on flash"},
      {"[peripherals.rcc]\nbase = 0x40021000\nsize = 0x400\n", "lies on the RCC"},
      {"[peripherals.odd]\nbase = 0x40013C02\nsize = 0x4\n", "base must be 4-byte aligned"},
      {"[peripherals.scs]\nbase = 0xE000E000\nsize = 0x1000\nexceptions = [15]\n", "reaches the core's system space"},
      {"[peripherals.edge]\nbase = 0xC0000000\nsize = 0x40000000\n", "reaches the core's system space"},
      {"[peripherals.systick]\nbase = 0xE000E010\nsize = 0x10\nexceptions = [15, 15]\n", "listed twice"},
      {"[peripherals.tim]\nbase = 0x40000000\nsize = 0x400\nexceptions = [15]\n",
       "a core exception is granted only with the core peripheral that raises it"},
      {"[peripherals.systick]\nbase = 0xE000E010\nsize = 0x10\nexceptions = [15]\n"
       "[peripherals.tick2]\nbase = 0xE000E010\nsize = 0x10\nexceptions = [15]\n",
       "exception 15 is granted by peripheral 'systick' too"},
  };
  // Two peripherals' signals on one pin (PA9: USART1's TX in the real chip).
  cases.push_back(
      {"[peripherals.gpioa]\nbase = 0x40010800\nsize = 0x400\nclock = { reg = 0x18, bit = 2 }\n"
       "[peripherals.spi1]\nbase = 0x40013000\nsize = 0x400\npins = [{ port = \"gpioa\", pin = 9, cfg = 0xB }]\n"
       "[peripherals.usart2]\nbase = 0x40004400\nsize = 0x400\npins = [{ port = \"gpioa\", pin = 9, cfg = 0xB }]\n",
       "peripheral 'usart2': pin 9 of gpioa is peripheral 'spi1''s too"});
  cases.push_back({"[peripherals.tim]\nbase = 0x40000000\nsize = 0x400\nclock = { reg = 0xDFFDF000, bit = 0 }\n",
                   "clock must be a bit 0..31 of an RCC enable register"});  // 0x40021000 + reg wraps to SRAM
  cases.push_back(
      {"[peripherals.tim]\nbase = 0x40000000\nsize = 0x400\nclock = { reg = 0x18, bit = 40 }\n", "not reg 24 bit 40"});
  cases.push_back({"[peripherals.tim]\nbase = 0x40000000\nsize = 0x400\nclock = { reg = 0x10, bit = 0 }\n",
                   "not reg 16 bit 0"});  // APB2RSTR: a reset, not an enable
  for (const auto& [tail, message] : cases) {
    SCOPED_TRACE(tail);
    const std::string text = head + tail;
    auto chip = compose::load_chip("hostile-chip.toml", &text);
    ASSERT_FALSE(chip) << "loaded";
    const std::string e = chip.error().str();
    EXPECT_NE(e.find(message), std::string::npos) << e;
    EXPECT_TRUE(std::regex_search(e, std::regex("hostile-chip\\.toml:(1[0-9]|2[0-9]):"))) << e;  // at a peripheral
  }
  // More interrupt lines than the core has, at the file's start.
  std::string many = head;
  many.replace(many.find("irq_count = 61"), 14, "irq_count = 100000");
  auto lines = compose::load_chip("hostile-chip.toml", &many);
  ASSERT_FALSE(lines);
  EXPECT_NE(lines.error().str().find("irq_count 100000 is more than a Cortex-M3's 240 external interrupts"),
            std::string::npos)
      << lines.error().str();
  // The project's own chip passes.
  auto own = compose::load_chip(source_root() / "chips/stm32f100rb.toml");
  EXPECT_TRUE(own) << own.error().str();
}

}  // namespace
}  // namespace gust::test
