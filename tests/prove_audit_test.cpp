// Every class of the prover audit (issue 14), kept with its expected
// verdict: the bridge's checks, the image's memory, vacuity and coverage,
// instantiation, and honest verdicts. Harness sources: tests/prove/.
#include <gtest/gtest.h>

#include "compose/compose.h"
#include "gust/trap.h"
#include "prove/prove.h"
#include "prove_support.h"
#include "usart.h"
#include "wit/wit.h"

namespace gust::test {
namespace {

using prove::Verdict;

const wasm::Module& shipped_proofs() {
  static const wasm::Module m =
      module_from_cpp("drivers/uart-thin/proofs.cpp", "audit-proofs", {"-Wl,--allow-undefined"});
  return m;
}

wasm::Module bug_driver(const std::string& bug) {
  return module_from_cpp("tests/prove/uart_bridge_bugs.cpp", "bug-" + bug, {"-DGUST_BUG_" + bug});
}

// ---- 1. the bridge in the model

TEST(ProveAudit, AComputedOffsetLeavingTheWindowFailsWithTheBridgesTrap) {
  const wasm::Module driver = bug_driver("WINDOW");
  auto vs = prove::prove(shipped_proofs(), &driver, prove_options());
  const Verdict& v = verdict(vs, "uart_tx_byte_waits_for_txe");
  ASSERT_EQ(v.status, Verdict::Failed) << v.text();
  EXPECT_EQ(v.trap, unsigned(GUST_TRAP_MMIO_WINDOW)) << v.text();
  // The counterexample: a byte from 0xF0 on, and the write that leaves the
  // window is the trace's last call, before any write of DR.
  ASSERT_EQ(v.inputs.size(), 1u);
  EXPECT_GE(v.inputs[0].second & 0xFF, 0xF0u) << v.text();
  ASSERT_FALSE(v.trace.empty());
  EXPECT_EQ(v.trace.back().call, "mmio.write32");
  EXPECT_GE(v.trace.back().arg, 0x400u) << v.text();
  for (const auto& t : v.trace) EXPECT_FALSE(t.call == "mmio.write32" && t.arg == usart::DR) << v.text();
}

TEST(ProveAudit, AMisalignedOffsetFailsWithTheBridgesTrap) {
  const wasm::Module driver = bug_driver("MISALIGNED");
  auto vs = prove::prove(shipped_proofs(), &driver, prove_options());
  const Verdict& v = verdict(vs, "uart_tx_byte_waits_for_txe");
  ASSERT_EQ(v.status, Verdict::Failed) << v.text();
  EXPECT_EQ(v.trap, unsigned(GUST_TRAP_MMIO_WINDOW));
  EXPECT_NE(v.inputs.at(0).second & 2, 0u) << v.text();
  EXPECT_EQ(v.trace.back().arg, 0x1Au) << v.text();
}

TEST(ProveAudit, AnUngrantedIrqLineFailsWithTheBridgesTrap) {
  const wasm::Module driver = bug_driver("IRQ_LINE");
  auto vs = prove::prove(shipped_proofs(), &driver, prove_options());
  const Verdict& v = verdict(vs, "uart_tx_byte_waits_for_txe");
  ASSERT_EQ(v.status, Verdict::Failed) << v.text();
  EXPECT_EQ(v.trap, unsigned(GUST_TRAP_IRQ_LINE));
  EXPECT_GE(v.inputs.at(0).second & 0xFF, 0x80u) << v.text();
  EXPECT_EQ(v.trace.back().call, "irq.enable");
  EXPECT_EQ(v.trace.back().arg, 1u);
  // Two granted lines make the same driver correct.
  prove::Options two = prove_options();
  two.env.grants.irq_lines = 2;
  EXPECT_EQ(verdict(prove::prove(shipped_proofs(), &driver, two), "uart_tx_byte_waits_for_txe").status,
            Verdict::Successful);
}

// The seam model comes from the WIT and the grants, function by function.
TEST(ProveModel, TheSeamIsTheWorldsFunctionsWithTheBridgesChecks) {
  auto model = prove::seam_model(prove_options().env);
  ASSERT_TRUE(model) << model.error().str();
  ASSERT_EQ(model->funcs.size(), 6u);
  using Check = prove::SeamFunc::Check;
  struct Row {
    const char* call;
    uint32_t trace_code;  // include/gust/prove.h: GUST_SEAM_*
    Check check;
    uint32_t width, result_bits;
  };
  const Row rows[] = {
      {"mmio.read32", 1, Check::Window, 4, 32}, {"mmio.write32", 2, Check::Window, 4, 0},
      {"mmio.read8", 3, Check::Window, 1, 8},   {"mmio.write8", 4, Check::Window, 1, 0},
      {"irq.poll", 5, Check::Line, 0, 1},       {"irq.enable", 6, Check::Line, 0, 0},
  };
  for (const auto& row : rows) {
    const prove::SeamFunc* f = nullptr;
    for (const auto& g : model->funcs)
      if (g.call_name() == row.call) f = &g;
    ASSERT_TRUE(f) << row.call;
    EXPECT_EQ(f->trace_code, row.trace_code) << row.call;
    EXPECT_EQ(f->check, row.check) << row.call;
    EXPECT_EQ(f->width, row.width) << row.call;
    EXPECT_EQ(f->result_bits, row.result_bits) << row.call;
    EXPECT_EQ(f->unmodelled, "") << row.call;
    EXPECT_EQ(f->checked, 0u) << row.call;  // the offset or line is the first parameter
  }
  EXPECT_EQ(model->find("gust:hal/mmio", "write8")->param_masks, (std::vector<uint64_t>{0xFFFFFFFF, 0xFF}));
  // A new mmio function gets its check from its WIT types; without a trace
  // code of its own the prover says so instead of guessing.
  auto pkg = wit::parse(
      "package gust:hal;\ninterface mmio {\n  read16: func(offset: u32) -> u16;\n  poke: func(at: u32);\n}\n"
      "world w { import mmio; }\n",
      "extra.wit");
  ASSERT_TRUE(pkg) << pkg.error().str();
  prove::Environment env = prove_options().env;
  env.wit = *pkg;
  env.world = "w";
  auto extra = prove::seam_model(env);
  ASSERT_TRUE(extra) << extra.error().str();
  const prove::SeamFunc* r16 = extra->find("gust:hal/mmio", "read16");
  ASSERT_TRUE(r16);
  EXPECT_EQ(r16->check, Check::Window);
  EXPECT_EQ(r16->width, 2u);
  EXPECT_NE(r16->unmodelled.find("no trace code"), std::string::npos) << r16->unmodelled;
  EXPECT_NE(extra->find("gust:hal/mmio", "poke")->unmodelled.find("no 'offset' parameter"), std::string::npos);
  // A window the bridge cannot have.
  env = prove_options().env;
  env.grants.window_bytes = 100;
  EXPECT_FALSE(prove::seam_model(env));
}

TEST(ProveModel, SeamCallsOutsideTheModelAreErrors) {
  const wasm::Module m = module_from_wat("tests/prove/seam_types.wat", "seam-types");
  auto vs = prove::prove(m, &m, prove_options());
  const Verdict& wide = verdict(vs, "wide_read");
  EXPECT_EQ(wide.status, Verdict::Error) << wide.text();
  EXPECT_NE(wide.reason.find("but the WIT lowers it to (func (param i32) (result i32))"), std::string::npos)
      << wide.reason;
  const Verdict& ungranted = verdict(vs, "ungranted_interface");
  EXPECT_EQ(ungranted.status, Verdict::Error) << ungranted.text();
  EXPECT_NE(ungranted.reason.find("does not grant"), std::string::npos) << ungranted.reason;
  // In the mid seam's world the interface is granted, but the prover has no
  // model of its bridge: an ERROR that says so.
  prove::Options mid = prove_options();
  mid.env.world = "driver-mid";
  const auto mid_verdicts = prove::prove(m, &m, mid);
  const Verdict& unmodelled = verdict(mid_verdicts, "ungranted_interface");
  EXPECT_EQ(unmodelled.status, Verdict::Error) << unmodelled.text();
  EXPECT_NE(unmodelled.reason.find("does not model gust:hal/uart-byte.rx-ready"), std::string::npos)
      << unmodelled.reason;
}

// gust build --prove refuses each of the three images; without --prove the
// same node builds, so the image would have shipped.
class ProveAuditBuild : public ::testing::TestWithParam<const char*> {};

TEST_P(ProveAuditBuild, BuildProveRefusesTheImage) {
  auto node = compose::load_node(source_root() / "tests/prove/nodes" / (std::string("uart-") + GetParam() + ".toml"));
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions o;
  o.out_root = scratch(std::string("audit-build-") + GetParam());
  o.prove = true;
  auto refused = compose::build(*node, o);
  ASSERT_FALSE(refused) << "gust build --prove accepted a driver the bridge traps";
  EXPECT_NE(refused.error().message.find("does not pass its proofs"), std::string::npos) << refused.error().str();
  EXPECT_NE(refused.error().message.find("gust_proof_uart_tx_byte_waits_for_txe: VERIFICATION FAILED"),
            std::string::npos)
      << refused.error().str();
  EXPECT_FALSE(fs::exists(o.out_root / node->name / (node->name + ".elf")));
  o.prove = false;
  auto built = compose::build(*node, o);
  EXPECT_TRUE(built) << built.error().str();
}

INSTANTIATE_TEST_SUITE_P(Bugs, ProveAuditBuild, ::testing::Values("window", "misaligned", "irq-line"));

// ---- 2. the image's memory

TEST(ProveAudit, MemoryIsTheImagesRegion) {
  // Two declared pages, as a module with data or a stack might declare.
  const wasm::Module m =
      module_from_cpp("tests/prove/memory.cpp", "memory", {"-Wl,--allow-undefined", "-Wl,--initial-memory=131072"});
  ASSERT_EQ(m.num_memories(), 1u);
  ASSERT_EQ(m.memory_limits(0).min, 2u);
  // No node: the module's declared minimum, and the verdict says it assumed so.
  prove::Options no_node = prove_options();
  no_node.env.defaulted = {"memory"};
  auto dflt = prove::prove(m, &m, no_node);
  EXPECT_EQ(verdict(dflt, "grow_zero_fails").status, Verdict::Failed);
  EXPECT_EQ(verdict(dflt, "grow_zero_returns_the_size").status, Verdict::Successful);
  EXPECT_EQ(verdict(dflt, "grow_one_fails").status, Verdict::Successful);
  const Verdict& size = verdict(dflt, "size_is_the_declared_minimum");
  EXPECT_EQ(size.status, Verdict::Successful) << size.text();
  EXPECT_NE(size.text().find("the module's declared minimum"), std::string::npos) << size.text();
  EXPECT_EQ(verdict(dflt, "peek_in_bounds").status, Verdict::Successful);
  // A 64-byte region, as a node sizes it: one memory.size of 0, and the
  // access at 0x100 traps.
  prove::Options small = prove_options();
  small.env.memory_bytes = 64;
  auto vs = prove::prove(m, &m, small);
  EXPECT_EQ(verdict(vs, "grow_zero_fails").status, Verdict::Failed);
  EXPECT_EQ(verdict(vs, "grow_zero_returns_the_size").status, Verdict::Successful);
  const Verdict& size0 = verdict(vs, "size_is_the_declared_minimum");
  EXPECT_EQ(size0.status, Verdict::Failed) << size0.text();
  EXPECT_EQ(size0.assertion, 4u);
  const Verdict& peek = verdict(vs, "peek_in_bounds");
  ASSERT_EQ(peek.status, Verdict::Failed) << peek.text();
  EXPECT_EQ(peek.trap, unsigned(GUST_TRAP_MEMORY_OOB));
  EXPECT_NE(peek.text().find("a 64-byte region"), std::string::npos) << peek.text();
}

TEST(ProveAudit, AGrowableRegionGrowsAsTheDissolvedCodeDoes) {
  const wasm::Module m = module_from_cpp("tests/prove/memory.cpp", "memory-grow",
                                         {"-Wl,--allow-undefined", "-Wl,--initial-memory=131072"});
  prove::Options o = prove_options();
  o.env.memory_max_bytes = 16 * 65536;
  auto vs = prove::prove(m, &m, o);
  EXPECT_EQ(verdict(vs, "grow_one_fails").status, Verdict::Failed);  // 2 + up to 8 pages fit in 16
  EXPECT_EQ(verdict(vs, "grow_zero_returns_the_size").status, Verdict::Successful);
}

// ---- 3. vacuity and coverage

TEST(ProveAudit, VacuousAssumptionsAreNeverSuccessful) {
  const wasm::Module h = module_from_cpp("tests/prove/vacuity.cpp", "vacuity", {"-Wl,--allow-undefined"});
  auto vs = prove::prove(h, &shipped_driver(), prove_options());
  const Verdict& none = verdict(vs, "contradictory_assume");
  EXPECT_EQ(none.status, Verdict::Vacuous) << none.text();
  EXPECT_EQ(none.paths, 0u);
  EXPECT_GE(none.paths_cut, 1u);
  const Verdict& both = verdict(vs, "contradictory_read_assumptions");
  EXPECT_EQ(both.status, Verdict::Error) << both.text();
  EXPECT_NE(both.reason.find("contradicts"), std::string::npos) << both.reason;
  const Verdict& mask = verdict(vs, "expected_value_outside_its_mask");
  EXPECT_EQ(mask.status, Verdict::Error) << mask.text();
  EXPECT_NE(mask.reason.find("outside its mask"), std::string::npos) << mask.reason;
  // The slip: SUCCESSFUL over three paths, with the cut in the report.
  const Verdict& slip = verdict(vs, "slip_cuts_the_fourth_read");
  EXPECT_EQ(slip.status, Verdict::Successful) << slip.text();
  EXPECT_EQ(slip.paths, 3u) << slip.text();
  EXPECT_EQ(slip.paths_cut, 1u) << slip.text();
  bool reported = false;
  for (const auto& a : slip.assumptions) reported = reported || (a.what == "assume" && a.cut == 1);
  EXPECT_TRUE(reported) << slip.text();
  EXPECT_NE(slip.text().find("cut 1 path"), std::string::npos) << slip.text();
  // A cover on the fourth read exposes it.
  const Verdict& covered = verdict(vs, "slip_with_a_cover");
  EXPECT_EQ(covered.status, Verdict::Vacuous) << covered.text();
  EXPECT_NE(covered.reason.find("cover"), std::string::npos) << covered.reason;
  const Verdict& hit = verdict(vs, "fourth_read_covered");
  EXPECT_EQ(hit.status, Verdict::Successful) << hit.text();
  ASSERT_EQ(hit.covers.size(), 1u);
  EXPECT_EQ(hit.covers[0].hit, std::vector<uint32_t>{11});
  EXPECT_EQ(hit.paths, 4u);
  const Verdict& unreached = verdict(vs, "unreachable_assertion");
  EXPECT_EQ(unreached.status, Verdict::Vacuous) << unreached.text();
  EXPECT_NE(unreached.reason.find("never reached"), std::string::npos) << unreached.reason;
  EXPECT_EQ(verdict(vs, "never_calls_the_driver").status, Verdict::Vacuous);
}

// ---- 4. instantiation

TEST(ProveAudit, InstantiationRunsBeforeTheHarness) {
  const wasm::Module h = module_from_wat("tests/prove/instantiation.wat", "instantiation");
  auto vs = prove::prove(h, &shipped_driver(), prove_options());
  EXPECT_EQ(verdict(vs, "start_ran").status, Verdict::Successful) << verdict(vs, "start_ran").text();
  EXPECT_EQ(verdict(vs, "data_and_globals").status, Verdict::Successful) << verdict(vs, "data_and_globals").text();
}

TEST(ProveAudit, WhatTheImageDoesNotRunIsAnError) {
  const wasm::Module start = module_from_wat("tests/prove/start_driver.wat", "start-driver");
  auto vs = prove::prove(start, &start, prove_options());
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].status, Verdict::Error) << vs[0].text();
  EXPECT_NE(vs[0].reason.find("start function"), std::string::npos) << vs[0].reason;
  const wasm::Module global = module_from_wat("tests/prove/imported_global.wat", "imported-global");
  vs = prove::prove(global, &global, prove_options());
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].status, Verdict::Error) << vs[0].text();
  EXPECT_NE(vs[0].reason.find("env.base"), std::string::npos) << vs[0].reason;
  // gust build refuses such a driver outright.
  auto node = compose::load_node(source_root() / "tests/prove/nodes/uart-start.toml");
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions bo;
  bo.out_root = scratch("audit-build-start");
  auto refused = compose::build(*node, bo);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("start function"), std::string::npos) << refused.error().str();
  // A data segment the image's region cannot hold: gust dissolve refuses
  // the module, and so does the prover.
  const wasm::Module data = module_from_wat("tests/prove/instantiation.wat", "instantiation-small");
  prove::Options small = prove_options();
  small.env.memory_bytes = 8;
  vs = prove::prove(data, &data, small);
  for (const auto& v : vs) {
    EXPECT_EQ(v.status, Verdict::Error) << v.text();
    EXPECT_NE(v.reason.find("lies outside the 8-byte memory region"), std::string::npos) << v.reason;
  }
}

