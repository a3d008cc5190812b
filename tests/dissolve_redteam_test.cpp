// Hostile modules against the dissolver (tests/redteam/*.wat): each is
// refused with a message naming what it tried, or contained, shown by the
// dissolved code on the emulated Cortex-M3 or by the object's symbols.
#include <gtest/gtest.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fstream>
#include <map>
#include <set>

#include "audit/audit.h"
#include "base/tools.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "gust/trap.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

wasm::Module redteam_module(const std::string& name) {
  const fs::path dir = scratch("redteam-" + name);
  const fs::path wat = source_root() / "tests/redteam" / (name + ".wat");
  auto r = base::run_tool({"wat2wasm", wat.string(), "-o", (dir / "m.wasm").string()});
  EXPECT_EQ(r.status, 0) << r.output;
  auto m = wasm::decode(read_file(dir / "m.wasm"));
  EXPECT_TRUE(m) << m.error().str();
  EXPECT_TRUE(wasm::validate(*m)) << name;
  return std::move(*m);
}

// The refusal's message, or "" when the module dissolved.
std::string refusal(const wasm::Module& m, const dissolve::Options& o) {
  auto out = dissolve::dissolve(m, o);
  return out ? "" : out.error().str();
}

dissolve::Options with_prefix(const std::string& prefix) {
  dissolve::Options o;
  o.prefix = prefix;
  return o;
}

fs::path write_object(const dissolve::Output& out, const std::string& tag) {
  const fs::path p = scratch("redteam-obj-" + tag) / "m.o";
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(out.object.data()), std::streamsize(out.object.size()));
  return p;
}

struct Symbol {
  bool defined = false, function = false, global = false;
  uint64_t size = 0;
};

std::map<std::string, Symbol> symbols(const dissolve::Output& out) {
  std::map<std::string, Symbol> syms;
  auto buf = llvm::MemoryBuffer::getMemBuffer(
      llvm::StringRef(reinterpret_cast<const char*>(out.object.data()), out.object.size()), "m.o", false);
  auto obj = llvm::object::ObjectFile::createObjectFile(buf->getMemBufferRef());
  EXPECT_TRUE(bool(obj));
  if (!obj) return syms;
  for (const auto& sym : (*obj)->symbols()) {
    auto name = sym.getName();
    auto flags = sym.getFlags();
    auto type = sym.getType();
    if (!name || name->empty() || !flags || !type) continue;
    Symbol& s = syms[name->str()];
    s.defined = !(*flags & llvm::object::SymbolRef::SF_Undefined);
    s.global = *flags & llvm::object::SymbolRef::SF_Global;
    s.function = *type == llvm::object::SymbolRef::ST_Function;
    s.size = llvm::object::ELFSymbolRef(sym).getSize();
  }
  return syms;
}

// The id call_indirect compared before signature objects: a 32-bit FNV-1a
// hash of the parameter bytes, 0xFF and the result bytes.
uint32_t old_type_id(const wasm::FuncType& t) {
  uint32_t h = 2166136261u;
  auto mix = [&](uint8_t b) { h = (h ^ b) * 16777619u; };
  for (auto p : t.params) mix(uint8_t(p));
  mix(0xFF);
  for (auto r : t.results) mix(uint8_t(r));
  return h;
}

TEST(RedTeam, SigHashCollisionTrapsOnTheEmulatedCore) {
  wasm::Module m = redteam_module("sig-hash-collision");
  ASSERT_GE(m.types.size(), 2u);  // $victim_t and $forged_t first, then the exports' types
  // The pair is a real collision of the old scheme: different types, one id.
  EXPECT_FALSE(m.types[0] == m.types[1]);
  EXPECT_EQ(old_type_id(m.types[0]), old_type_id(m.types[1]));
  EXPECT_NE(dissolve::signature_symbol(m.types[0]), dissolve::signature_symbol(m.types[1]));
  auto out = dissolve::dissolve(m, {});
  ASSERT_TRUE(out) << out.error().str();
  auto cpu = emu::CortexM::load({write_object(*out, "sig")}, scratch("redteam-sig-emu"));
  ASSERT_TRUE(cpu) << cpu.error().str();
  ASSERT_TRUE((*cpu)->call("install", {}).ok);
  auto honest = (*cpu)->call("honest", {0});
  ASSERT_TRUE(honest.ok) << honest.fault;
  EXPECT_EQ(honest.r0, 42u);
  auto forged = (*cpu)->call("forged", {0});
  EXPECT_TRUE(forged.trapped) << "the forged signature reached the victim";
  EXPECT_EQ(forged.trap_code, uint32_t(GUST_TRAP_SIG_MISMATCH));
  // The check is made at run time: an emptied slot is a null reference.
  ASSERT_TRUE((*cpu)->call("clear", {}).ok);
  auto null = (*cpu)->call("honest", {0});
  EXPECT_TRUE(null.trapped);
  EXPECT_EQ(null.trap_code, uint32_t(GUST_TRAP_NULL_REF));
}

