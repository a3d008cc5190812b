// Drivers #2 to #4 (issue 11): the SysTick timer (drivers/timer), the GPIO
// port (drivers/gpio) and the SPI master (drivers/spi). Their gust prove
// harnesses succeed on the modules that ship and each mutant fails one with
// a counterexample; the dissolved drivers run on the emulated core against
// register models: SysTick, GPIOC with the VLDISCOVERY's LEDs on PC8/PC9,
// and SPI1 wired to a simulated SPI NOR flash that answers JEDEC ID (0x9F).
#include <gtest/gtest.h>

#include <fstream>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "prove/prove.h"
#include "prove_support.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

struct Driver {
  const char* name;    // drivers/<name>/
  const char* source;  // its C++ file
  const char* world;   // in wit/gust-hal.wit
  uint32_t window;     // the chip's window size
  uint32_t lines;      // pollable lines
};

constexpr Driver kTimer{"timer", "timer.cpp", "driver-timer", 0x10, 0};
constexpr Driver kGpio{"gpio", "gpio.cpp", "driver-gpio", 0x400, 0};
constexpr Driver kSpi{"spi", "spi.cpp", "driver-spi", 0x400, 1};

const wasm::Module& proofs_of(const Driver& d) {
  static std::map<std::string, wasm::Module> cache;
  auto it = cache.find(d.name);
  if (it == cache.end()) {
    const std::string dir = std::string("drivers/") + d.name;
    it = cache
             .emplace(d.name, module_from_cpp(dir + "/proofs.cpp", std::string(d.name) + "-proofs",
                                              {"-Wl,--allow-undefined", "-Wl,-z,stack-size=1024", "-I",
                                               (source_root() / dir).string()}))
             .first;
  }
  return it->second;
}

prove::Verdict prove_one(const Driver& d, const wasm::Module& driver, const std::string& harness) {
  prove::Options o = prove_options();
  o.env.world = d.world;
  o.env.grants = {d.window, d.lines};
  o.harnesses = {"gust_proof_" + harness};
  auto vs = prove::prove(proofs_of(d), &driver, o);
  EXPECT_EQ(vs.size(), 1u);
  return vs.empty() ? prove::Verdict{} : vs[0];
}

wasm::Module driver_module(const Driver& d, const std::string& define = "") {
  std::vector<std::string> flags;
  if (!define.empty()) flags.push_back("-D" + define);
  return module_from_cpp(std::string("drivers/") + d.name + "/" + d.source,
                         std::string(d.name) + (define.empty() ? "" : "-" + define), flags);
}

struct Proof {
  const Driver* driver;
  const char* harness;
};
void PrintTo(const Proof& p, std::ostream* os) { *os << p.harness; }

class PeriphProof : public ::testing::TestWithParam<Proof> {};

TEST_P(PeriphProof, SucceedsOnTheShippedDriver) {
  const Proof& p = GetParam();
  const prove::Verdict v = prove_one(*p.driver, driver_module(*p.driver), p.harness);
  EXPECT_EQ(v.status, prove::Verdict::Successful) << v.text();
}

INSTANTIATE_TEST_SUITE_P(Periph, PeriphProof,
                         ::testing::Values(Proof{&kTimer, "timer_expired_across_the_wrap"},
                                           Proof{&kTimer, "timer_handler_counts_one_and_never_traps"},
                                           Proof{&kTimer, "timer_init_period_is_one_ms"},
                                           Proof{&kGpio, "gpio_configure_touches_only_its_pin"},
                                           Proof{&kGpio, "gpio_set_clear_write_one_bit"},
                                           Proof{&kGpio, "gpio_read_is_the_idr_bit"},
                                           Proof{&kSpi, "spi_init_cr1_is_exactly_mode_and_divider"},
                                           Proof{&kSpi, "spi_transfer_returns_the_dr_byte"}),
                         [](const ::testing::TestParamInfo<Proof>& info) { return std::string(info.param.harness); });

struct Mutant {
  const Driver* driver;
  const char* define;
  const char* harness;
  uint32_t assertion;  // the assertion the counterexample fails
  const char* why;
};
void PrintTo(const Mutant& m, std::ostream* os) { *os << m.define; }

class PeriphMutant : public ::testing::TestWithParam<Mutant> {};

TEST_P(PeriphMutant, FailsItsProofWithACounterexample) {
  const Mutant& m = GetParam();
  const prove::Verdict v = prove_one(*m.driver, driver_module(*m.driver, m.define), m.harness);
  ASSERT_EQ(v.status, prove::Verdict::Failed) << m.why << ": " << v.text();
  EXPECT_EQ(v.trap, 0u) << v.text();
  EXPECT_EQ(v.assertion, m.assertion) << m.why << ": " << v.text();
  EXPECT_FALSE(v.inputs.empty() && v.trace.empty()) << "no counterexample: " << v.text();
}