// ---- 5. honest verdicts

TEST(ProveAudit, UnknownIsInconclusive) {
  const wasm::Module m = module_from_wat("tests/prove/honest.wat", "honest-unknown");
  prove::Options o = prove_options();
  o.harnesses = {"factor"};
  o.solver_timeout_ms = 1;
  auto vs = prove::prove(m, &m, o);
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].status, Verdict::Inconclusive) << vs[0].text();
  EXPECT_NE(vs[0].reason.find("unknown"), std::string::npos) << vs[0].reason;
}

TEST(ProveAudit, SmallerFindings) {
  const wasm::Module m = module_from_wat("tests/prove/honest.wat", "honest");
  prove::Options o = prove_options();
  o.harnesses = {"pinned_offset", "br_table_arms", "deep_recursion", "trace_past_the_end"};
  auto vs = prove::prove(m, &m, o);
  const Verdict& pinned = verdict(vs, "pinned_offset");
  EXPECT_EQ(pinned.status, Verdict::Successful) << pinned.text();
  // The other arm of the br_table is explored (and fails), though the first
  // is past the bound.
  const Verdict& arms = verdict(vs, "br_table_arms");
  EXPECT_EQ(arms.status, Verdict::Failed) << arms.text();
  EXPECT_EQ(arms.assertion, 3u);
  // --unwind 8 bounds the recursion: INCONCLUSIVE, naming it.
  const Verdict& deep = verdict(vs, "deep_recursion");
  EXPECT_EQ(deep.status, Verdict::Inconclusive) << deep.text();
  EXPECT_NE(deep.reason.find("recursion"), std::string::npos) << deep.reason;
  const Verdict& past = verdict(vs, "trace_past_the_end");
  EXPECT_EQ(past.status, Verdict::Failed) << past.text();
  EXPECT_NE(past.reason.find("past the end of the trace"), std::string::npos) << past.reason;
  // With --unwind 80 the 70-deep recursion is proven, not cut at 64.
  o.harnesses = {"deep_recursion"};
  o.unwind = 80;
  vs = prove::prove(m, &m, o);
  EXPECT_EQ(verdict(vs, "deep_recursion").status, Verdict::Successful) << verdict(vs, "deep_recursion").text();
}

}  // namespace
}  // namespace gust::test