TEST(RedTeam, EqualSignaturesShareOneObjectInAnImage) {
  // Two instances using the same signature, linked into one image: one
  // signature object (COMDAT), so one instance's descriptor passes the
  // other's check. Each instance checks against the object by address.
  wasm::Module m = redteam_module("sig-hash-collision");
  auto a = dissolve::dissolve(m, with_prefix("a_"));
  auto b = dissolve::dissolve(m, with_prefix("b_"));
  ASSERT_TRUE(a && b);
  const std::string sig = dissolve::signature_symbol(m.types[0]);
  EXPECT_TRUE(symbols(*a)[sig].defined);
  EXPECT_TRUE(symbols(*b)[sig].defined);
  auto cpu = emu::CortexM::load({write_object(*a, "share-a"), write_object(*b, "share-b")}, scratch("redteam-share"));
  ASSERT_TRUE(cpu) << cpu.error().str();
  ASSERT_TRUE((*cpu)->call("a_install", {}).ok);
  ASSERT_TRUE((*cpu)->call("b_install", {}).ok);
  EXPECT_EQ((*cpu)->call("b_honest", {0}).r0, 42u);
  EXPECT_EQ((*cpu)->call("b_forged", {0}).trap_code, uint32_t(GUST_TRAP_SIG_MISMATCH));
}

// The dispatch gust emits (the signature compare, then blx) is the one the
// image audit accepts, also inside a loop, where LLVM would hoist the
// expected signature's address out of the straight line were it a plain
// constant.
TEST(RedTeam, TheDispatchIsTheShapeTheAuditAccepts) {
  const fs::path dir = scratch("redteam-audit");
  std::ofstream(dir / "loop.wat") << R"((module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $inc $dbl)
  (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $t) (i32.shl (local.get 0) (i32.const 1)))
  (func (export "clear") (table.set 0 (i32.const 1) (ref.null func)))
  (func (export "run") (param $n i32) (param $k i32) (result i32) (local $acc i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call_indirect (type $t) (local.get $acc) (i32.and (local.get $n) (local.get $k))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $acc))))";
  auto w = base::run_tool({"wat2wasm", (dir / "loop.wat").string(), "-o", (dir / "loop.wasm").string()});
  ASSERT_EQ(w.status, 0) << w.output;
  auto loop = wasm::decode(read_file(dir / "loop.wasm"));
  ASSERT_TRUE(loop);
  auto looped = dissolve::dissolve(*loop, with_prefix("loop_"));
  ASSERT_TRUE(looped) << looped.error().str();
  auto sig = dissolve::dissolve(redteam_module("sig-hash-collision"), with_prefix("console_"));
  ASSERT_TRUE(sig) << sig.error().str();
  const std::vector<std::string> objects = {write_object(*looped, "audit-loop").string(),
                                            write_object(*sig, "audit-sig").string()};
  std::ofstream(dir / "native.s") << ".syntax unified\n.thumb\n.text\n.global gust_trap\n.thumb_func\n"
                                     "gust_trap: b gust_trap\n.global main\n.thumb_func\nmain: bx lr\n";
  std::ofstream(dir / "image.ld") << "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 128K\n"
                                     "         SRAM (rwx) : ORIGIN = 0x20000000, LENGTH = 8K }\n"
                                     "SECTIONS { .text : { *(.text .text.*) *(.rodata .rodata.*) } > FLASH\n"
                                     "           .data : { *(.data .data.*) } > SRAM\n"
                                     "           .bss : { *(.bss .bss.*) } > SRAM }\n";
  auto as = base::run_tool({base::tool("GUST_ARM_AS", "arm-none-eabi-as"), "-mcpu=cortex-m3",
                            (dir / "native.s").string(), "-o", (dir / "native.o").string()});
  ASSERT_EQ(as.status, 0) << as.output;
  std::vector<std::string> ld = {base::tool("GUST_ARM_LD", "arm-none-eabi-ld"),
                                 "-T",
                                 (dir / "image.ld").string(),
                                 "-e",
                                 "main",
                                 "-o",
                                 (dir / "image.elf").string(),
                                 (dir / "native.o").string()};
  ld.insert(ld.end(), objects.begin(), objects.end());
  auto link = base::run_tool(ld);
  ASSERT_EQ(link.status, 0) << link.output;
  auto rep = audit::audit_file(dir / "image.elf");
  ASSERT_TRUE(rep) << rep.error().str();
  EXPECT_TRUE(rep->ok()) << rep->text();
  size_t dispatches = 0;
  for (const auto& inst : rep->instances) dispatches += inst.dispatches;
  EXPECT_EQ(dispatches, 3u) << rep->text();  // the loop's, and the forged and honest calls
}

