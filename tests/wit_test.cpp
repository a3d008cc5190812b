// The seam is declared once, in wit/gust-hal.wit; `gust bind` generates the
// headers. These tests check the parser, its errors, and that the generated
// guest header names the WIT's functions with the WIT's signatures.
#include "wit/wit.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "dissolve/dissolve.h"
#include "support.h"

namespace gust::test {
namespace {

// The C type a WIT scalar has at the seam.
std::string c_type(const wit::Type& t) {
  static const std::map<std::string, std::string> m = {{"u8", "uint8_t"},   {"u16", "uint16_t"}, {"u32", "uint32_t"},
                                                       {"u64", "uint64_t"}, {"s8", "int8_t"},    {"s16", "int16_t"},
                                                       {"s32", "int32_t"},  {"s64", "int64_t"},  {"bool", "bool"}};
  auto it = m.find(t.name);
  return it == m.end() ? "?" : it->second;
}

struct Decl {
  std::string ret, symbol;
  std::vector<std::string> params;
};

// GUST_IMPORT("gust:hal/iface", "fn") <ret> <symbol>(<type> <name>, ...);
std::map<std::string, Decl> header_imports() {
  std::ifstream in(source_root() / "include/gust/driver-thin.h");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::regex decl(R"re(GUST_IMPORT\("gust:hal/([\w-]+)", "([\w-]+)"\)\s+(\w+)\s+(\w+)\(([^)]*)\);)re");
  std::map<std::string, Decl> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), decl); it != std::sregex_iterator(); ++it) {
    Decl d;
    d.ret = (*it)[3];
    d.symbol = (*it)[4];
    std::stringstream ps((*it)[5].str());
    for (std::string p; std::getline(ps, p, ',');) {
      std::stringstream words(p);
      std::string type;
      words >> type;
      if (!type.empty() && type != "void") d.params.push_back(type);
    }
    out[(*it)[1].str() + "/" + (*it)[2].str()] = d;
  }
  return out;
}

TEST(Wit, TheHalFileParses) {
  auto pkg = wit::parse_file(source_root() / "wit/gust-hal.wit");
  ASSERT_TRUE(pkg) << pkg.error().str();
  EXPECT_EQ(pkg->name, "gust:hal");
  for (const char* w : {"driver-thin", "driver-mid", "driver-fat"}) EXPECT_TRUE(pkg->world(w)) << w;
  for (const char* i : {"mmio", "irq", "uart-byte", "uart-block"}) EXPECT_TRUE(pkg->interface(i)) << i;
}

// gust:drivers, and the worlds that use it: the UART worlds export
// gust:drivers/uart, read from gust-drivers.wit beside gust-hal.wit; the app
// worlds import it under instance names.
TEST(Wit, DriverInterfacesAcrossPackages) {
  auto drivers = wit::parse_file(source_root() / "wit/gust-drivers.wit");
  ASSERT_TRUE(drivers) << drivers.error().str();
  for (const char* i : {"uart", "timer", "spi", "gpio"}) EXPECT_TRUE(drivers->interface(i)) << i;
  auto hal = wit::parse_file(source_root() / "wit/gust-hal.wit");
  ASSERT_TRUE(hal) << hal.error().str();
  const wit::World* thin = hal->world("driver-thin");
  ASSERT_TRUE(thin);
  ASSERT_EQ(thin->exported.size(), 1u);
  EXPECT_EQ(thin->exported[0].qualified(), "gust:drivers/uart");
  std::vector<std::string> names;
  for (const wit::Func* f : wit::world_exports(*hal, *thin)) names.push_back(wit::export_name(*f));
  EXPECT_EQ(names, (std::vector<std::string>{"uart_init", "uart_tx_byte", "uart_rx", "uart_rx_fired"}));
  auto apps = wit::parse_file(source_root() / "wit/gust-apps.wit");
  ASSERT_TRUE(apps) << apps.error().str();
  const wit::World* relay = apps->world("relay");
  ASSERT_TRUE(relay);
  ASSERT_EQ(relay->links.size(), 2u);
  EXPECT_EQ(relay->links[1].module(), "link");
  EXPECT_EQ(relay->links[1].iface.qualified(), "gust:drivers/uart");
  EXPECT_TRUE(apps->find(relay->links[1].iface));
}

