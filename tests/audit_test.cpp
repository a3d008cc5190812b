// gust audit on real node images (all pass) and on hostile ones built here from
// hand-written Thumb assembly linked in as if it were an instance's dissolved
// code (an object whose FILE symbol is "gust"): each is refused, naming the rule
// and the function.
#include "audit/audit.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/tools.h"
#include "compose/compose.h"
#include "support.h"

namespace gust::audit {
namespace {

// The native side: gust_trap, the instance's bridge, another instance's bridge,
// runtime helpers (one of no size, as libgcc's assembly ones are), a native
// function of no size that is no helper, and an app that calls console_evil.
const char* kNative = R"(
  .syntax unified
  .cpu cortex-m3
  .thumb
  .file "native.c"
  .text
  .macro fn name
  .global \name
  .type \name, %function
  .endm
  fn gust_trap
gust_trap: b gust_trap
  .size gust_trap, .-gust_trap
  fn console_gust_hal_mmio__read32
console_gust_hal_mmio__read32: ldr r0, [r0]
  nop
  bx lr
  .size console_gust_hal_mmio__read32, .-console_gust_hal_mmio__read32
  fn other_gust_hal_mmio__read32
other_gust_hal_mmio__read32: ldr r0, [r0]
  bx lr
  .size other_gust_hal_mmio__read32, .-other_gust_hal_mmio__read32
  fn __aeabi_uidiv
__aeabi_uidiv: bx lr
  .size __aeabi_uidiv, .-__aeabi_uidiv
  fn __aeabi_uldivmod
__aeabi_uldivmod: nop
  nop
  nop
  bx lr
  fn native_gadget
native_gadget: nop
  bx lr
  fn main
main: bl console_evil
  b main
  .size main, .-main
)";

// The "dissolved" object: console_evil's body, and console_memory (64 bytes);
// its FILE symbol says what made it ("gust": the dissolver).
std::string dissolved(const std::string& body, const std::string& file = "gust") {
  return R"(
  .syntax unified
  .cpu cortex-m3
  .thumb
  .file ")" +
         file + R"("
  .text
  .global console_evil
  .type console_evil, %function
console_evil:
)" + body +
         R"(
  .size console_evil, .-console_evil
  .bss
  .global console_memory
  .type console_memory, %object
console_memory: .space 64
  .size console_memory, 64
)";
}

Result<Report> audit_asm(const std::string& name, const std::string& body, const Options& opts = {},
                         const std::string& file = "gust") {
  const fs::path dir = test::scratch("audit_" + name);
  std::ofstream(dir / "native.s") << kNative;
  std::ofstream(dir / "evil.s") << dissolved(body, file);
  std::ofstream(dir / "image.ld") << "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 128K\n"
                                     "         SRAM (rwx) : ORIGIN = 0x20000000, LENGTH = 8K }\n"
                                     "SECTIONS { .text : { *(.text .text.*) } > FLASH\n"
                                     "           .bss : { *(.bss .bss.*) } > SRAM }\n";
  const std::string as = base::tool("GUST_ARM_AS", "arm-none-eabi-as"),
                    ld = base::tool("GUST_ARM_LD", "arm-none-eabi-ld");
  for (const char* s : {"native", "evil"}) {
    auto r = base::run_tool({as, "-mcpu=cortex-m3", (dir / (std::string(s) + ".s")).string(), "-o",
                             (dir / (std::string(s) + ".o")).string()});
    if (r.status != 0) return Error::make(Error::Kind::Tool, r.output);
  }
  auto r = base::run_tool({ld, "-T", (dir / "image.ld").string(), "-e", "main", "--no-warn-rwx-segments",
                           (dir / "native.o").string(), (dir / "evil.o").string(), "-o", (dir / "image.elf").string()});
  if (r.status != 0) return Error::make(Error::Kind::Tool, r.output);
  return audit_file(dir / "image.elf", opts);
}