INSTANTIATE_TEST_SUITE_P(
    Periph, PeriphMutant,
    ::testing::Values(Mutant{&kTimer, "GUST_TIMER_MUTANT_UNSIGNED_COMPARE", "timer_expired_across_the_wrap", 1,
                             "compares the raw values: wrong across the wrap"},
                      Mutant{&kTimer, "GUST_TIMER_MUTANT_RELOAD_OFF_BY_ONE", "timer_init_period_is_one_ms", 24,
                             "LOAD = cycles: a period one cycle too long"},
                      Mutant{&kGpio, "GUST_GPIO_MUTANT_WIDE_MASK", "gpio_configure_touches_only_its_pin", 5,
                             "clears a byte: the next pin's bits change"},
                      Mutant{&kGpio, "GUST_GPIO_MUTANT_NO_RANGE_CHECK", "gpio_set_clear_write_one_bit", 10,
                             "pin 16 and up reach BSRR's reset half"},
                      Mutant{&kSpi, "GUST_SPI_MUTANT_SWAP_CPOL_CPHA", "spi_init_cr1_is_exactly_mode_and_divider", 4,
                             "CPOL and CPHA swapped"},
                      Mutant{&kSpi, "GUST_SPI_MUTANT_NO_RXNE_WAIT", "spi_transfer_returns_the_dr_byte", 11,
                             "reads DR before the byte came in"}),
    [](const ::testing::TestParamInfo<Mutant>& info) {
      std::string n = std::string(info.param.define).substr(5);  // GUST_
      std::string out;
      bool up = true;
      for (char c : n) {
        if (c == '_') {
          up = true;
          continue;
        }
        out += up ? c : char(std::tolower(c));
        up = false;
      }
      return out;
    });

// The dissolved driver under `prefix`, its window at `base` through the
// bridge's two 32-bit window functions, as a device model.
std::unique_ptr<emu::CortexM> on_the_core(const Driver& d, const std::string& prefix, uint32_t base,
                                          emu::CortexM::MmioRead read, emu::CortexM::MmioWrite write) {
  const fs::path dir = scratch(std::string("periph-emu-") + d.name);
  auto c = compose::compile_driver(source_root() / "drivers" / d.name / d.source, dir / "d.wasm", 0);
  EXPECT_TRUE(c) << (c ? "" : c.error().str());
  if (!c) return nullptr;
  auto m = wasm::decode(read_file(dir / "d.wasm"));
  EXPECT_TRUE(m) << (m ? "" : m.error().str());
  if (!m) return nullptr;
  dissolve::Options opts;
  opts.prefix = prefix;
  opts.memory_bytes = 1024;
  auto out = dissolve::dissolve(*m, opts);
  EXPECT_TRUE(out) << (out ? "" : out.error().str());
  if (!out) return nullptr;
  std::ofstream(dir / "d.o", std::ios::binary)
      .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  char base_hex[16];
  std::snprintf(base_hex, sizeof base_hex, "0x%08x", base);
  const std::string bridge = std::string(R"(
    .syntax unified
    .thumb
    .text
    .global P_gust_hal_mmio__read32
    .type P_gust_hal_mmio__read32, %function
    .thumb_func
P_gust_hal_mmio__read32:
    ldr r1, =BASE
    ldr r0, [r1, r0]
    bx lr
    .global P_gust_hal_mmio__write32
    .type P_gust_hal_mmio__write32, %function
    .thumb_func
P_gust_hal_mmio__write32:
    ldr r2, =BASE
    str r1, [r2, r0]
    bx lr
    .ltorg
  )");
  std::string asm_text = bridge;
  for (size_t at; (at = asm_text.find("P_")) != std::string::npos;) asm_text.replace(at, 2, prefix);
  for (size_t at; (at = asm_text.find("BASE")) != std::string::npos;) asm_text.replace(at, 4, base_hex);
  auto cpu = emu::CortexM::load({dir / "d.o"}, dir, asm_text);
  EXPECT_TRUE(cpu) << (cpu ? "" : cpu.error().str());
  if (!cpu) return nullptr;
  (*cpu)->map_mmio(base, d.window < 0x400 ? 0x400 : d.window, std::move(read), std::move(write));
  return std::move(*cpu);
}

uint32_t call(emu::CortexM& cpu, const std::string& fn, const std::vector<uint32_t>& args = {}) {
  auto r = cpu.call(fn, args);
  EXPECT_TRUE(r.ok && !r.trapped) << fn << ": " << r.fault;
  return r.r0;
}

