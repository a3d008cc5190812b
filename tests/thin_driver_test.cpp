// The dissolved thin driver object: exactly the seam's imports, no SRAM,
// every export, and a pinned size.
#include <gtest/gtest.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fstream>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "support.h"
#include "usart.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

struct Dissolved {
  fs::path object;
  compose::ObjectFacts facts;
};

Dissolved dissolve_file(const fs::path& wasm_file, const std::string& prefix, const std::string& tag) {
  auto m = wasm::decode(read_file(wasm_file));
  EXPECT_TRUE(m);
  dissolve::Options o;
  o.prefix = prefix;
  auto out = dissolve::dissolve(*m, o);
  EXPECT_TRUE(out) << (out ? "" : out.error().str());
  Dissolved d;
  d.object = scratch("dissolved-" + tag) / "driver.o";
  std::ofstream(d.object, std::ios::binary)
      .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  auto facts = compose::read_object(d.object);
  EXPECT_TRUE(facts);
  d.facts = *facts;
  return d;
}

uint64_t sum_sections(const compose::ObjectFacts& f, const std::string& prefix) {
  uint64_t n = 0;
  for (const auto& [name, size] : f.section_sizes)
    if (name.rfind(prefix, 0) == 0) n += size;
  return n;
}

TEST(ThinDriver, ImportsOnlyTheThinSeam) {
  auto m = wasm::decode(read_file(thin_driver_wasm()));
  ASSERT_TRUE(m);
  for (const auto& im : m->imports)
    EXPECT_TRUE(im.module == "gust:hal/mmio" || im.module == "gust:hal/irq") << im.module << " " << im.name;
  EXPECT_TRUE(m->datas.empty()) << "the driver has a data segment";
  // wasm-ld's __stack_pointer (a mutable i32) is the one global: the link no
  // longer runs wasm-opt, which removed it as unused; the driver never
  // touches it, and its dissolved object has no SRAM (the next test).
  ASSERT_LE(m->globals.size(), 1u) << "the driver has globals";
  for (const auto& g : m->globals) {
    EXPECT_TRUE(g.type.mutable_);
    EXPECT_EQ(g.type.type, wasm::ValType::I32);
  }
}

TEST(ThinDriver, ObjectHasExactlyTheSeamImportsAndNoSram) {
  Dissolved d = dissolve_file(thin_driver_wasm(), "", "plain");
  // No divide can trap (uart_init checks the baud rate first), so gust_trap
  // is not among them.
  EXPECT_EQ(d.facts.undefined,
            (std::vector<std::string>{"gust_hal_irq__poll", "gust_hal_mmio__read32", "gust_hal_mmio__write32"}));
  EXPECT_EQ(sum_sections(d.facts, ".data"), 0u);
  EXPECT_EQ(sum_sections(d.facts, ".bss"), 0u);
  for (const char* e : {"uart_init", "uart_tx_byte", "uart_rx", "uart_rx_fired", "usart_rx_decide"})
    EXPECT_NE(std::find(d.facts.defined_globals.begin(), d.facts.defined_globals.end(), e),
              d.facts.defined_globals.end())
        << e;
}

TEST(ThinDriver, SizeIsPinned) {
  // Regression pin for the four primitives (init, tx_byte, rx, rx_fired):
  // 108 B measured with clang-19/LLVM 19 (native gcc -Os: 134 B). A change
  // that grows it fails here; one that shrinks it should lower the pin.
  Dissolved d = dissolve_file(thin_driver_wasm(), "", "size");
  uint64_t text = 0;
  for (const char* f : {"uart_init", "uart_tx_byte", "uart_rx", "uart_rx_fired"})
    text += d.facts.section_sizes[std::string(".text.") + f];
  EXPECT_LE(text, 108u);
  EXPECT_GT(text, 40u) << "implausibly small: did a function vanish?";
}

TEST(ThinDriver, APrefixNamespacesImportsAndExports) {
  Dissolved d = dissolve_file(thin_driver_wasm(), "usart2_", "prefixed");
  EXPECT_EQ(d.facts.undefined, (std::vector<std::string>{"usart2_gust_hal_irq__poll", "usart2_gust_hal_mmio__read32",
                                                         "usart2_gust_hal_mmio__write32"}));
  for (const auto& g : d.facts.defined_globals) EXPECT_EQ(g.rfind("usart2_", 0), 0u) << g;
}

TEST(ThinDriver, TwoInstancesLinkIntoOneImageWithoutClashes) {
  Dissolved a = dissolve_file(thin_driver_wasm(), "usart1_", "inst1");
  Dissolved b = dissolve_file(thin_driver_wasm(), "usart2_", "inst2");
  auto cpu = emu::CortexM::load({a.object, b.object}, scratch("two-instances"));
  ASSERT_TRUE(cpu) << cpu.error().str();
  // Each instance reaches its own window: a read by usart2 goes to usart2's stub.
  uint32_t seen1 = 0, seen2 = 0;
  (*cpu)->on_import("usart1_gust_hal_mmio__read32", [&](emu::CortexM& c) {
    ++seen1;
    c.set_result(0x20);
  });
  (*cpu)->on_import("usart2_gust_hal_mmio__read32", [&](emu::CortexM& c) {
    ++seen2;
    c.set_result(0x20);
  });
  auto r = (*cpu)->call("usart2_uart_rx", {});
  ASSERT_TRUE(r.ok) << r.fault;
  EXPECT_EQ(seen1, 0u);
  EXPECT_EQ(seen2, 2u);  // SR, then DR
}