// The one violation of console_evil, with its rule.
void expect_refused(const std::string& name, const std::string& body, const std::string& rule,
                    const std::string& detail_part) {
  auto rep = audit_asm(name, body);
  ASSERT_TRUE(rep) << rep.error().message;
  ASSERT_FALSE(rep->ok()) << body;
  bool found = false;
  for (const auto& v : rep->violations) {
    EXPECT_EQ(v.instance, "console") << v.str();
    EXPECT_EQ(v.function, "console_evil") << v.str();
    if (v.rule == rule && v.detail.find(detail_part) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "no '" << rule << "' violation mentioning '" << detail_part << "' in:\n" << rep->text();
}

TEST(Audit, PassesAHonestInstance) {
  // A bridge call, a helper call, a bounds-checked store into its own memory, a
  // store to its frame, and gust's dispatch (the signature compared with a loaded constant).
  auto rep = audit_asm("honest", R"(
  push {r4, lr}
  sub sp, #8
  str r0, [sp, #4]
  bl console_gust_hal_mmio__read32
  bl __aeabi_uidiv
  cmp r0, #60
  bhi 1f
  ldr r1, =console_memory
  str r2, [r1, r0]
  ldr r2, [r3, #4]
  ldr r4, =0x80428ad4
  cmp r2, r4
  bne 1f
  ldr r2, [r3]
  blx r2
  add sp, #8
  pop {r4, pc}
1: movs r0, #7
  bl gust_trap
  .ltorg)");
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].dispatches, 1u);
  EXPECT_EQ(rep->instances[0].stores, 3u);  // push, the frame, the region
}

TEST(Audit, RefusesSystemInstructions) {
  expect_refused("msr", "msr primask, r0\n bx lr", "system", "msr");
  expect_refused("cpsid", "cpsid i\n bx lr", "system", "cps");
  expect_refused("svc", "svc #0\n bx lr", "system", "svc");
  expect_refused("bkpt", "bkpt #0\n bx lr", "system", "bkpt");
}

TEST(Audit, RefusesACallIntoAnotherInstancesBridge) {
  expect_refused("other_bridge", "push {r4, lr}\n bl other_gust_hal_mmio__read32\n pop {r4, pc}", "direct-call",
                 "other_gust_hal_mmio__read32");
}

TEST(Audit, RefusesACallIntoTheMiddleOfAFunction) {
  expect_refused("mid_function", "push {r4, lr}\n bl console_gust_hal_mmio__read32+2\n pop {r4, pc}", "direct-call",
                 "inside it");
}

TEST(Audit, RefusesAnIndirectBranchOutsideTheDispatch) {
  expect_refused("blx", "push {r4, lr}\n blx r3\n pop {r4, pc}", "indirect-branch", "outside the dispatch");
  // The signature word compared with itself is no check.
  expect_refused("self_compare",
                 "push {r4, lr}\n ldr r2, [r3, #4]\n cmp r2, r2\n bne 1f\n ldr r2, [r3]\n blx r2\n pop {r4, pc}\n"
                 "1: bl gust_trap",
                 "indirect-branch", "constant");
}

TEST(Audit, RefusesAStoreThroughAnUncheckedRegister) {
  expect_refused("store", "str r1, [r0]\n bx lr", "store", "not a checked address");
  // Checked against a bound, but past the 64-byte region.
  expect_refused("store_bound",
                 "cmp r0, #200\n bhi 1f\n ldr r1, =console_memory\n str r2, [r1, r0]\n bx lr\n"
                 "1: bl gust_trap\n .ltorg",
                 "store", "not inside");
}

// The atomics' read-modify-write loop (src/dissolve/atomics.cpp): LDREX is a
// load, STREX a store the store rule holds to the instance's data.
TEST(Audit, PassesTheAtomicsLoop) {
  auto rep = audit_asm("atomic_loop", R"(
  cmp r0, #60
  bhi 2f
  ldr r1, =console_memory
  add.w r12, r1, r0
1: ldrex r1, [r12]
  adds r3, r1, r2
  strex r0, r3, [r12]
  cmp r0, #0
  bne 1b
  mov r0, r1
  bx lr
2: movs r0, #4
  bl gust_trap
  .ltorg)");
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].stores, 1u);
  EXPECT_EQ(rep->instances[0].unbounded_stores, 0u);
}

// Each path picks a field of the instance's memory, one store writes it (as
// LLVM merges the tails of a handler's counters): the join of the constant
// addresses is a range inside the object; past its end it is refused.
TEST(Audit, PassesAStoreWhoseFieldEachPathPicks) {
  const char* body = R"(
  ldr r2, =console_memory
  cmp r1, #0
  beq 1f
  add.w r0, r2, #%d
  b 2f
1: add.w r0, r2, #4
2: str r3, [r0]
  bx lr
  .ltorg)";
  char ok[400], past[400];
  snprintf(ok, sizeof ok, body, 16);
  snprintf(past, sizeof past, body, 62);
  auto rep = audit_asm("field_join", ok);
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  expect_refused("field_join_past", past, "store", "not inside");
}

TEST(Audit, RefusesHostileExclusivesAndBarriers) {
  expect_refused("strex_wild", "strex r2, r1, [r0]\n bx lr", "store", "not a checked address");
  // NVIC_IPR through STREX: a constant address outside the instance.
  expect_refused("strex_nvic", "ldr r1, =0xE000E400\n strex r2, r0, [r1]\n bx lr\n .ltorg", "store", "not inside");
  // Checked, but the exclusive word runs past the 64-byte region.
  expect_refused("strex_bound",
                 "cmp r0, #62\n bhi 1f\n ldr r1, =console_memory\n add r1, r0\n strex r2, r3, [r1]\n bx lr\n"
                 "1: bl gust_trap\n .ltorg",
                 "store", "not inside");
  expect_refused("dmb", "dmb sy\n bx lr", "system", "dmb");
}