TEST(RedTeam, SignatureSymbolsAreTheBinaryEncoding) {
  using wasm::ValType;
  EXPECT_EQ(dissolve::signature_symbol({}), "gust_sig_600000");
  EXPECT_EQ(dissolve::signature_symbol({{ValType::I32}, {ValType::I64}}), "gust_sig_60017f017e");
  wasm::FuncType many;
  many.params.assign(130, ValType::F32);  // a two-byte LEB128 count
  const std::vector<uint8_t> bytes = dissolve::signature_bytes(many);
  ASSERT_EQ(bytes.size(), 1u + 2 + 130 + 1);
  EXPECT_EQ(bytes[1], 0x82);
  EXPECT_EQ(bytes[2], 0x01);
}

TEST(RedTeam, ExportGustTrapIsRefused) {
  wasm::Module m = redteam_module("export-gust-trap");
  for (const char* prefix : {"", "console_"}) {
    const std::string why = refusal(m, with_prefix(prefix));
    EXPECT_NE(why.find("export \"gust_trap\""), std::string::npos) << why;
    EXPECT_NE(why.find("gust's own"), std::string::npos) << why;
  }
}

TEST(RedTeam, ExportHandlerIsRefused) {
  wasm::Module m = redteam_module("export-handler");
  for (const char* prefix : {"", "console_"}) {
    const std::string why = refusal(m, with_prefix(prefix));
    EXPECT_NE(why.find("export \"gust_isr_38\""), std::string::npos) << why;
  }
}

TEST(RedTeam, ExportOfTheRegionSizeSymbolIsRefused) {
  wasm::Module m = redteam_module("export-gust-region");
  const std::string why = refusal(m, with_prefix("console_"));
  EXPECT_NE(why.find("export \"gust_memory__bytes\""), std::string::npos) << why;
}

TEST(RedTeam, ExportsNamedAsTheOldRegionSymbolsAreContained) {
  wasm::Module m = redteam_module("export-region-name");
  auto out = dissolve::dissolve(m, with_prefix("console_"));
  ASSERT_TRUE(out) << out.error().str();
  auto syms = symbols(*out);
  // The region and its size are gust's: an object of the memory's size and
  // a constant, whatever the module exported under the old names.
  const Symbol& region = syms["console_gust_memory"];
  EXPECT_TRUE(region.defined && region.global && !region.function);
  EXPECT_EQ(region.size, 65536u);
  EXPECT_TRUE(syms["console_gust_memory__bytes"].defined);
  EXPECT_EQ(syms["console_gust_memory__bytes"].size, 4u);
  EXPECT_TRUE(syms["console_memory"].function);  // the module's function, beside the region
  EXPECT_TRUE(syms["console_memory__bytes"].defined);
  auto cpu = emu::CortexM::load({write_object(*out, "region")}, scratch("redteam-region-emu"));
  ASSERT_TRUE(cpu) << cpu.error().str();
  uint32_t bytes = 0;
  ASSERT_TRUE((*cpu)->read((*cpu)->address("console_gust_memory__bytes"), &bytes, 4));
  EXPECT_EQ(bytes, 65536u);
}

TEST(RedTeam, ExportOfARuntimeFunctionIsRefusedWithoutAPrefix) {
  wasm::Module m = redteam_module("export-runtime-name");
  const std::string why = refusal(m, {});
  EXPECT_NE(why.find("export \"memcpy\""), std::string::npos) << why;
  auto out = dissolve::dissolve(m, with_prefix("console_"));
  ASSERT_TRUE(out) << out.error().str();
  EXPECT_TRUE(symbols(*out)["console_memcpy"].function);
  EXPECT_FALSE(symbols(*out).count("memcpy"));
}

TEST(RedTeam, ImportOfANestedInstancesBridgeStaysInItsInstance) {
  wasm::Module m = redteam_module("import-nested-instance");
  auto out = dissolve::dissolve(m, with_prefix("console_"));
  ASSERT_TRUE(out) << out.error().str();
  const std::string mine = dissolve::import_symbol("x_gust_hal_mmio", "read32", "console_");
  EXPECT_EQ(mine.rfind("console_gust_i_", 0), 0u) << mine;
  // Linked beside the bridge of an instance console_x, the call still goes to
  // console's own import: a stub here, never console_x's register read.
  const std::string theirs = "console_x_gust_hal_mmio__read32";
  auto cpu =
      emu::CortexM::load({write_object(*out, "nested")}, scratch("redteam-nested-emu"),
                         ".text\n.global " + theirs + "\n.thumb_func\n" + theirs + ":\n  movs r0, #66\n  bx lr\n");
  ASSERT_TRUE(cpu) << cpu.error().str();
  bool called = false;
  (*cpu)->on_import(mine, [&](emu::CortexM& c) {
    called = true;
    c.set_result(7);
  });
  auto r = (*cpu)->call("console_peek", {});
  ASSERT_TRUE(r.ok) << r.fault;
  EXPECT_TRUE(called);
  EXPECT_EQ(r.r0, 7u);
}