TEST(ThinDriver, GustTrapIsImportedOnlyWhereATrapCanOccur) {
  // The same divide without the driver's zero check can trap.
  fs::path dir = scratch("trapping");
  std::ofstream(dir / "div.cpp")
      << "extern \"C\" __attribute__((export_name(\"brr\"))) unsigned brr(unsigned p, unsigned b) { return p / b; }\n";
  ASSERT_TRUE(compose::compile_driver(dir / "div.cpp", dir / "div.wasm", 0));
  Dissolved d = dissolve_file(dir / "div.wasm", "", "trapping");
  EXPECT_EQ(d.facts.undefined, std::vector<std::string>{"gust_trap"});
  auto cpu = emu::CortexM::load({d.object}, dir / "emu");
  ASSERT_TRUE(cpu) << cpu.error().str();
  auto ok = (*cpu)->call("brr", {8000000, 115200});
  ASSERT_TRUE(ok.ok) << ok.fault;
  EXPECT_EQ(ok.r0, 8000000u / 115200u);
  auto trap = (*cpu)->call("brr", {8000000, 0});
  EXPECT_TRUE(trap.trapped);
  EXPECT_EQ(trap.trap_code, 2u);  // GUST_TRAP_DIV_ZERO
}

}  // namespace
}  // namespace gust::test