// `ldr rX, =f; blx rX`, as LLVM emits repeated calls at minsize, and a tail
// call through a register: calls to a known target, held to BL's and B's rules.
TEST(Audit, FollowsACallThroughALiteralLoadedCallee) {
  auto rep = audit_asm("literal_callee", R"(
  push {r4, lr}
  ldr r4, =console_gust_hal_mmio__read32
  blx r4
  blx r4
  movw r3, #:lower16:__aeabi_uidiv
  movt r3, #:upper16:__aeabi_uidiv
  blx r3
  blx r4
  mov r2, r4
  pop {r4, lr}
  bx r2
  .ltorg)");
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].calls, 5u);
  EXPECT_EQ(rep->instances[0].dispatches, 0u);
}

TEST(Audit, RefusesALiteralLoadedCalleeItMayNotCall) {
  expect_refused("literal_other",
                 "push {r4, lr}\n ldr r4, =other_gust_hal_mmio__read32\n blx r4\n pop {r4, pc}\n .ltorg", "direct-call",
                 "other_gust_hal_mmio__read32");
  expect_refused("literal_inside",
                 "push {r4, lr}\n ldr r4, =console_gust_hal_mmio__read32+2\n blx r4\n pop {r4, pc}\n .ltorg",
                 "direct-call", "inside it");
  expect_refused("literal_arm", "push {r4, lr}\n ldr r4, =0x08000000\n blx r4\n pop {r4, pc}\n .ltorg", "direct-call",
                 "not a Thumb address");
  expect_refused("literal_tail", "ldr r2, =other_gust_hal_mmio__read32\n bx r2\n .ltorg", "direct-branch",
                 "other_gust_hal_mmio__read32");
  // Loaded on one path only, the register is no constant where the paths join.
  expect_refused(
      "literal_one_path",
      "push {r4, lr}\n cbz r0, 1f\n ldr r4, =console_gust_hal_mmio__read32\n1: blx r4\n pop {r4, pc}\n .ltorg",
      "indirect-branch", "outside the dispatch");
  // r3 does not survive a call (AAPCS): after one, it is no longer the constant.
  expect_refused("literal_clobbered",
                 "push {r4, lr}\n ldr r3, =console_gust_hal_mmio__read32\n bl __aeabi_uidiv\n blx r3\n pop {r4, pc}\n"
                 " .ltorg",
                 "indirect-branch", "outside the dispatch");
}

// libgcc's assembly helpers have FUNC symbols of size 0: a BL to one is a
// call to a helper, and a BL to any other symbol of no size, or into a
// helper, is not.
TEST(Audit, CallsIntoHelpersOfNoSize) {
  auto rep = audit_asm("helper_no_size", "push {r4, lr}\n bl __aeabi_uldivmod\n pop {r4, lr}\n b.w __aeabi_uldivmod");
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  expect_refused("gadget_no_size", "push {r4, lr}\n bl native_gadget\n pop {r4, pc}", "direct-call", "native_gadget");
  expect_refused("helper_inside", "push {r4, lr}\n bl __aeabi_uldivmod+4\n pop {r4, pc}", "direct-call",
                 "not in any function");
  expect_refused("gadget_tail", "b.w native_gadget", "direct-branch", "native_gadget");
}

// The dispatch with its signature constant made once, in the entry block, for
// two call_indirects (as LLVM hoists it), and compared on either side of the CMP.
TEST(Audit, PassesADispatchWhoseSignatureConstantWasHoisted) {
  auto rep = audit_asm("hoisted", R"(
  push {r4, r5, r6, lr}
  ldr r6, =0x80428ad4
  ldr r2, [r3, #4]
  cmp r2, r6
  bne 1f
  ldr r2, [r3]
  blx r2
  ldr r2, [r4, #4]
  cmp r6, r2
  bne 1f
  ldr r2, [r4]
  blx r2
  pop {r4, r5, r6, pc}
1: movs r0, #7
  bl gust_trap
  .ltorg)");
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].dispatches, 2u);
}

