// The seam contract: gust's lowering of WIT functions to core wasm, and the
// check of a module against a world. The red-team modules are refused from
// the command line in seam_test.sh; here, the lowering's table, the WIT it
// refuses, and that the generated headers, compiled by clang, give exactly
// the types the check expects.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "support.h"
#include "wit/wit.h"

namespace gust::test {
namespace {

const wit::Package& hal() {
  static const wit::Package pkg = [] {
    auto p = wit::parse_file(source_root() / "wit/gust-hal.wit");
    if (!p) ADD_FAILURE() << p.error().str();
    return p ? *p : wit::Package{};
  }();
  return pkg;
}

std::string lowered_text(const wit::Func& f) {
  auto core = wit::lower(f, "gust-hal.wit");
  return core ? wit::func_text(core->type()) : "refused: " + core.error().str();
}

// Every function of gust-hal.wit beside its core-wasm signature.
TEST(SeamLowering, EveryHalFunctionHasItsCoreSignature) {
  const std::map<std::string, std::string> expected = {
      {"mmio.read32", "(func (param i32) (result i32))"},
      {"mmio.write32", "(func (param i32 i32))"},
      {"mmio.read8", "(func (param i32) (result i32))"},
      {"mmio.write8", "(func (param i32 i32))"},
      {"irq.poll", "(func (param i32) (result i32))"},
      {"irq.enable", "(func (param i32))"},
      {"uart-byte.init", "(func (param i32 i32))"},
      {"uart-byte.tx", "(func (param i32))"},
      {"uart-byte.rx", "(func (result i32))"},  // option<u8>: the byte or -1
      {"uart-byte.rx-errors", "(func (result i32))"},
      {"uart-byte.rx-ready", "(func (result i32))"},
      {"uart-block.init", "(func (param i32 i32))"},
      {"uart-block.write", "(func (param i32 i32))"},              // list<u8>: pointer, length
      {"uart-block.read", "(func (param i32 i32) (result i32))"},  // max, buffer -> length
  };
  std::map<std::string, std::string> found;
  for (const auto& i : hal().interfaces)
    for (const auto& f : i.funcs) found[i.name + "." + f.name] = lowered_text(f);
  EXPECT_EQ(found, expected);
}

TEST(SeamLowering, TheWorldsExportTheSameFourSignatures) {
  const std::map<std::string, std::string> expected = {
      {"uart-init", "(func (param i32 i32))"},
      {"uart-tx-byte", "(func (param i32))"},
      {"uart-rx", "(func (result i32))"},
      {"uart-rx-fired", "(func (result i32))"},
  };
  for (const char* world : {"driver-thin", "driver-mid", "driver-fat"}) {
    std::map<std::string, std::string> found;
    for (const wit::Func* f : wit::world_exports(hal(), *hal().world(world))) found[f->name] = lowered_text(*f);
    EXPECT_EQ(found, expected) << world;
  }
}

TEST(SeamLowering, WideIntegersAreOneI64) {
  auto pkg = wit::parse("package a:b;\ninterface i {\n  f: func(a: u64, b: s8, c: bool) -> s64;\n}\n", "t.wit");
  ASSERT_TRUE(pkg) << pkg.error().str();
  EXPECT_EQ(lowered_text(pkg->interfaces[0].funcs[0]), "(func (param i64 i32 i32) (result i64))");
}

// Types with no one-value lowering are refused where the WIT declares them.
TEST(SeamLowering, RefusesWhatHasNoSeamLowering) {
  const std::pair<const char*, const char*> cases[] = {
      {"f: func() -> option<u32>;", "result type option<u32> flattens to more than one core value"},
      {"f: func() -> option<s8>;", "result type option<s8> flattens to more than one core value"},
      {"f: func() -> result<u32, u8>;", "result type result<u32, u8> flattens to more than one core value"},
      {"f: func() -> result;", "result type result flattens to more than one core value"},
      {"f: func(x: option<u8>);", "parameter 'x' of type option<u8> does not cross the seam"},
      {"f: func(x: list<u32>);", "parameter 'x' of type list<u32> does not cross the seam"},
      {"f: func() -> list<list<u8>>;", "result type list<list<u8>> does not cross the seam"},
      {"f: func(out: u32) -> list<u8>;", "two C parameters would be named 'out'"},
      {"f: func(d: list<u8>, d-len: u32);", "two C parameters would be named 'd_len'"},
  };
  for (const auto& [decl, why] : cases) {
    const std::string text = std::string("package a:b;\ninterface i {\n\n  ") + decl + "\n}\n";
    auto pkg = wit::parse(text, "t.wit");
    ASSERT_TRUE(pkg) << decl << ": " << pkg.error().str();
    auto core = wit::lower(pkg->interfaces[0].funcs[0], "t.wit");
    ASSERT_FALSE(core) << decl;
    EXPECT_EQ(core.error().kind, Error::Kind::Unsupported) << decl;
    EXPECT_EQ(core.error().where, "t.wit:4:1") << decl;
    EXPECT_NE(core.error().message.find(why), std::string::npos) << decl << ": " << core.error().message;
    // gust bind refuses the same WIT through the same lowering.
    pkg->worlds.push_back({"w", {"i"}, {}});
    auto header = wit::bind(*pkg, "w", false, "t.wit");
    ASSERT_FALSE(header) << decl;
    EXPECT_EQ(header.error().message, core.error().message);
  }
}

TEST(SeamLowering, FuncTextIsWasmTextSyntax) {
  using wasm::ValType;
  EXPECT_EQ(wit::func_text({}), "(func)");
  EXPECT_EQ(wit::func_text({{ValType::I32, ValType::I64}, {}}), "(func (param i32 i64))");
  EXPECT_EQ(wit::func_text({{}, {ValType::F32, ValType::FuncRef}}), "(func (result f32 funcref))");
}

wasm::Module compiled(const fs::path& source, const fs::path& dir) {
  const fs::path out = dir / (source.stem().string() + ".wasm");
  auto r = compose::compile_driver(source, out, 0);
  if (!r) ADD_FAILURE() << r.error().str();
  auto m = wasm::decode(read_file(out));
  if (!m) ADD_FAILURE() << m.error().str();
  if (!m) return {};
  if (auto v = wasm::validate(*m); !v) ADD_FAILURE() << v.error().str();
  return *m;
}

// What clang makes of the checked-in headers is what the check expects: a
// driver that uses every import and defines every export of a world, from
// the header alone, fits the world with no violation.
TEST(SeamCheck, TheGeneratedHeadersCompileToTheCheckedTypes) {
  const fs::path dir = scratch("seam-headers");
  for (const std::string seam : {"thin", "mid", "fat"}) {
    const wit::World& w = *hal().world("driver-" + seam);
    std::ostringstream src;
    src << "#include <gust/driver-" << seam << ".h>\n"
        << "extern \"C\" const void* const gust_every_import[] = {\n";
    size_t imports = 0;
    for (const auto& iname : w.imports)
      for (const auto& f : hal().interface(iname)->funcs) {
        src << "  reinterpret_cast<const void*>(&" << dissolve::import_symbol("gust:hal/" + iname, f.name) << "),\n";
        ++imports;
      }
    src << "};\nGUST_EXPORT(\"every_import\") const void* every_import(uint32_t i) { return gust_every_import[i]; }\n";
    const auto exports = wit::world_exports(hal(), w);
    ASSERT_FALSE(exports.empty()) << seam;  // gust:drivers/uart, loaded beside gust-hal.wit
    for (const wit::Func* fp : exports) {
      const wit::Func& f = *fp;
      auto core = wit::lower(f, "gust-hal.wit");
      ASSERT_TRUE(core);
      src << (core->result ? core->result->guest : "void") << " " << wit::c_name(f.name) << "(";
      for (size_t i = 0; i < core->params.size(); ++i)
        src << (i ? ", " : "") << core->params[i].guest << " " << core->params[i].name;
      src << ") {" << (core->result ? " return 0; " : "") << "}\n";
    }
    const fs::path file = dir / ("every-" + seam + ".cpp");
    std::ofstream(file) << src.str();
    const wasm::Module m = compiled(file, dir);
    EXPECT_EQ(m.imports.size(), imports) << seam;
    auto vs = wit::seam_violations(m, hal(), w, "gust-hal.wit");
    ASSERT_TRUE(vs) << vs.error().str();
    for (const auto& v : *vs) ADD_FAILURE() << seam << ": " << v.str();
  }
}

// The node drivers fit their own world, and no other: the other worlds do
// not grant the interfaces they import.
TEST(SeamCheck, EachNodeDriverFitsItsWorldOnly) {
  std::map<std::string, wasm::Module> drivers;
  for (const std::string seam : {"thin", "mid", "fat"})
    drivers[seam] = compiled(source_root() / "drivers" / ("uart-" + seam) / "uart.cpp", scratch("seam-" + seam));
  for (const auto& [seam, m] : drivers) {
    ASSERT_FALSE(m.imports.empty()) << seam;
    for (const std::string world : {"thin", "mid", "fat"}) {
      auto vs = wit::seam_violations(m, hal(), *hal().world("driver-" + world), "gust-hal.wit");
      ASSERT_TRUE(vs) << vs.error().str();
      if (world == seam) {
        for (const auto& v : *vs) ADD_FAILURE() << seam << " in its own world: " << v.str();
        continue;
      }
      EXPECT_EQ(vs->size(), m.imports.size()) << seam << " in driver-" << world;
      for (const auto& v : *vs)
        EXPECT_NE(v.why.find("is not granted to world driver-" + world), std::string::npos) << v.str();
    }
  }
}

TEST(SeamCheck, ARepeatedImportOfTheRightTypeIsFine) {
  // (import "gust:hal/irq" "enable" (func (param i32))) twice, then the four
  // exports of the thin world, each a bare `end`.
  const Bytes types = {0x01, 0x60, 0x01, 0x7F, 0x00};
  Bytes imports = {0x02};
  for (int k = 0; k < 2; ++k) {
    const std::string mod = "gust:hal/irq", name = "enable";
    imports.push_back(uint8_t(mod.size()));
    imports.insert(imports.end(), mod.begin(), mod.end());
    imports.push_back(uint8_t(name.size()));
    imports.insert(imports.end(), name.begin(), name.end());
    imports.insert(imports.end(), {0x00, 0x00});
  }
  auto m = wasm::decode(cat({header(), section(1, types), section(2, imports)}));
  ASSERT_TRUE(m) << m.error().str();
  auto vs = wit::seam_violations(*m, hal(), *hal().world("driver-thin"), "gust-hal.wit");
  ASSERT_TRUE(vs);
  // Only the four missing exports: both imports are the WIT's enable.
  ASSERT_EQ(vs->size(), 4u);
  for (const auto& v : *vs) EXPECT_EQ(v.what.rfind("export ", 0), 0u) << v.str();
}

TEST(SeamCheck, AnUnknownWorldIsRefused) {
  wasm::Module m;
  auto r = wit::check_seam(m, hal(), "driver-huge", "gust-hal.wit", "m.wasm");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "gust-hal.wit");
  EXPECT_NE(r.error().message.find("no world 'driver-huge'"), std::string::npos);
}

TEST(SeamCheck, NamesFromTheModuleAreEscaped) {
  wasm::Module m;
  wasm::Import im;
  im.module = "gust:hal/mmio\n  import 9 \"forged\"";
  im.name = "read32";
  m.imports.push_back(im);
  m.types.push_back({});
  auto r = wit::check_seam(m, hal(), "driver-mid", "gust-hal.wit", "m.wasm");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(R"("gust:hal/mmio\0a  import 9 \22forged\22")"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace gust::test
