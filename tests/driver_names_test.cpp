// The driver compile keeps wasm-ld's name section (compile.cpp): the
// read-only-data lever acts in `gust build` (a const table takes no SRAM and
// its .data image holds only the writable part), and the seam check names
// the C++ function and the WIT item, with the driver's source, for a
// misspelt, missing or mistyped export and an import the world lacks, and
// leaves nothing behind.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

uint64_t sum_sections(const compose::ObjectFacts& f, const std::string& prefix) {
  uint64_t n = 0;
  for (const auto& [name, size] : f.section_sizes)
    if (name.rfind(prefix, 0) == 0) n += size;
  return n;
}

compose::ObjectFacts dissolve_to_facts(const wasm::Module& m, const dissolve::Options& o, const fs::path& obj) {
  auto out = dissolve::dissolve(m, o);
  EXPECT_TRUE(out) << (out ? "" : out.error().str());
  if (!out) return {};
  std::ofstream(obj, std::ios::binary)
      .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  auto facts = compose::read_object(obj);
  EXPECT_TRUE(facts);
  return facts ? *facts : compose::ObjectFacts{};
}

// The table example's module, sized as `gust build` sizes it: it keeps the
// segment names, and dissolved, its const tables stay in flash.
TEST(DriverNames, TheTableExampleKeepsItsConstTablesOutOfSram) {
  const fs::path dir = scratch("names-table");
  auto sized = compose::compile_sized_driver(source_root() / "drivers/examples/table/uart.cpp", dir / "table.wasm",
                                             dir, {}, std::nullopt, std::nullopt);
  ASSERT_TRUE(sized) << sized.error().str();
  auto m = wasm::decode(read_file(dir / "table.wasm"));
  ASSERT_TRUE(m) << m.error().str();
  // The read-only segment, by the name wasm-ld gave it.
  const auto names = dissolve::data_segment_names(*m);
  uint64_t rodata = 0, writable = 0;
  for (size_t i = 0; i < m->datas.size(); ++i)
    (i < names.size() && names[i].rfind(".rodata", 0) == 0 ? rodata : writable) += m->datas[i].bytes.size();
  EXPECT_GE(rodata, 32u) << "the decision table (32 B) and the divisor table are read-only data";
  dissolve::Options o;
  o.prefix = "console_";
  o.memory_bytes = sized->region;
  EXPECT_TRUE(dissolve::read_only_data(*m, o).empty()) << "under the cost rule's 512 B the tables stay in SRAM";
  o.read_only_min = o.read_only_low_min = 32;  // the lever forced: what it does for them
  o.read_only_flash = false;
  const auto off = dissolve_to_facts(*m, o, dir / "off.o");
  o.read_only_flash = true;
  const auto on = dissolve_to_facts(*m, o, dir / "on.o");
  const uint64_t sram_off = sum_sections(off, ".data") + sum_sections(off, ".bss");
  const uint64_t sram_on = sum_sections(on, ".data") + sum_sections(on, ".bss");
  // Lever off: the whole region in SRAM, its .data image the whole region
  // up to the end of its data.
  EXPECT_EQ(sram_off, sized->region);
  // Lever on: the tables in .rodata (flash), none of their bytes in SRAM
  // but the two 7-byte edge copies; the .data image holds those and the
  // writable data alone.
  EXPECT_GE(sum_sections(on, ".rodata"), rodata);
  EXPECT_LE(sram_on, sized->region - rodata + 2 * 7);
  EXPECT_LT(sram_on, sram_off);
  EXPECT_LE(sum_sections(on, ".data"), writable + 2 * 7 + sized->stack);
  EXPECT_LT(sum_sections(on, ".data"), rodata);
}

// `gust build` of the example node: its tables (under 512 B of read-only
// data) stay in the region, by the lever's cost rule, and the report counts
// the whole region as the instance's SRAM.
TEST(DriverNames, TheTableExampleNodeKeepsTablesUnderTheCostRuleInSram) {
  auto node = compose::load_node(source_root() / "drivers/examples/table/node.toml");
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions bo;
  bo.out_root = scratch("names-table-node");
  auto rep = compose::build(*node, bo);
  ASSERT_TRUE(rep) << rep.error().str();
  const fs::path dir = bo.out_root / node->name;
  auto m = wasm::decode(read_file(dir / "console.wasm"));
  ASSERT_TRUE(m) << m.error().str();
  dissolve::Options forced;
  forced.read_only_min = forced.read_only_low_min = 32;
  ASSERT_FALSE(dissolve::read_only_data(*m, forced).empty()) << "no read-only segment by name";
  EXPECT_TRUE(dissolve::read_only_data(*m, dissolve::Options{}).empty());
  const auto obj = compose::read_object(dir / "console.o");
  ASSERT_TRUE(obj);
  EXPECT_LT(sum_sections(*obj, ".rodata"), 32u) << "the tables are not in the object's flash";
  int wasm = 0;
  for (const auto& c : rep->components)
    if (c.kind == "wasm") {
      ++wasm;
      EXPECT_EQ(c.data + c.bss, sum_sections(*obj, ".data") + sum_sections(*obj, ".bss"));
      EXPECT_GE(c.data + c.bss, 32u) << "the 32-byte decision table is in the region";
    }
  EXPECT_EQ(wasm, 1);
}