TEST(Audit, RefusesAHoistedSignatureThatIsNoConstant) {
  const std::string dispatch =
      "ldr r2, [r3, #4]\n cmp r2, r6\n bne 1f\n ldr r2, [r3]\n blx r2\n pop {r4, r5, r6, pc}\n"
      "1: movs r0, #7\n bl gust_trap\n .ltorg";
  // Made on one path only.
  expect_refused("hoisted_one_path", "push {r4, r5, r6, lr}\n cbz r0, 2f\n ldr r6, =0x80428ad4\n2: " + dispatch,
                 "indirect-branch", "not compared with a constant");
  // Replaced by a word from memory after it was made.
  expect_refused("hoisted_reloaded",
                 "push {r4, r5, r6, lr}\n ldr r6, =0x80428ad4\n cbz r0, 2f\n ldr r6, [r5]\n2: " + dispatch,
                 "indirect-branch", "not compared with a constant");
  // In a register a call does not keep.
  expect_refused("hoisted_clobbered",
                 "push {r4, r5, r6, lr}\n ldr r1, =0x80428ad4\n bl console_gust_hal_mmio__read32\n"
                 " ldr r2, [r3, #4]\n cmp r2, r1\n bne 1f\n ldr r2, [r3]\n blx r2\n pop {r4, r5, r6, pc}\n"
                 "1: movs r0, #7\n bl gust_trap\n .ltorg",
                 "indirect-branch", "not compared with a constant");
  // The word compared with the constant is not the descriptor's signature word.
  expect_refused("hoisted_wrong_word",
                 "push {r4, r5, r6, lr}\n ldr r6, =0x80428ad4\n ldr r2, [r3, #8]\n cmp r6, r2\n bne 1f\n"
                 " ldr r2, [r3]\n blx r2\n pop {r4, r5, r6, pc}\n1: movs r0, #7\n bl gust_trap\n .ltorg",
                 "indirect-branch", "word 1");
}

// A jump table as LLVM lowers a br_table (outsider-valid-br-table.wat): the
// index copied to a register a call keeps, the original bounds-checked, a
// case value made between the check and the TBB (or TBH), the copy indexing
// the table. The bound holds for every copy of the compared value.
const char* kTableCases = R"(
2: adds r0, #1
  bx lr
3: adds r0, #2
  bx lr
4: adds r0, #3
  bx lr
5: bx lr
9: movs r0, #0
  bx lr)";

std::string tbb(const std::string& before, const std::string& index = "r4") {
  return before + "\n tbb [pc, " + index + "]\n1: .byte (2f-1b)/2, (3f-1b)/2, (4f-1b)/2, (5f-1b)/2" + kTableCases;
}

TEST(Audit, PassesATableBranchOnACopiedIndex) {
  for (const auto& [name, body] : std::vector<std::pair<std::string, std::string>>{
           {"table_llvm", tbb("mov r4, r0\n cmp r0, #3\n bhi 9f\n movs r0, #22")},
           {"table_copied_after", tbb("cmp r0, #3\n bhi 9f\n mov r4, r0\n movs r0, #22")},
           {"table_direct", tbb("cmp r0, #3\n bhi 9f", "r0")},
           {"table_chain", tbb("mov r2, r0\n cmp r0, #4\n bcs 9f\n movs r0, #22\n mov r4, r2\n movs r2, #0")},
           {"table_halfword",
            "mov r4, r0\n cmp r0, #3\n bhi 9f\n movs r0, #22\n tbh [pc, r4, lsl #1]\n"
            "1: .hword (2f-1b)/2, (3f-1b)/2, (4f-1b)/2, (5f-1b)/2" +
                std::string(kTableCases)}}) {
    auto rep = audit_asm(name, body);
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_TRUE(rep->ok()) << name << ":\n" << rep->text();
    ASSERT_EQ(rep->instances.size(), 1u);
    EXPECT_EQ(rep->instances[0].table_branches, 1u) << name;
  }
}

TEST(Audit, RefusesATableBranchItCannotBound) {
  // The copy changed after the compare: bounded by 103, a table of 104 entries past the function.
  expect_refused("table_copy_moved", tbb("mov r4, r0\n cmp r0, #3\n bhi 9f\n adds r4, #100"), "indirect-branch",
                 "runs past the end");
  // The copy changed between the copy and the compare: no copy any more.
  expect_refused("table_copy_changed", tbb("mov r4, r0\n adds r4, #1\n cmp r0, #3\n bhi 9f"), "indirect-branch",
                 "not bounded");
  // The original changed before the compare: the compare bounds another value than the copy's.
  expect_refused("table_original_changed", tbb("mov r4, r0\n ldr r0, [r5]\n cmp r0, #3\n bhi 9f"), "indirect-branch",
                 "not bounded");
  // The compare bounds another register than the one copied.
  expect_refused("table_other_register", tbb("mov r4, r0\n cmp r2, #3\n bhi 9f"), "indirect-branch", "not bounded");
  // The copy does not survive a call.
  expect_refused("table_call", tbb("mov r3, r0\n cmp r0, #3\n bhi 9f\n bl console_gust_hal_mmio__read32", "r3"),
                 "indirect-branch", "not bounded");
  // The compared register replaced between the compare and its branch.
  expect_refused("table_replaced", tbb("cmp r0, #3\n mov r0, r5\n bhi 9f", "r0"), "indirect-branch", "not bounded");
  // A signed compare bounds nothing unsigned.
  expect_refused("table_signed", tbb("cmp r0, #3\n bgt 9f", "r0"), "indirect-branch", "not bounded");
  // A path that skips the compare (to the copy after it, or to the table branch).
  expect_refused("table_skipped", tbb("cbz r2, 8f\n cmp r0, #3\n bhi 9f\n8: mov r4, r0"), "indirect-branch",
                 "not bounded");
  expect_refused("table_skipped_copy", tbb("mov r4, r0\n cbz r2, 8f\n cmp r0, #3\n bhi 9f\n8: movs r0, #22"),
                 "indirect-branch", "not bounded");
  // A bound past the table: entries 4 and 5 are the bytes of `movs r0, #0x81` (0x81, 0x20),
  // and entry 4 lands 258 bytes past the table, outside the function.
  expect_refused("table_too_short",
                 "cmp r0, #5\n bhi 9f\n tbb [pc, r0]\n1: .byte (2f-1b)/2, (3f-1b)/2, (4f-1b)/2, (5f-1b)/2\n"
                 "2: movs r0, #0x81\n bx lr\n3: bx lr\n4: bx lr\n5: bx lr\n9: bx lr",
                 "indirect-branch", "entry 4 of 6 lands on");
}