// SysTick: timer_init programs a 1 ms period from 8 MHz; the handler counts;
// timeouts hold across the 2^32 wrap. (A stand-in base: the emulator keeps
// the system control space for itself.)
TEST(PeriphEmu, SysTickTimerCountsAndTimesOutAcrossTheWrap) {
  std::map<uint32_t, uint32_t> regs;
  std::vector<std::pair<uint32_t, uint32_t>> writes;
  auto cpu = on_the_core(
      kTimer, "tick_", 0x40030000, [&](uint32_t off) { return regs[off]; },
      [&](uint32_t off, uint32_t v) {
        regs[off] = v;
        writes.emplace_back(off, v);
      });
  ASSERT_TRUE(cpu);
  call(*cpu, "tick_timer_init", {8000000});
  const std::vector<std::pair<uint32_t, uint32_t>> want = {{0x0, 0}, {0x4, 7999}, {0x8, 0}, {0x0, 0x7}};
  EXPECT_EQ(writes, want);
  for (int i = 0; i < 250; ++i) call(*cpu, "tick_irq_handler_0");
  EXPECT_EQ(call(*cpu, "tick_timer_now_ms"), 250u);
  EXPECT_EQ(call(*cpu, "tick_timer_expired", {250}) & 0xFF, 1u);
  EXPECT_EQ(call(*cpu, "tick_timer_expired", {251}) & 0xFF, 0u);
  // 16 ms before the wrap, a deadline 32 ms ahead (past the wrap: 0x10).
  call(*cpu, "tick_timer_set_ms", {0xFFFFFFF0u});
  for (int i = 0; i < 31; ++i) {
    EXPECT_EQ(call(*cpu, "tick_timer_expired", {0x10}) & 0xFF, 0u) << i;
    call(*cpu, "tick_irq_handler_0");
  }
  EXPECT_EQ(call(*cpu, "tick_timer_now_ms"), 0x0Fu);
  call(*cpu, "tick_irq_handler_0");
  EXPECT_EQ(call(*cpu, "tick_timer_expired", {0x10}) & 0xFF, 1u);
  writes.clear();
  call(*cpu, "tick_timer_init", {1000});  // no 24-bit reload gives 1 ms at 1 kHz: SysTick left off
  EXPECT_TRUE(writes.empty());
}

// GPIOC, the VLDISCOVERY's LEDs on PC8 (blue) and PC9 (green): CRH's
// nibbles 0 and 1 become output push-pull 2 MHz (0x2), the rest keep the
// reset value (0x4, input floating); set and clear go through BSRR and BRR.
TEST(PeriphEmu, GpioDrivesTheDiscoveryLeds) {
  uint32_t crl = 0x44444444, crh = 0x44444444, odr = 0, idr = 0;
  std::vector<std::pair<uint32_t, uint32_t>> writes;
  auto cpu = on_the_core(
      kGpio, "leds_", 0x40011000,
      [&](uint32_t off) {
        switch (off) {
          case 0x00:
            return crl;
          case 0x04:
            return crh;
          case 0x08:
            return idr;
          case 0x0C:
            return odr;
          default:
            return 0u;
        }
      },
      [&](uint32_t off, uint32_t v) {
        writes.emplace_back(off, v);
        if (off == 0x00) crl = v;
        if (off == 0x04) crh = v;
        if (off == 0x0C) odr = v & 0xFFFF;
        if (off == 0x10) odr = (odr | (v & 0xFFFF)) & ~(v >> 16);
        if (off == 0x14) odr &= ~(v & 0xFFFF);
      });
  ASSERT_TRUE(cpu);
  call(*cpu, "leds_gpio_configure", {8, 1});
  call(*cpu, "leds_gpio_configure", {9, 1});
  EXPECT_EQ(crh, 0x44444422u);
  EXPECT_EQ(crl, 0x44444444u);
  writes.clear();
  call(*cpu, "leds_gpio_set", {8});
  call(*cpu, "leds_gpio_set", {9});
  call(*cpu, "leds_gpio_clear", {8});
  const std::vector<std::pair<uint32_t, uint32_t>> want = {{0x10, 0x100}, {0x10, 0x200}, {0x14, 0x100}};
  EXPECT_EQ(writes, want);
  EXPECT_EQ(odr, 0x200u);
  // PA0-style user button on pin 0, pulled down: CRL nibble 0 is 0x8, ODR bit 0 cleared.
  call(*cpu, "leds_gpio_configure", {0, 2});
  EXPECT_EQ(crl, 0x44444448u);
  call(*cpu, "leds_gpio_configure", {3, 3});  // pull-up: ODR bit 3 set
  EXPECT_EQ(crl, 0x44448448u);
  EXPECT_EQ(odr, 0x208u);
  idr = 0x0001;
  EXPECT_EQ(call(*cpu, "leds_gpio_read", {0}) & 0xFF, 1u);
  EXPECT_EQ(call(*cpu, "leds_gpio_read", {3}) & 0xFF, 0u);
  // Out of range: nothing touched, no trap.
  writes.clear();
  call(*cpu, "leds_gpio_configure", {16, 1});
  call(*cpu, "leds_gpio_configure", {8, 7});
  call(*cpu, "leds_gpio_set", {16});
  call(*cpu, "leds_gpio_clear", {0xFFFFFFFFu});
  EXPECT_EQ(call(*cpu, "leds_gpio_read", {40}) & 0xFF, 0u);
  EXPECT_TRUE(writes.empty());
  EXPECT_EQ(crh, 0x44444422u);
}

