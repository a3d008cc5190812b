// The threads proposal's atomics on one Cortex-M3 (src/dissolve/atomics.cpp):
// std::atomic in a driver compiled as gust compiles drivers, dissolved and
// run on the emulated core; the polling loop on an atomic index keeps its
// load; the code has LDREX/STREX loops and no barrier, and passes the audit;
// a misaligned or out-of-bounds atomic traps as wasm says.
#include <gtest/gtest.h>

#include <fstream>

#include "audit/audit.h"
#include "base/tools.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "gust/trap.h"
#include "image/elf.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

using image::Insn;
using image::Op;

Result<fs::path> dissolve_to(const wasm::Module& m, const fs::path& dir, const std::string& prefix,
                             std::optional<uint64_t> memory_bytes = std::nullopt) {
  dissolve::Options opts;
  opts.prefix = prefix;
  opts.memory_bytes = memory_bytes;
  // gust build's settings: the audit reads checks where they stand.
  opts.widen_checks = false;
  opts.hoist_checks = false;
  auto out = dissolve::dissolve(m, opts);
  if (!out) return out.error();
  const fs::path o = dir / (prefix + "atomics.o");
  std::ofstream(o, std::ios::binary)
      .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
  return o;
}

class Atomics : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(scratch("atomics"));
    auto c = compose::compile_driver(source_root() / "tests/atomics/shared.cpp", *dir_ / "shared.wasm", 256);  // cmpxchg keeps its expected value on the shadow stack
    ASSERT_TRUE(c) << c.error().str();
    auto m = wasm::decode(read_file(*dir_ / "shared.wasm"));
    ASSERT_TRUE(m) << m.error().str();
    auto o = dissolve_to(*m, *dir_, "sh_");
    ASSERT_TRUE(o) << o.error().str();
    auto cpu = emu::CortexM::load({*o}, *dir_);
    ASSERT_TRUE(cpu) << cpu.error().str();
    cpu_ = std::move(*cpu).release();
    auto img = image::read_elf(*dir_ / "image.elf");
    ASSERT_TRUE(img) << img.error().str();
    img_ = new image::Image(std::move(*img));
  }
  static void TearDownTestSuite() {
    delete cpu_;
    delete img_;
    delete dir_;
  }
  static uint32_t call(const std::string& fn, const std::vector<uint32_t>& args = {}) {
    auto r = cpu_->call("sh_" + fn, args);
    EXPECT_TRUE(r.ok) << fn << ": " << r.fault << (r.trapped ? " trap " + std::to_string(r.trap_code) : "");
    return r.r0;
  }
  static std::vector<Insn> code(const std::string& fn) {
    const image::Symbol* s = img_->find("sh_" + fn);
    EXPECT_TRUE(s) << fn;
    return s ? img_->decode(*s) : std::vector<Insn>{};
  }
  static fs::path* dir_;
  static emu::CortexM* cpu_;
  static image::Image* img_;
};
fs::path* Atomics::dir_ = nullptr;
emu::CortexM* Atomics::cpu_ = nullptr;
image::Image* Atomics::img_ = nullptr;

TEST_F(Atomics, ReadModifyWriteOnTheEmulatedCore) {
  call("head_set", {100});
  EXPECT_EQ(call("head_get"), 100u);
  EXPECT_EQ(call("head_add", {5}), 100u);
  EXPECT_EQ(call("head_sub", {3}), 105u);
  EXPECT_EQ(call("head_or", {0xF00}), 102u);
  EXPECT_EQ(call("head_and", {0xF0F}), 0xF66u);
  EXPECT_EQ(call("head_xor", {0xFFFF}), 0xF06u);
  EXPECT_EQ(call("head_xchg", {7}), 0xF0F9u);
  EXPECT_EQ(call("head_cas", {8, 9}), 0u);  // head is 7: no store
  EXPECT_EQ(call("head_get"), 7u);
  EXPECT_EQ(call("head_cas", {7, 9}), 1u);
  EXPECT_EQ(call("head_get"), 9u);
  // Narrow: the sums wrap at the access width.
  EXPECT_EQ(call("half_add", {0xFFFF}), 0u);
  EXPECT_EQ(call("half_add", {2}), 0xFFFFu);
  EXPECT_EQ(call("half_get"), 1u);
  EXPECT_EQ(call("byte_add", {0xFF}), 0u);
  EXPECT_EQ(call("byte_add", {3}), 0xFFu);
  EXPECT_EQ(call("byte_get"), 2u);
  call("fence");
  // The thread sees what the "handler" stored.
  call("head_set", {42});
  EXPECT_EQ(call("wait_head", {41}), 42u);
}

// A backward branch whose loop holds a load: the loop re-reads memory.
bool loop_reloads(const std::vector<Insn>& insns) {
  for (const Insn& b : insns) {
    if (!b.target || *b.target > b.addr) continue;
    for (const Insn& l : insns)
      if (l.addr >= *b.target && l.addr < b.addr && l.is_load() && l.op != Op::Pop && l.op != Op::LdrLit) return true;
  }
  return false;
}