TEST(Wit, ImportFormsAndTheirErrors) {
  // parse() alone leaves another package's interface unloaded.
  auto p = wit::parse("package a:b;\ninterface i {\n  f: func();\n}\nworld w {\n  import i;\n  import x: i;\n"
                      "  import c:d/e;\n  import y: c:d/e;\n  export i;\n  export run: func();\n}\n",
                      "t.wit");
  ASSERT_TRUE(p) << p.error().str();
  const wit::World& w = *p->world("w");
  EXPECT_EQ(w.imports, (std::vector<std::string>{"i"}));
  ASSERT_EQ(w.links.size(), 3u);
  EXPECT_EQ(w.links[0].module(), "x");
  EXPECT_EQ(w.links[1].module(), "c:d/e");
  EXPECT_EQ(w.links[2].module(), "y");
  EXPECT_FALSE(p->find(w.links[1].iface));
  EXPECT_EQ(wit::world_exports(*p, w).size(), 2u);
  // One module imported twice, and an unknown interface, are refused where they stand.
  auto twice = wit::parse("package a:b;\ninterface i {}\nworld w {\n  import x: i;\n  import x: i;\n}\n", "t.wit");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().where, "t.wit:5:10");
  auto unknown = wit::parse("package a:b;\nworld w {\n  import x: nowhere;\n}\n", "t.wit");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown interface 'nowhere'"), std::string::npos);
  // parse_file refuses another package that has no file beside it.
  const fs::path dir = scratch("wit-foreign");
  std::ofstream(dir / "a-b.wit") << "package a:b;\nworld w {\n  import x: c:d/e;\n}\n";
  auto missing = wit::parse_file(dir / "a-b.wit");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("package c:d is read from"), std::string::npos) << missing.error().str();
  EXPECT_EQ(missing.error().where, (dir / "a-b.wit").string() + ":3:1");
}

TEST(Wit, TheGeneratedHeaderMirrorsTheThinWorldsImports) {
  auto pkg = wit::parse_file(source_root() / "wit/gust-hal.wit");
  ASSERT_TRUE(pkg);
  auto decls = header_imports();
  size_t expected = 0;
  for (const auto& iface : pkg->world("driver-thin")->imports) {
    for (const auto& f : pkg->interface(iface)->funcs) {
      ++expected;
      const std::string key = iface + "/" + f.name;
      ASSERT_TRUE(decls.count(key)) << "driver-thin.h does not declare " << key;
      const Decl& d = decls[key];
      EXPECT_EQ(d.symbol, dissolve::import_symbol("gust:hal/" + iface, f.name)) << key;
      EXPECT_EQ(d.ret, f.results.empty() ? "void" : c_type(f.results[0])) << key;
      ASSERT_EQ(d.params.size(), f.params.size()) << key;
      for (size_t i = 0; i < f.params.size(); ++i) EXPECT_EQ(d.params[i], c_type(f.params[i].type)) << key;
    }
  }
  EXPECT_EQ(decls.size(), expected) << "driver-thin.h declares imports the thin world does not have";
}

TEST(Wit, ErrorsNameFileLineAndColumn) {
  auto r = wit::parse("package gust:hal;\ninterface mmio {\n  read32: func(offset: u33) -> u32;\n}\n", "x.wit");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "x.wit:3:24") << r.error().str();
  EXPECT_NE(r.error().message.find("unknown type 'u33'"), std::string::npos);
}

TEST(Wit, AnUnclosedInterfaceIsAnError) {
  auto r = wit::parse("package a:b;\ninterface i {\n  f: func();\n", "y.wit");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "y.wit:4:1") << r.error().str();
}

TEST(Wit, ImportSymbolsAreDocumentedMangling) {
  EXPECT_EQ(dissolve::import_symbol("gust:hal/mmio", "read32"), "gust_hal_mmio__read32");
  EXPECT_EQ(dissolve::import_symbol("gust:hal/uart-byte", "rx-ready", "usart2_"),
            "usart2_gust_hal_uart_byte__rx_ready");
}

}  // namespace
}  // namespace gust::test