// A widened check (src/dissolve/checks.cpp): one compare of the base with the
// bound of the largest offset covers the stores at the smaller ones, as long
// as it is on every path to them and the base is the value it compared.
std::string widened(const std::string& between, const std::string& stores) {
  return "cmp r0, #52\n bhi 9f\n" + between + "\n ldr r1, =console_memory\n add r1, r0\n" + stores +
         "\n bx lr\n9: movs r0, #6\n bl gust_trap\n .ltorg";
}

TEST(Audit, PassesAWidenedCheck) {
  // 52 + 8 + 4 = 64: the region's last word.
  auto rep = audit_asm("widened", widened("", "str r2, [r1]\n strb r2, [r1, #4]\n str r2, [r1, #8]"));
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].unbounded_stores, 0u);
  // Through a copy of the base made before the compare.
  rep = audit_asm("widened_copy",
                  "mov r3, r0\n" + widened("", "ldr r1, =console_memory\n add r1, r3\n str r2, [r1, #8]"));
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
}

TEST(Audit, RefusesAWidenedCheckThatDoesNotCover) {
  // A later, larger offset than the check covered: 52 + 12 + 4 > 64.
  expect_refused("widened_short", widened("", "str r2, [r1]\n str r2, [r1, #12]"), "store", "not inside");
  // The base redefined between the check and the access, to more than it covered.
  expect_refused("widened_redefined", widened("adds r0, #8", "str r2, [r1, #4]"), "store", "not inside");
  // A copy of the base changed after the compare.
  expect_refused("widened_copy_changed",
                 "mov r3, r0\n" + widened("adds r3, #16", "ldr r1, =console_memory\n add r1, r3\n str r2, [r1, #8]"),
                 "store", "not inside");
  // The check that covers the access is on one path to it only; the other path's is looser.
  expect_refused("widened_not_dominating",
                 "cbz r3, 8f\n cmp r0, #52\n bhi 9f\n b 7f\n8: cmp r0, #60\n bhi 9f\n"
                 "7: ldr r1, =console_memory\n add r1, r0\n str r2, [r1, #8]\n"
                 " bx lr\n9: movs r0, #6\n bl gust_trap\n .ltorg",
                 "store", "not inside");
}

// A base the flow cannot bound at all (reloaded, or unchecked on one path) is
// no checked address: the store rule for it is provenance only, and the
// report counts it (README, "gust audit": what it does not check).
TEST(Audit, CountsAStoreWhoseBaseTheCheckDoesNotBound) {
  for (const auto& [name, body] : std::vector<std::pair<std::string, std::string>>{
           {"widened_reloaded", widened("ldr r0, [r5]", "str r2, [r1, #4]")},
           {"widened_one_path",
            "cbz r3, 8f\n cmp r0, #52\n bhi 9f\n8: ldr r1, =console_memory\n add r1, r0\n str r2, [r1, #4]\n"
            " bx lr\n9: movs r0, #6\n bl gust_trap\n .ltorg"}}) {
    auto rep = audit_asm(name, body);
    ASSERT_TRUE(rep) << rep.error().message;
    ASSERT_EQ(rep->instances.size(), 1u);
    EXPECT_EQ(rep->instances[0].unbounded_stores, 1u) << name << ":\n" << rep->text();
  }
}

// A shadow-stack frame as the dissolver makes one: the stack pointer loaded
// (unknown), lowered by the frame's size, the lowered value checked; the
// check bounds the loaded value from both sides (r5 - 16 <= 40: r5 in 16..56),
// so stores below it are proven. Past the derived bounds they are refused.
std::string frame(const std::string& between, const std::string& stores) {
  return "ldr r5, [r3]\n sub r6, r5, #16\n" + between +
         "\n cmp r6, #40\n bhi 9f\n ldr r1, =console_memory\n"
         " add r2, r1, r5\n" +
         stores + "\n bx lr\n9: movs r0, #6\n bl gust_trap\n .ltorg";
}