// A simulated SPI NOR flash (a W25Q128-like part) on SPI1: while NSS is low
// (SPE set, with CR2.SSOE) the first byte is the command; 0x9F answers the
// JEDEC ID, EF 40 18. The model's SR always has TXE, and RXNE once a byte
// has come in.
struct SpiNorFlash {
  uint32_t cr1 = 0, cr2 = 0;
  bool rx_full = false;
  uint8_t rx = 0;
  int in_frame = -1;  // bytes since NSS fell, -1 while it is high
  uint8_t command = 0;
  std::vector<uint32_t> cr1_writes;

  uint32_t read(uint32_t off) {
    if (off == 0x08) return 0x02u | (rx_full ? 0x01u : 0u);
    if (off == 0x0C) {
      rx_full = false;
      return rx;
    }
    return off == 0x00 ? cr1 : off == 0x04 ? cr2 : 0u;
  }
  void write(uint32_t off, uint32_t v) {
    if (off == 0x00) {
      cr1 = v;
      cr1_writes.push_back(v);
      if (!(v & 0x40))
        in_frame = -1;  // NSS high: the flash ends the command
      else if (in_frame < 0 && (cr2 & 0x04))
        in_frame = 0;
    }
    if (off == 0x04) cr2 = v;
    if (off == 0x0C) {
      uint8_t out = 0xFF;  // MISO idles high
      if (in_frame == 0) command = uint8_t(v);
      static const uint8_t kJedec[] = {0xEF, 0x40, 0x18};
      if (in_frame >= 1 && in_frame <= 3 && command == 0x9F) out = kJedec[in_frame - 1];
      if (in_frame >= 0) ++in_frame;
      rx = out;
      rx_full = true;
    }
  }
};

TEST(PeriphEmu, SpiReadsTheJedecIdOfASimulatedNorFlash) {
  SpiNorFlash flash;
  auto cpu = on_the_core(
      kSpi, "flash_", 0x40013000, [&](uint32_t off) { return flash.read(off); },
      [&](uint32_t off, uint32_t v) { flash.write(off, v); });
  ASSERT_TRUE(cpu);
  call(*cpu, "flash_spi_init", {0, 2});  // mode 0, pclk / 8
  EXPECT_EQ(flash.cr2, 0x04u);           // SSOE: NSS follows SPE
  ASSERT_FALSE(flash.cr1_writes.empty());
  EXPECT_EQ(flash.cr1_writes.back(), 0x04u | (2u << 3));  // MSTR, BR = 2, CPOL = CPHA = 0, SPE clear
  call(*cpu, "flash_spi_select", {1});
  EXPECT_EQ(flash.cr1, 0x54u);  // SPE: NSS low
  EXPECT_EQ(call(*cpu, "flash_spi_transfer_byte", {0x9F}) & 0xFF, 0xFFu);
  uint8_t id[3];
  for (auto& b : id) b = uint8_t(call(*cpu, "flash_spi_transfer_byte", {0}));
  call(*cpu, "flash_spi_select", {0});
  EXPECT_EQ(flash.cr1, 0x14u);
  EXPECT_EQ(id[0], 0xEF);
  EXPECT_EQ(id[1], 0x40);
  EXPECT_EQ(id[2], 0x18);
  // Another command: the flash answers nothing useful to an unknown one.
  call(*cpu, "flash_spi_select", {1});
  call(*cpu, "flash_spi_transfer_byte", {0x05});
  EXPECT_EQ(call(*cpu, "flash_spi_transfer_byte", {0}) & 0xFF, 0xFFu);
  call(*cpu, "flash_spi_select", {0});
  // Mode 3 and divider 7: CPOL, CPHA and BR = 7.
  call(*cpu, "flash_spi_init", {3, 7});
  EXPECT_EQ(flash.cr1_writes.back(), 0x04u | 0x03u | (7u << 3));
  const size_t n = flash.cr1_writes.size();
  call(*cpu, "flash_spi_init", {4, 0});  // out of range: nothing written
  call(*cpu, "flash_spi_init", {0, 8});
  EXPECT_EQ(flash.cr1_writes.size(), n);
}