// A thin-seam driver with one piece replaced, in a node of its own.
struct BadDriver {
  std::string init = R"(GUST_EXPORT("uart_init") void uart_init(uint32_t, uint32_t baud) { gust_hal_mmio__write32(8, baud); })";
  std::string tx = R"(GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t b) { gust_hal_mmio__write32(4, b); })";
  std::string rx = R"(GUST_EXPORT("uart_rx") int32_t uart_rx() { return int32_t(gust_hal_mmio__read32(4) & 0xFF); })";
  std::string fired = R"(GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return gust_hal_irq__poll(0); })";
  std::string outside;  // C++ outside the extern "C" block
};

struct Refusal {
  std::string message;  // the error as gust build prints it
  fs::path source, out_root;
};

Refusal build_refused(const std::string& tag, const BadDriver& d) {
  Refusal r;
  const fs::path dir = scratch("names-" + tag);
  r.source = dir / "bad.cpp";
  std::ofstream(r.source) << "#include <gust/driver-thin.h>\n"
                          << d.outside << "\nextern \"C\" {\n"
                          << d.init << "\n"
                          << d.tx << "\n"
                          << d.rx << "\n"
                          << d.fired << "\n}\n";
  const fs::path manifest = dir / "node.toml";
  std::ofstream(manifest) << "name = \"names-" << tag << "\"\nchip = \"stm32f100rb\"\napp = \""
                          << (source_root() / "firmware/stm32f100/app_uart_echo.c").string()
                          << "\"\n\n[[driver]]\ninstance = \"console\"\nsource = \"bad.cpp\"\nseam = \"thin\"\n"
                             "peripheral = \"usart1\"\n";
  auto node = compose::load_node(manifest);
  EXPECT_TRUE(node) << node.error().str();
  if (!node) return r;
  compose::BuildOptions bo;
  r.out_root = bo.out_root = dir / "out";
  auto rep = compose::build(*node, bo);
  EXPECT_FALSE(rep) << "built a driver that breaks its world";
  if (!rep) r.message = rep.error().str();
  return r;
}

// What every refusal must hold: the driver's source and the world, no
// scratch path, no bare function index, and no output left behind.
void expect_clean(const Refusal& r) {
  EXPECT_NE(r.message.find("(" + r.source.string() + ")"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("does not fit world driver-thin"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find(".partial-"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find(".o.wasm"), std::string::npos) << r.message;
  EXPECT_FALSE(std::regex_search(r.message, std::regex(R"(\bfunc(tion)? [0-9]+\b)"))) << r.message;
  std::error_code ec;
  EXPECT_TRUE(!fs::exists(r.out_root, ec) || fs::is_empty(r.out_root, ec)) << "output left in " << r.out_root;
}

TEST(DriverNames, AMisspeltExportIsRefusedNamingTheFunctionAndTheWitItem) {
  BadDriver d;
  d.tx = R"(void uart_tx_bytes(uint8_t b) { gust_hal_mmio__write32(4, b); })";
  const Refusal r = build_refused("misspelt", d);
  expect_clean(r);
  EXPECT_NE(r.message.find("export \"uart_tx_byte\": missing"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("the driver defines uart_tx_bytes: a misspelling of uart_tx_byte?"), std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("gust-hal.wit:"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("world driver-thin export uart-tx-byte: func(byte: u8)"), std::string::npos) << r.message;
}

TEST(DriverNames, AMissingExportIsRefusedNamingTheWitItem) {
  BadDriver d;
  d.fired.clear();
  const Refusal r = build_refused("missing", d);
  expect_clean(r);
  EXPECT_NE(r.message.find("export \"uart_rx_fired\": missing"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("world driver-thin export uart-rx-fired: func() -> bool"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("define uart_rx_fired as <gust/driver-thin.h> declares it"), std::string::npos)
      << r.message;
  EXPECT_EQ(r.message.find("misspelling"), std::string::npos) << r.message;
}

TEST(DriverNames, AnImportTheWorldLacksIsRefusedNamingTheCxxFunction) {
  BadDriver d;
  d.outside = R"(namespace dma { GUST_IMPORT("gust:hal/uart-byte", "tx") void send(uint8_t b); })";
  d.tx = R"(GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t b) { dma::send(b); })";
  const Refusal r = build_refused("import", d);
  expect_clean(r);
  EXPECT_NE(r.message.find("the C++ function dma::send(unsigned char), import 1"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("\"gust:hal/uart-byte\" \"tx\": interface uart-byte is not granted to world driver-thin"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("gust:hal/uart-byte tx: func(byte: u8)"), std::string::npos) << r.message;
}

TEST(DriverNames, AnExportOfTheWrongTypeIsRefusedNamingTheCxxFunction) {
  BadDriver d;
  d.rx = R"(__attribute__((export_name("uart_rx"))) uint64_t uart_rx_wide() { return gust_hal_mmio__read32(4); })";
  const Refusal r = build_refused("type", d);
  expect_clean(r);
  EXPECT_NE(r.message.find("the C++ function uart_rx_wide, export \"uart_rx\": wrong type; expected (func (result "
                           "i32)), found (func (result i64))"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("world driver-thin export uart-rx: func() -> s32"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace gust::test