TEST(Audit, ProvesAStoreBelowACheckedFrame) {
  auto rep =
      audit_asm("frame", frame("", "str r0, [r2, #-16]\n str r0, [r2, #4]\n add r4, r2, #8\n str r0, [r4, #-4]"));
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].unbounded_stores, 0u) << rep->text();
}

TEST(Audit, RefusesAStorePastACheckedFrame) {
  // Below the lowest address the check allows (16 - 20 < 0), above the highest (56 + 8 + 4 > 64).
  expect_refused("frame_below", frame("", "str r0, [r2, #-20]"), "store", "not inside");
  expect_refused("frame_above", frame("", "str r0, [r2, #8]"), "store", "not inside");
  // The loaded value changed after the frame was made from it: the check says nothing of it,
  // so the store is not proven (counted, as above).
  auto rep = audit_asm("frame_changed", frame("adds r5, #4", "str r0, [r2, #4]"));
  ASSERT_TRUE(rep) << rep.error().message;
  ASSERT_EQ(rep->instances.size(), 1u);
  EXPECT_EQ(rep->instances[0].unbounded_stores, 1u) << rep->text();
}

// Counted store loops (induction variables, src/audit/audit.cpp): the pointer a post- or
// pre-indexed store steps, with the check on the loop's counter (the wasm address, as gust emits
// one per iteration) or on the pointer itself. `store` is the loop's store through r2, `check`
// the compare and branch to the trap that bound the counter r3 on every iteration.
std::string counted(const std::string& start, const std::string& check, const std::string& store,
                    const std::string& step = "adds r3, #1") {
  return start + "\n movs r3, #0\n1: " + check + "\n " + store + "\n " + step +
         "\n cmp r3, r4\n bne 1b\n bx lr\n9: movs r0, #6\n bl gust_trap\n .ltorg";
}
const char* kAtBase = "ldr r2, =console_memory";

TEST(Audit, ProvesAStepPointerFromTheCheckOfItsCounter) {
  for (const auto& [name, body] : std::vector<std::pair<std::string, std::string>>{
           // 64 bytes, one a time: the counter checked <= 63 every iteration.
           {"loop_strb_post", counted(kAtBase, "cmp r3, #63\n bhi 9f", "strb r5, [r2], #1")},
           // The check on the other side of the compare, against a register the loop leaves alone.
           {"loop_strb_post_swapped",
            counted(kAtBase + std::string("\n movs r6, #63"), "cmp r6, r3\n bcc 9f", "strb r5, [r2], #1")},
           // Halfwords and doublewords.
           {"loop_strh_post", counted(kAtBase, "cmp r3, #31\n bhi 9f", "strh r5, [r2], #2")},
           {"loop_strd_post", counted(kAtBase, "cmp r3, #7\n bhi 9f", "strd r5, r6, [r2], #8")},
           // STM with writeback: a word a time, 16 words.
           {"loop_stm", counted(kAtBase, "cmp r3, #15\n bhi 9f", "stmia r2!, {r5}")},
           {"loop_stm_two", counted(kAtBase, "cmp r3, #7\n bhi 9f", "stmia r2!, {r5, r6}")},
           // Pre-indexed: the pointer starts a byte below the region and steps before each store.
           {"loop_strb_pre", counted("ldr r2, =console_memory - 1", "cmp r3, #63\n bhi 9f", "strb r5, [r2, #1]!")},
           // The counter counts down from 64 to the check that it is not zero (a CBZ out).
           {"loop_countdown", "ldr r2, =console_memory\n movs r3, #64\n1: cbz r3, 2f\n strb r5, [r2], #1\n"
                              " subs r3, #1\n b 1b\n2: bx lr\n .ltorg"},
           // The count-down's SUBS sets the flags its BNE tests.
           {"loop_subs_bne", "ldr r2, =console_memory\n movs r3, #64\n1: strb r5, [r2], #1\n"
                             " subs r3, #1\n bne 1b\n bx lr\n .ltorg"},
           // No counter: the pointer compared with the region's end after each store.
           {"loop_pointer_end", "ldr r2, =console_memory\n ldr r4, =console_memory + 64\n"
                                "1: strb r5, [r2], #1\n cmp r2, r4\n bne 1b\n bx lr\n .ltorg"}}) {
    auto rep = audit_asm(name, body);
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_TRUE(rep->ok()) << name << ":\n" << rep->text();
    ASSERT_EQ(rep->instances.size(), 1u);
    EXPECT_EQ(rep->instances[0].unbounded_stores, 0u) << name << ":\n" << rep->text();
  }
}