TEST_F(Atomics, APollingLoopOnAnAtomicIndexKeepsItsLoad) {
  const auto atomic_wait = code("wait_head");
  ASSERT_FALSE(atomic_wait.empty());
  EXPECT_TRUE(loop_reloads(atomic_wait));
  // The contrast, which is why std::atomic must be honoured: the plain loop
  // reads once and spins on a register (or never loops at all).
  EXPECT_FALSE(loop_reloads(code("wait_plain")));
}

TEST_F(Atomics, ReadModifyWriteIsAnExclusiveLoopWithoutBarriers) {
  for (const char* fn : {"head_add", "head_xchg", "half_add", "byte_add", "head_cas"}) {
    bool ldrex = false, strex = false;
    for (const Insn& in : code(fn)) {
      ldrex = ldrex || in.op == Op::LdrEx;
      strex = strex || in.op == Op::StrEx;
    }
    EXPECT_TRUE(ldrex && strex) << fn;
  }
  for (const image::Symbol* f : img_->functions()) {
    if (f->name.rfind("sh_", 0) != 0) continue;
    for (const Insn& in : img_->decode(*f)) EXPECT_NE(in.op, Op::Barrier) << f->name << ": " << describe(in);
  }
}

TEST_F(Atomics, TheAuditAcceptsTheDissolvedAtomics) {
  auto rep = audit::audit_file(*dir_ / "image.elf");
  ASSERT_TRUE(rep) << rep.error().str();
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].name, "sh");
  EXPECT_GT(rep->instances[0].stores, 0u);
}

// wasm's own rules, in a module clang would not write: a misaligned atomic
// traps as such, one past the end as out of bounds, at every width.
TEST(AtomicsTraps, MisalignedAndOutOfBounds) {
  const fs::path dir = scratch("atomics-traps");
  std::ofstream(dir / "m.wat") << R"((module (memory 1)
    (func (export "ld32") (param i32) (result i32) (i32.atomic.load (local.get 0)))
    (func (export "add16") (param i32) (result i32) (i32.atomic.rmw16.add_u (local.get 0) (i32.const 1)))
    (func (export "cas8") (param i32) (result i32) (i32.atomic.rmw8.cmpxchg_u (local.get 0) (i32.const 0x101) (i32.const 0x2ff)))
    (func (export "st64_32") (param i32) (i64.atomic.store32 offset=2 (local.get 0) (i64.const 5))))
  )";
  auto w = base::run_tool({"wat2wasm", "--enable-threads", (dir / "m.wat").string(), "-o", (dir / "m.wasm").string()});
  ASSERT_EQ(w.status, 0) << w.output;
  auto m = wasm::decode(read_file(dir / "m.wasm"));
  ASSERT_TRUE(m) << m.error().str();
  ASSERT_TRUE(wasm::validate(*m));
  auto o = dissolve_to(*m, dir, "t_", 1024);
  ASSERT_TRUE(o) << o.error().str();
  auto cpu = emu::CortexM::load({*o}, dir);
  ASSERT_TRUE(cpu) << cpu.error().str();
  auto expect_trap = [&](const char* fn, uint32_t arg, unsigned code) {
    auto r = (*cpu)->call(std::string("t_") + fn, {arg});
    EXPECT_TRUE(r.trapped) << fn << "(" << arg << ")";
    EXPECT_EQ(r.trap_code, code) << fn << "(" << arg << ")";
  };
  expect_trap("ld32", 2, GUST_TRAP_UNALIGNED_ATOMIC);
  expect_trap("ld32", 1024, GUST_TRAP_MEMORY_OOB);
  expect_trap("add16", 1, GUST_TRAP_UNALIGNED_ATOMIC);
  expect_trap("st64_32", 0, GUST_TRAP_UNALIGNED_ATOMIC);  // 0 + offset 2
  expect_trap("cas8", 1024, GUST_TRAP_MEMORY_OOB);
  auto ok = (*cpu)->call("t_ld32", {1020});
  EXPECT_TRUE(ok.ok && !ok.trapped);
  ok = (*cpu)->call("t_st64_32", {2});
  EXPECT_TRUE(ok.ok && !ok.trapped);
  EXPECT_EQ((*cpu)->call("t_ld32", {4}).r0, 5u);
  // cmpxchg returns what it loaded, and compares it with the expected value
  // wrapped to 8 bits (0x101 is 1), storing the wrapped replacement.
  EXPECT_EQ((*cpu)->call("t_cas8", {4}).r0, 5u);  // byte 4 holds 5: no store
  EXPECT_EQ((*cpu)->call("t_ld32", {4}).r0, 5u);
  (*cpu)->call("t_add16", {8});                   // byte 8 becomes 1
  EXPECT_EQ((*cpu)->call("t_cas8", {8}).r0, 1u);
  EXPECT_EQ((*cpu)->call("t_ld32", {8}).r0, 0xFFu);
}

}  // namespace
}  // namespace gust::test