namespace gust::test {
namespace {

TEST(ThinNode, ReportHasNoDriverSramAndExactlyTheSeamImports) {
  auto node = compose::load_node(source_root() / "nodes/f100-uart-thin.toml");
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions o;
  o.out_root = scratch("thin-node");
  auto rep = compose::build(*node, o);
  ASSERT_TRUE(rep) << rep.error().str();
  const nlohmann::json j = rep->json();
  int wasm = 0;
  for (const auto& c : j["components"]) {
    if (c["kind"] != "wasm") continue;
    ++wasm;
    EXPECT_EQ(c["data"], 0);
    EXPECT_EQ(c["bss"], 0);
  }
  EXPECT_EQ(wasm, 1);
  EXPECT_EQ(j["tcb"]["imports"],
            (std::vector<std::string>{"console_gust_hal_irq__poll", "console_gust_hal_mmio__read32",
                                      "console_gust_hal_mmio__write32"}));
  EXPECT_LE(j["sram_bytes"].get<uint64_t>(), j["sram_budget"].get<uint64_t>());
  EXPECT_EQ(j["sram_budget"], 8192);
  // SRAM is .data + .bss + the worst-case stack, which is never zero.
  uint64_t data_bss = 0;
  for (const auto& c : j["components"]) data_bss += c["data"].get<uint64_t>() + c["bss"].get<uint64_t>();
  EXPECT_GT(j["stack_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["sram_bytes"].get<uint64_t>(), data_bss + j["stack_bytes"].get<uint64_t>());
}

}  // namespace
}  // namespace gust::test

namespace gust::test {
namespace {

TEST(Dissolve, MarksFunctionsThatCallIndirectlyForTheStackOracle) {
  fs::path dir = scratch("indirect");
  std::ofstream(dir / "m.wat") << "(module (type $t (func (result i32)))\n"
                                  "  (table 1 funcref) (elem (i32.const 0) $one)\n"
                                  "  (func $one (result i32) (i32.const 1))\n"
                                  "  (func (export \"via_table\") (param i32) (result i32)\n"
                                  "    (call_indirect (type $t) (local.get 0)))\n"
                                  "  (func (export \"direct\") (result i32) (call $one))\n"
                                  "  (func (export \"clear\") (table.set 0 (i32.const 0) (ref.null func))))\n";
  auto r = compose::run_tool({"wat2wasm", (dir / "m.wat").string(), "-o", (dir / "m.wasm").string()});
  ASSERT_EQ(r.status, 0) << r.output;
  auto m = wasm::decode(read_file(dir / "m.wasm"));
  ASSERT_TRUE(m);
  auto out = dissolve::dissolve(*m, {});
  ASSERT_TRUE(out) << out.error().str();
  auto buf = llvm::MemoryBuffer::getMemBuffer(
      llvm::StringRef(reinterpret_cast<const char*>(out->object.data()), out->object.size()), "m.o", false);
  auto obj = llvm::object::ObjectFile::createObjectFile(buf->getMemBufferRef());
  ASSERT_TRUE(bool(obj));
  std::string note;
  for (const auto& sec : (*obj)->sections())
    if (auto n = sec.getName(); n && *n == ".gust.indirect") note = sec.getContents()->str();
  // Exactly the indirect caller, NUL-terminated.
  EXPECT_EQ(note, std::string("via_table") + '\0');
}

}  // namespace
}  // namespace gust::test

namespace gust::test {
namespace {

// The trusted bridge, in the linked image on the emulated core: a driver can
// reach only the registers and the interrupt line its node granted.
TEST(ThinNode, TheBridgeTrapsOutsideTheWindowAndTheGrantedLines) {
  auto node = compose::load_node(source_root() / "nodes/f100-uart-thin.toml");
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions o;
  o.out_root = scratch("thin-bridge");
  auto rep = compose::build(*node, o);
  ASSERT_TRUE(rep) << rep.error().str();
  std::vector<uint32_t> reads;
  auto cpu = emu::CortexM::load_image(
      rep->elf, 0x40013800, 0x400,
      [&](uint32_t off) {
        reads.push_back(off);
        return off == 0 ? 0xC0u : 0u;
      },
      [](uint32_t, uint32_t) {});
  ASSERT_TRUE(cpu) << cpu.error().str();
  auto ok = (*cpu)->call("console_gust_hal_mmio__read32", {0x0});
  ASSERT_TRUE(ok.ok) << ok.fault;
  EXPECT_EQ(ok.r0, 0xC0u);
  EXPECT_EQ(reads, std::vector<uint32_t>{0});
  for (uint32_t off : {0x400u, 0x3FEu, 0x2u, 0xFFFFFFFCu}) {
    auto bad = (*cpu)->call("console_gust_hal_mmio__read32", {off});
    EXPECT_TRUE(bad.trapped) << "offset " << off;
    EXPECT_EQ(bad.trap_code, 10u) << "offset " << off;  // GUST_TRAP_MMIO_WINDOW
    auto w = (*cpu)->call("console_gust_hal_mmio__write32", {off, 1});
    EXPECT_TRUE(w.trapped) << "offset " << off;
  }
  EXPECT_EQ(reads.size(), 1u) << "a rejected offset reached the bus";
  auto line = (*cpu)->call("console_gust_hal_irq__poll", {1});
  EXPECT_TRUE(line.trapped);
  EXPECT_EQ(line.trap_code, 11u);  // GUST_TRAP_IRQ_LINE: the node granted one line
  auto none = (*cpu)->call("console_gust_hal_irq__poll", {0});
  ASSERT_TRUE(none.ok) << none.fault;
  EXPECT_EQ(none.r0, 0u);  // nothing latched
}

}  // namespace
}  // namespace gust::test

namespace gust::test {
namespace {

// The mid seam's wasm keeps the line discipline and the error policy.
TEST(MidDriver, LineDisciplineAndErrorPolicyRunInWasm) {
  fs::path dir = scratch("mid");
  ASSERT_TRUE(compose::compile_driver(source_root() / "drivers/uart-mid/uart.cpp", dir / "mid.wasm", 0));
  auto m = wasm::decode(read_file(dir / "mid.wasm"));
  ASSERT_TRUE(m);
  dissolve::Options o;
  o.memory_bytes = 8;
  auto out = dissolve::dissolve(*m, o);
  ASSERT_TRUE(out) << out.error().str();
  std::ofstream(dir / "mid.o", std::ios::binary)
      .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  auto cpu = emu::CortexM::load({dir / "mid.o"}, dir / "emu");
  ASSERT_TRUE(cpu) << cpu.error().str();
  std::string sent;
  int32_t next_rx = -1;
  uint32_t errors = 0;
  (*cpu)->on_import("gust_hal_uart_byte__tx", [&](emu::CortexM& c) { sent += char(c.arg(0)); });
  (*cpu)->on_import("gust_hal_uart_byte__rx", [&](emu::CortexM& c) { c.set_result(uint32_t(next_rx)); });
  (*cpu)->on_import("gust_hal_uart_byte__rx_errors", [&](emu::CortexM& c) { c.set_result(errors); });
  for (char ch : std::string("a\nb\r\n")) ASSERT_TRUE((*cpu)->call("uart_tx_byte", {uint32_t(uint8_t(ch))}).ok);
  EXPECT_EQ(sent, "a\r\nb\r\n");  // a lone \n gains its \r; \r\n stays as it is
  next_rx = '\r';
  EXPECT_EQ((*cpu)->call("uart_rx", {}).r0, uint32_t('\n'));
  next_rx = 'x';
  EXPECT_EQ((*cpu)->call("uart_rx", {}).r0, uint32_t('x'));
  errors = 0x8;  // ORE
  EXPECT_EQ(int32_t((*cpu)->call("uart_rx", {}).r0), UART_RX_FAULT);
  next_rx = -1;
  EXPECT_EQ(int32_t((*cpu)->call("uart_rx", {}).r0), UART_RX_EMPTY);
}

}  // namespace
}  // namespace gust::test