TEST(Audit, RefusesHostileCountedStoreLoops) {
  // The check lets the counter reach 64: the 65th byte is past the region.
  expect_refused("loop_past_bound", counted(kAtBase, "cmp r3, #64\n bhi 9f", "strb r5, [r2], #1"), "store",
                 "not inside");
  // A do-while whose pointer goes one past the end before the compare stops it.
  expect_refused("loop_pointer_past_end",
                 "ldr r2, =console_memory\n ldr r4, =console_memory + 65\n"
                 "1: strb r5, [r2], #1\n cmp r2, r4\n bne 1b\n bx lr\n .ltorg",
                 "store", "not inside");
  // The bound compared with is a register the loop changes: no bound.
  expect_refused("loop_bound_moves",
                 counted(kAtBase + std::string("\n movs r6, #63"), "cmp r6, r3\n bcc 9f\n adds r6, #1",
                         "strb r5, [r2], #1"),
                 "store", "not a checked address");
  // The check is on a register the loop does not step: nothing bounds the pointer.
  expect_refused("loop_check_other", counted(kAtBase, "cmp r6, #63\n bhi 9f", "strb r5, [r2], #1"), "store",
                 "not a checked address");
  // The check bounds the counter, but the writeback steps the pointer four bytes a count.
  expect_refused("loop_writeback_wider", counted(kAtBase, "cmp r3, #63\n bhi 9f", "strb r5, [r2], #4"), "store",
                 "not inside");
  // The base changed again after the check, on every iteration.
  expect_refused("loop_base_moved",
                 counted(kAtBase, "cmp r3, #63\n bhi 9f", "adds r2, #1\n strb r5, [r2], #1"), "store", "not inside");
  // The base written by something that is no step (a load): no induction, no bound.
  expect_refused("loop_base_reloaded",
                 counted(kAtBase, "cmp r3, #63\n bhi 9f", "strb r5, [r2], #1\n ldr r2, [r7]"), "store",
                 "not a checked address");
  // A negative step from the region's start: below it from the second store on.
  expect_refused("loop_negative_step", counted(kAtBase, "cmp r3, #63\n bhi 9f", "strb r5, [r2], #-1"), "store",
                 "not inside");
  // The counter steps on one path around the loop only: no one step per iteration.
  expect_refused("loop_step_one_path",
                 kAtBase + std::string("\n movs r3, #0\n1: cmp r3, #63\n bhi 9f\n strb r5, [r2], #1\n"
                                       " cbz r6, 2f\n adds r3, #1\n2: cmp r3, r4\n bne 1b\n bx lr\n"
                                       "9: movs r0, #6\n bl gust_trap\n .ltorg"),
                 "store", "not a checked address");
  // The check is on one path around the loop only.
  expect_refused("loop_check_one_path",
                 kAtBase + std::string("\n movs r3, #0\n1: cbz r6, 2f\n cmp r3, #63\n bhi 9f\n2: strb r5, [r2], #1\n"
                                       " adds r3, #1\n cmp r3, r4\n bne 1b\n bx lr\n"
                                       "9: movs r0, #6\n bl gust_trap\n .ltorg"),
                 "store", "not a checked address");
  // A counted-down loop whose count starts above the region's size.
  expect_refused("loop_countdown_long",
                 "ldr r2, =console_memory\n movs r3, #65\n1: cbz r3, 2f\n strb r5, [r2], #1\n"
                 " subs r3, #1\n b 1b\n2: bx lr\n .ltorg",
                 "store", "not inside");
  // SUBS and BNE from a count of 65.
  expect_refused("loop_subs_bne_long",
                 "ldr r2, =console_memory\n movs r3, #65\n1: strb r5, [r2], #1\n subs r3, #1\n bne 1b\n"
                 " bx lr\n .ltorg",
                 "store", "not inside");
  // A branch lands on the loop's test with flags of its own (a compare of another register): the
  // compare before the test does not speak for that path.
  expect_refused("loop_test_entered",
                 kAtBase + std::string("\n movs r3, #0\n cmp r6, #0\n b 2f\n1: strb r5, [r2], #1\n"
                                       " adds r3, #1\n cmp r3, #64\n2: bne 1b\n bx lr\n .ltorg"),
                 "store", "not a checked address");
  // A call in the loop may change the counter (r3 does not survive it).
  expect_refused("loop_call_clobbers",
                 counted(kAtBase, "cmp r3, #63\n bhi 9f", "strb r5, [r2], #1\n bl console_gust_hal_mmio__read32"),
                 "store", "not a checked address");
}

// STMDB writes the words below its base: from the region's start, below the region.
TEST(Audit, RefusesAStoreMultipleDecrementBelowTheRegion) {
  expect_refused("stmdb_below", "ldr r2, =console_memory\n stmdb r2, {r5, r6}\n bx lr\n .ltorg", "store",
                 "not inside");
  auto rep = audit_asm("stmdb_inside", "ldr r2, =console_memory + 8\n stmdb r2!, {r5, r6}\n bx lr\n .ltorg");
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
}