// A buffer transfer (spi_transfer, the list<u8> function): the command and
// three zeros out, the JEDEC ID in at the same indices, the length
// returned; a smaller max keeps that many; an empty buffer sends nothing.
TEST(PeriphEmu, SpiTransfersABufferFullDuplex) {
  SpiNorFlash flash;
  std::vector<uint32_t> sent;
  auto cpu = on_the_core(
      kSpi, "flash_", 0x40013000, [&](uint32_t off) { return flash.read(off); },
      [&](uint32_t off, uint32_t v) {
        if (off == 0x0C) sent.push_back(v);
        flash.write(off, v);
      });
  ASSERT_TRUE(cpu);
  const uint32_t region = cpu->address(dissolve::memory_symbol("flash_"));
  constexpr uint32_t kIn = 0x380, kOut = 0x3C0;  // above the driver's data, inside its 1 KiB region
  const uint8_t command[4] = {0x9F, 0, 0, 0};
  ASSERT_TRUE(cpu->write(region + kIn, command, sizeof command));
  call(*cpu, "flash_spi_init", {0, 2});
  call(*cpu, "flash_spi_select", {1});
  EXPECT_EQ(call(*cpu, "flash_spi_transfer", {kIn, 4, 4, kOut}), 4u);
  call(*cpu, "flash_spi_select", {0});
  uint8_t reply[4] = {};
  ASSERT_TRUE(cpu->read(region + kOut, reply, sizeof reply));
  EXPECT_EQ(reply[0], 0xFF);  // clocked in with the command byte
  EXPECT_EQ(reply[1], 0xEF);
  EXPECT_EQ(reply[2], 0x40);
  EXPECT_EQ(reply[3], 0x18);
  EXPECT_EQ(sent, (std::vector<uint32_t>{0x9F, 0, 0, 0}));
  // A shorter buffer: all four bytes go out, the first two come back, the
  // byte after them in `out` is left as it was.
  sent.clear();
  const uint8_t mark[4] = {0x5A, 0x5A, 0x5A, 0x5A};
  ASSERT_TRUE(cpu->write(region + kOut, mark, sizeof mark));
  call(*cpu, "flash_spi_select", {1});
  EXPECT_EQ(call(*cpu, "flash_spi_transfer", {kIn, 4, 2, kOut}), 2u);
  call(*cpu, "flash_spi_select", {0});
  EXPECT_EQ(sent.size(), 4u);
  ASSERT_TRUE(cpu->read(region + kOut, reply, sizeof reply));
  EXPECT_EQ(reply[0], 0xFF);
  EXPECT_EQ(reply[1], 0xEF);
  EXPECT_EQ(reply[2], 0x5A);
  sent.clear();
  EXPECT_EQ(call(*cpu, "flash_spi_transfer", {kIn, 0, 4, kOut}), 0u);
  EXPECT_TRUE(sent.empty());
}

// The chip description grants SysTick's exception with its window, and no
// other core exception: boot's vector table has no node-owned entry for one.
TEST(PeriphChip, OnlySysTickIsAGrantableCoreException) {
  auto chip = compose::load_chip(source_root() / "chips/stm32f100rb.toml");
  ASSERT_TRUE(chip) << chip.error().str();
  const compose::Peripheral& st = chip->peripherals.at("systick");
  EXPECT_TRUE(st.irqs.empty());
  EXPECT_EQ(st.exceptions, std::vector<uint32_t>{15});
  const std::string bad =
      "name = \"x\"\ncpu = \"cortex-m3\"\nirq_count = 61\n[flash]\norigin = 0x08000000\nsize = 131072\n"
      "[sram]\norigin = 0x20000000\nsize = 8192\n[peripherals.systick]\nbase = 0xE000E010\nsize = 0x10\n"
      "exceptions = [14]\n";
  auto r = compose::load_chip("bad-chip.toml", &bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find("bad-chip.toml:13:"), std::string::npos) << r.error().str();
  EXPECT_NE(r.error().str().find("a grantable core exception is 15 (SysTick)"), std::string::npos) << r.error().str();
}

}  // namespace
}  // namespace gust::test
