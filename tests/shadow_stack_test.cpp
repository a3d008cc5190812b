// The shadow-stack oracle (src/compose/shadow.cpp) on hand-written modules:
// frames from the __stack_pointer arithmetic, depth over direct calls and
// over call_indirect's targets (the table's functions of that signature
// only), and what leaves the depth unbounded: recursion, a run-time amount,
// a loop that goes deeper each iteration. And the C++ drivers' regions.
#include <gtest/gtest.h>

#include <fstream>

#include "compose/compose.h"
#include "support.h"
#include "wasm/module.h"

namespace gust {
namespace {

using test::scratch;

// The module of `wat` text, through wat2wasm.
wasm::Module module_of(const std::string& name, const std::string& wat) {
  const auto dir = scratch("shadow-" + name);
  { std::ofstream(dir / "m.wat") << wat; }
  auto r = compose::run_tool({"wat2wasm", (dir / "m.wat").string(), "-o", (dir / "m.wasm").string()});
  EXPECT_EQ(r.status, 0) << r.output;
  std::ifstream in(dir / "m.wasm", std::ios::binary);
  auto m = wasm::decode({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
  EXPECT_TRUE(m) << m.error().str();
  return m ? *m : wasm::Module{};
}

// A function with a frame of N bytes, as clang writes it.
std::string framed(const std::string& name, int n, const std::string& body = "", const std::string& sig = "") {
  return "(func $" + name + " " + sig + " (local $fp i32)\n  global.get $sp i32.const " + std::to_string(n) +
         " i32.sub local.tee $fp global.set $sp\n  " + body + "\n  local.get $fp i32.const " + std::to_string(n) +
         " i32.add global.set $sp)\n";
}

const char* kHead = "(module (global $sp (mut i32) (i32.const 1024)) (memory 1)\n";

uint32_t export_index(const wasm::Module& m, const std::string& name) {
  for (const auto& e : m.exports)
    if (e.name == name) return e.index;
  ADD_FAILURE() << "no export " << name;
  return 0;
}

TEST(ShadowStack, FramesAddUpAlongTheDeepestCallPath) {
  auto m = module_of("calls", std::string(kHead) + framed("leaf", 48) + framed("mid", 16, "call $leaf") +
                                  framed("shallow", 96) +
                                  "(func (export \"top\") call $mid call $shallow)\n"
                                  "(func (export \"alone\") call $leaf))");
  auto top = compose::shadow_stack_depth(m, {export_index(m, "top")});
  ASSERT_TRUE(top.depth) << top.why;
  EXPECT_EQ(*top.depth, 96u);  // max(16 + 48, 96)
  auto both = compose::shadow_stack_depth(m, {export_index(m, "alone"), export_index(m, "top")});
  ASSERT_TRUE(both.depth);
  EXPECT_EQ(*both.depth, 96u);
  auto alone = compose::shadow_stack_depth(m, {export_index(m, "alone")});
  ASSERT_TRUE(alone.depth);
  EXPECT_EQ(*alone.depth, 48u);
  ASSERT_FALSE(alone.path.empty());
  EXPECT_NE(alone.path.front().find("export alone"), std::string::npos) << alone.path.front();
}

TEST(ShadowStack, CallIndirectReachesTheTablesFunctionsOfItsSignatureOnly) {
  auto m = module_of(
      "indirect", std::string(kHead) + "(type $v (func)) (type $i (func (param i32)))\n" + framed("small", 32) +
                      framed("other_sig", 512, "", "(param i32)") + framed("big", 80) +
                      "(table 3 funcref) (elem (i32.const 0) $small $other_sig $big)\n" + framed("not_in_table", 4096) +
                      "(func (export \"dispatch\") (param i32) local.get 0 call_indirect (type $v)))");
  auto d = compose::shadow_stack_depth(m, {export_index(m, "dispatch")});
  ASSERT_TRUE(d.depth) << d.why;
  EXPECT_EQ(*d.depth, 80u);  // big; not other_sig (another signature) nor not_in_table
}

// A function reaches a table also by ref.func: in code (here of an export,
// which needs no element segment) and in a global's initialiser.
TEST(ShadowStack, CallIndirectReachesWhatRefFuncPutsInTheTable) {
  auto m =
      module_of("ref-func", std::string(kHead) + "(type $v (func)) (type $i (func (param i32))) (table 1 funcref)\n" +
                                "(func $self (export \"self\") (param i32) (local $fp i32)\n"
                                "  global.get $sp i32.const 16 i32.sub local.tee $fp global.set $sp\n"
                                "  i32.const 0 ref.func $self table.set 0\n"
                                "  local.get 0 i32.const 0 call_indirect (type $i)\n"
                                "  local.get $fp i32.const 16 i32.add global.set $sp)\n" +
                                framed("held", 640) + "(global $g (mut funcref) (ref.func $held))\n" +
                                "(func (export \"via_global\") i32.const 0 global.get $g table.set 0\n"
                                "  i32.const 0 call_indirect (type $v)))");
  auto self = compose::shadow_stack_depth(m, {export_index(m, "self")});
  EXPECT_FALSE(self.depth) << "the export calls itself through the table";
  EXPECT_NE(self.why.find("recursion"), std::string::npos) << self.why;
  auto held = compose::shadow_stack_depth(m, {export_index(m, "via_global")});
  ASSERT_TRUE(held.depth) << held.why;
  EXPECT_EQ(*held.depth, 640u);  // held, through the global
}

TEST(ShadowStack, RecursionIsUnboundedAndNamed) {
  auto m = module_of("recursion", std::string(kHead) + framed("a", 16, "call $b") + framed("b", 16, "call $a") +
                                      "(func (export \"go\") call $a))");
  auto d = compose::shadow_stack_depth(m, {export_index(m, "go")});
  EXPECT_FALSE(d.depth);
  EXPECT_NE(d.why.find("recursion"), std::string::npos) << d.why;
}

TEST(ShadowStack, ARunTimeAmountIsUnbounded) {
  auto m = module_of("alloca", std::string(kHead) +
                                   "(func (export \"vla\") (param i32) global.get $sp local.get 0 i32.sub "
                                   "global.set $sp))");
  auto d = compose::shadow_stack_depth(m, {export_index(m, "vla")});
  EXPECT_FALSE(d.depth);
  EXPECT_NE(d.why.find("known only at run time"), std::string::npos) << d.why;
}

TEST(ShadowStack, ALoopThatGoesDeeperEachIterationIsUnbounded) {
  auto m = module_of("loop", std::string(kHead) +
                                 "(func (export \"grow\") (loop global.get $sp i32.const 16 i32.sub global.set $sp "
                                 "br 0))\n"
                                 "(func (export \"scoped\") (local $t i32) (loop global.get $sp i32.const 16 i32.sub "
                                 "local.tee $t global.set $sp local.get $t i32.const 16 i32.add global.set $sp)))");
  auto grow = compose::shadow_stack_depth(m, {export_index(m, "grow")});
  EXPECT_FALSE(grow.depth);
  auto scoped = compose::shadow_stack_depth(m, {export_index(m, "scoped")});
  ASSERT_TRUE(scoped.depth) << scoped.why;
  EXPECT_EQ(*scoped.depth, 16u);
}

// A C++ driver's region holds its shadow stack, then its data and bss: the
// ring example's 16-byte ring and counters are bss, above no stack at all.
TEST(ShadowStack, TheRegionHoldsStackDataAndBss) {
  const auto dir = scratch("shadow-region");
  auto ring = compose::compile_sized_driver(test::source_root() / "drivers/examples/ring/uart.cpp", dir / "ring.wasm",
                                            dir, {}, std::nullopt, std::nullopt);
  ASSERT_TRUE(ring) << ring.error().str();
  EXPECT_GE(ring->data_end - ring->stack, 16u + 8u);  // the slots and the two indices
  EXPECT_GE(ring->region, ring->data_end);
  auto headers = compose::compile_sized_driver(test::source_root() / "tests/cxx/headers.cpp", dir / "h.wasm", dir, {},
                                               std::nullopt, std::nullopt);
  ASSERT_TRUE(headers) << headers.error().str();
  EXPECT_GT(headers->depth, 0u);  // std::array and std::span on the shadow stack
  EXPECT_EQ(headers->stack % 16, 0u);
  EXPECT_GE(headers->stack, headers->depth);
  auto small = compose::compile_sized_driver(test::source_root() / "tests/cxx/headers.cpp", dir / "s.wasm", dir, {},
                                             headers->depth - 1, std::nullopt);
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("below the shadow stack's worst-case depth"), std::string::npos);
}

// The low read-only layout (compose::wasm_link_flags), for a driver with
// read-only data over the cost rule's 512 B, rests on the oracle:
// with the stack above the data, an overflow would run down into the bss,
// so only a driver whose worst-case depth is bounded (and whose stack is at
// least that) gets it; one whose depth is unbounded keeps the stack first,
// where an overflow leaves the region and traps.
TEST(ShadowStack, TheStackGoesAboveTheDataOnlyWhereItsDepthIsBounded) {
  const auto dir = scratch("shadow-low");
  const std::string table = R"(#include <gust/abi.h>
#include <stdint.h>
struct Table {
  uint8_t v[600];
  constexpr Table() : v() { for (int i = 0; i < 600; ++i) v[i] = uint8_t(i * 37 + 11); }
};
static constexpr Table kTable{};
static void fill(volatile uint8_t* p, uint32_t n) { for (uint32_t i = 0; i < n; ++i) p[i] = kTable.v[i * 7 % 600]; }
extern "C" {
GUST_EXPORT("sum") uint32_t sum(uint32_t n) {
  volatile uint8_t buf[48];
  fill(buf, n % 48);
  uint32_t s = 0;
  for (uint32_t i = 0; i < n % 48; ++i) s += buf[i];
  return s;
}
)";
  { std::ofstream(dir / "bounded.cpp") << table << "}\n"; }
  {
    std::ofstream(dir / "deep.cpp") << table << R"(GUST_EXPORT("deep") uint32_t deep(uint32_t n) {
  volatile uint8_t buf[32];
  fill(buf, 32);
  return n ? deep(n - 1) + buf[n & 31] : 0;
}
}
)";
  }
  auto bounded =
      compose::compile_sized_driver(dir / "bounded.cpp", dir / "b.wasm", dir, {}, std::nullopt, std::nullopt);
  ASSERT_TRUE(bounded) << bounded.error().str();
  ASSERT_GT(bounded->depth, 0u);
  std::ifstream bin(dir / "b.wasm", std::ios::binary);
  auto b = wasm::decode({std::istreambuf_iterator<char>(bin), std::istreambuf_iterator<char>()});
  ASSERT_TRUE(b) << b.error().str();
  ASSERT_TRUE(compose::wants_low_layout(*b)) << "600 B of read-only data";
  // wasm-opt folds a __stack_pointer that no code moves (a leaf's frame)
  // into a constant; where it stays, it starts at the region's end.
  if (const auto top = compose::stack_top(*b)) EXPECT_EQ(*top, bounded->region) << "the stack ends the region";
  for (const auto& d : b->datas)
    EXPECT_LE(uint32_t(d.offset.value) + d.bytes.size(), bounded->region - bounded->stack)
        << "every segment below the stack";
  EXPECT_GE(bounded->stack, bounded->depth) << "the oracle's bound fits the stack it sized";

  auto deep = compose::compile_sized_driver(dir / "deep.cpp", dir / "d.wasm", dir, {}, 256, std::nullopt);
  ASSERT_TRUE(deep) << deep.error().str();
  EXPECT_EQ(deep->depth, 0u) << "recursion: no bound";
  std::ifstream din(dir / "d.wasm", std::ios::binary);
  auto d = wasm::decode({std::istreambuf_iterator<char>(din), std::istreambuf_iterator<char>()});
  ASSERT_TRUE(d) << d.error().str();
  const auto dtop = compose::stack_top(*d);
  ASSERT_TRUE(dtop);
  EXPECT_EQ(*dtop, 256u) << "the stack first: [0, 256)";
  for (const auto& seg : d->datas) EXPECT_GE(uint32_t(seg.offset.value), *dtop) << "the data above the stack";
}

}  // namespace
}  // namespace gust