// A driver whose counted loops LLVM strength-reduces into pointers stepped by post-indexed loads
// and stores (tests/audit_loops/loops.cpp), as gust build makes it: every store proven.
TEST(Audit, ProvesCountedStoreLoops) {
  auto node = compose::load_node(test::source_root() / "tests" / "audit_loops" / "node.toml");
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions opts;
  opts.out_root = test::scratch("audit_loops_node");
  auto rep = compose::build(*node, opts);
  ASSERT_TRUE(rep) << rep.error().str();
  auto again = audit_file(rep->elf);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->ok()) << again->text();
  ASSERT_EQ(again->instances.size(), 1u);
  EXPECT_GE(again->instances[0].stores, 4u) << again->text();
  EXPECT_EQ(again->instances[0].unbounded_stores, 0u) << again->text();
}

// Under gust build the audit knows the instances the build made: no other
// instance's dissolved code, and nothing in a built instance's namespace but
// its dissolved code and its bridge, such as code whose object does not say
// it was dissolved, which would otherwise pass unaudited.
TEST(Audit, UnderTheBuildAnInstanceHoldsOnlyItsDissolvedCode) {
  Options built;
  built.expect = {"console"};
  auto honest = audit_asm("built_honest", "bx lr", built);
  ASSERT_TRUE(honest) << honest.error().message;
  EXPECT_TRUE(honest->ok()) << honest->text();

  auto unmarked = audit_asm("built_unmarked", "svc #0\n bx lr", built, "evil.c");
  ASSERT_TRUE(unmarked) << unmarked.error().message;
  EXPECT_TRUE(unmarked->instances.empty()) << unmarked->text();
  bool found = false;
  for (const auto& v : unmarked->violations)
    found = found ||
            (v.rule == "instance" && v.function == "console_evil" && v.detail.find("not audited") != std::string::npos);
  EXPECT_TRUE(found) << unmarked->text();
  // Without the build's list the same image has no instance to audit, and passes: the list is what closes it.
  auto alone = audit_asm("alone_unmarked", "svc #0\n bx lr", {}, "evil.c");
  ASSERT_TRUE(alone) << alone.error().message;
  EXPECT_TRUE(alone->ok()) << alone->text();

  Options other;
  other.expect = {"other"};
  auto foreign = audit_asm("built_foreign", "bx lr", other);
  ASSERT_TRUE(foreign) << foreign.error().message;
  found = false;
  for (const auto& v : foreign->violations)
    found = found ||
            (v.rule == "instance" && v.instance == "console" && v.detail.find("did not make") != std::string::npos);
  EXPECT_TRUE(found) << foreign->text();
}

TEST(Audit, RefusesFallingIntoData) { expect_refused("falls", "movs r0, #1\n .word 0xdeadbeef", "code", ""); }

// The node images as gust build makes them pass, and the build report says what was checked.
TEST(Audit, PassesTheNodeImages) {
  for (const char* seam : {"thin", "mid", "fat"}) {
    auto node = compose::load_node(test::source_root() / "nodes" / (std::string("f100-uart-") + seam + ".toml"));
    ASSERT_TRUE(node) << node.error().str();
    compose::BuildOptions opts;
    opts.out_root = test::scratch(std::string("audit_node_") + seam);
    auto rep = compose::build(*node, opts);
    ASSERT_TRUE(rep) << rep.error().str();
    ASSERT_TRUE(rep->audit.is_object()) << seam;
    EXPECT_TRUE(rep->audit["ok"].get<bool>()) << rep->audit.dump(2);
    EXPECT_EQ(rep->audit["checked"].size(), kCheckedCount);
    auto again = audit_file(rep->elf);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->ok()) << again->text();
    ASSERT_EQ(again->instances.size(), 1u);
    EXPECT_EQ(again->instances[0].name, "console");
    EXPECT_GT(again->instances[0].instructions, 10u);
  }
}

// gust audit's exit status: 0 passed, 1 refused (located message), 2 usage.
TEST(Audit, CommandLine) {
  auto bad = audit_asm("cli", "svc #0\n bx lr");
  ASSERT_TRUE(bad);
  const std::string elf = bad->image;
  auto r = base::run_tool({GUST_BINARY, "audit", elf});
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("console_evil"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("system"), std::string::npos) << r.output;
  auto j = base::run_tool({GUST_BINARY, "audit", "--json", elf});
  EXPECT_EQ(j.status, 1);
  EXPECT_NE(j.output.find("\"rule\": \"system\""), std::string::npos) << j.output;
  EXPECT_EQ(base::run_tool({GUST_BINARY, "audit"}).status, 2);
  auto missing = base::run_tool({GUST_BINARY, "audit", "/nonexistent.elf"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.output.find("/nonexistent.elf"), std::string::npos);
}

}  // namespace
}  // namespace gust::audit