TEST(RedTeam, GlobalImportedWithTwoTypesIsRefused) {
  // The fuzz-found module: the lowering aborted on it with invalid IR.
  wasm::Module m = redteam_module("import-global-two-types");
  const std::string why = refusal(m, {});
  EXPECT_NE(why.find("import \"env\" \"g\" (global i64)"), std::string::npos) << why;
  EXPECT_NE(why.find("import \"env\" \"g\" (global i32) (at 0000"), std::string::npos) << why;
  EXPECT_EQ(why.find("internal error"), std::string::npos) << why;
}

TEST(RedTeam, TableImportedAsTwoElementTypesIsRefused) {
  wasm::Module m = redteam_module("import-table-two-types");
  dissolve::Options o;
  o.linkable = true;
  const std::string why = refusal(m, o);
  EXPECT_NE(why.find("(table externref)"), std::string::npos) << why;
  EXPECT_NE(why.find("(table funcref)"), std::string::npos) << why;
}

TEST(RedTeam, ExportNamedAsItsOwnImportIsRefused) {
  wasm::Module m = redteam_module("import-export-same-symbol");
  const std::string why = refusal(m, with_prefix("console_"));
  EXPECT_NE(why.find("export \"foo_bar_baz__qux\": its symbol console_foo_bar_baz__qux is also import"),
            std::string::npos)
      << why;
}

TEST(RedTeam, PrefixMustBeAnInstanceName) {
  wasm::Module m = redteam_module("export-runtime-name");
  for (const char* bad : {"gust_", "console_x_", "Console_", "9lives_", "console", "_"}) {
    const std::string why = refusal(m, with_prefix(bad));
    EXPECT_NE(why.find("instance prefix"), std::string::npos) << bad << ": " << why;
  }
  EXPECT_TRUE(dissolve::valid_prefix("usart2_"));
  EXPECT_TRUE(dissolve::valid_prefix(""));
}

// Import symbols are one-to-one over (module, name): pairs built from
// fragments that the old scheme's '_' replacement confused all get their
// own symbol, each after its instance's prefix. As a prefix has no '_' but
// its last (valid_prefix), that keeps each instance's imports its own.
TEST(ImportSymbol, IsOneToOne) {
  const std::vector<std::string> parts = {"",    "x",       "_",    "__",     "-",     ":",   "/",   "x_y",
                                          "x-y", "x__y",    "gust", "hal",    "mmio",  "i",   "a-b", "uart-byte",
                                          "7",   "gust_i_", "\xff", "read32", "ab_cd", "x:y", "x/y", "rx-errors"};
  std::vector<std::string> modules;
  for (const auto& a : parts)
    for (const auto& b : parts) {
      modules.push_back(a + b);
      modules.push_back(a + ":" + b + "/mmio");
      modules.push_back(a + ":hal/" + b);
    }
  std::map<std::string, std::pair<std::string, std::string>> seen;
  for (const auto& mod : modules)
    for (const auto& name : parts) {
      const std::string sym = dissolve::import_symbol(mod, name, "console_");
      auto [it, fresh] = seen.try_emplace(sym, mod, name);
      EXPECT_TRUE(fresh || it->second == std::make_pair(mod, name))
          << sym << " for both \"" << mod << "\" \"" << name << "\" and \"" << it->second.first << "\" \""
          << it->second.second << "\"";
      EXPECT_EQ(sym.rfind("console_", 0), 0u);
      EXPECT_EQ(sym.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
                std::string::npos)
          << sym;
    }
  EXPECT_GT(seen.size(), 10000u);
}

TEST(ImportSymbol, WitImportsKeepTheBridgesNames) {
  EXPECT_EQ(dissolve::import_symbol("gust:hal/mmio", "read32"), "gust_hal_mmio__read32");
  EXPECT_EQ(dissolve::import_symbol("gust:hal/uart-byte", "rx-errors", "console_"),
            "console_gust_hal_uart_byte__rx_errors");
  // Not WIT-shaped: escaped, however close to a bridge function it looks.
  EXPECT_EQ(dissolve::import_symbol("gust_hal_mmio", "read32"), "gust_i_677573745f68616c5f6d6d696f_726561643332");
  EXPECT_EQ(dissolve::import_symbol("gust:hal/mmio", "read_32").rfind("gust_i_", 0), 0u);
  EXPECT_EQ(dissolve::import_symbol("gust:hal/Mmio", "read32").rfind("gust_i_", 0), 0u);
}

}  // namespace
}  // namespace gust::test
