// The stack oracle on small hand-assembled images (arm-none-eabi-as), one
// shape per test: the input program and the depth it must come to side by
// side; and [priorities] in manifests, with their located errors.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "compose/compose.h"
#include "image/elf.h"
#include "support.h"

namespace gust::test {
namespace {

using compose::analyze_stack;
using compose::Chip;
using compose::StackInput;
using compose::StackReport;

// A chip like the F100 but with four interrupt lines.
Chip small_chip(bool stkalign = true) {
  Chip c;
  c.name = "test";
  c.flash_origin = 0x08000000;
  c.flash_size = 128 << 10;
  c.sram_origin = 0x20000000;
  c.sram_size = 8192;
  c.irq_count = 4;
  c.exception_frame = 32;
  c.stkalign = stkalign;
  c.priority_bits = 4;
  return c;
}

// Links `body` (Thumb assembly) after a vector table whose slots name the
// given symbols: slot 1 is reset, 2 NMI, 3 HardFault, 16 + n IRQ n; the
// others are 0. Returns the image.
fs::path link(const std::string& name, const std::string& body, const std::map<int, std::string>& slots,
              const std::string& second_file = "") {
  const fs::path dir = scratch("stack-oracle-" + name);
  std::string s = ".syntax unified\n.thumb\n.section .isr_vector,\"a\"\n.word 0x20002000\n";
  for (int i = 1; i < 16 + 4; ++i) s += ".word " + (slots.count(i) ? slots.at(i) : std::string("0")) + "\n";
  s += ".text\n" + body + "\n";
  std::ofstream(dir / "image.s") << s;
  std::ofstream(dir / "second.s") << ".syntax unified\n.thumb\n.text\n" << second_file << "\n";
  std::ofstream(dir / "image.ld")
      << "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 128K\n SRAM (rwx) : ORIGIN = 0x20000000, LENGTH = 8K }\n"
         "SECTIONS { .text : { KEEP(*(.isr_vector)) *(.text .text.*) *(.rodata .rodata.*) } > FLASH\n"
         " .data : { *(.data) } > SRAM AT > FLASH\n .bss : { *(.bss) } > SRAM }\n";
  const fs::path elf = dir / "image.elf";
  auto r = compose::run_tool({"arm-none-eabi-gcc", "-mcpu=cortex-m3", "-mthumb", "-nostdlib", "-nostartfiles", "-T",
                              (dir / "image.ld").string(), "-o", elf.string(), (dir / "image.s").string(),
                              (dir / "second.s").string()});
  EXPECT_EQ(r.status, 0) << r.output;
  return elf;
}

// A function: `.thumb_func` label with its type and size, so the image has a FUNC symbol.
std::string fn(const std::string& name, const std::string& code) {
  return ".global " + name + "\n.type " + name + ", %function\n.thumb_func\n" + name + ":\n" + code + "\n.size " +
         name + ", . - " + name + "\n";
}

// The fault handlers every image has: a loop with no frame.
const std::string kDefault = fn("fault", "  b fault");
const std::map<int, std::string> kResetOnly = {{1, "reset"}, {2, "fault"}, {3, "fault"}};

StackReport analyze(const fs::path& elf, const Chip& chip = small_chip(), std::map<std::string, uint64_t> bounds = {},
                    std::map<uint32_t, uint32_t> priorities = {}) {
  StackInput in;
  in.elf = elf;
  in.bounds = std::move(bounds);
  in.priorities = std::move(priorities);
  auto r = analyze_stack(in, chip);
  EXPECT_TRUE(r) << r.error().str();
  return r ? *r : StackReport{};
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// Two exception levels in every image (NMI and HardFault, fixed above all
// others), each one frame of 32 B plus the 4 B STKALIGN pad.
constexpr uint64_t kFaultLevels = 2 * (32 + 4);

TEST(StackOracle, FramesComeFromPushSubAndWritebackStores) {
  // reset: 8 (push) + 16 (sub) at the call; leaf: 20 (push) + 8 (str !) + 8 (strd !) + 4 (sub)
  const auto elf = link("frames",
                        fn("reset", "  push {r4, lr}\n  sub sp, #16\n  bl leaf\n  add sp, #16\n  pop {r4, pc}") +
                            fn("leaf",
                               "  push {r4-r7, lr}\n  str r0, [sp, #-8]!\n  strd r0, r1, [sp, #-8]!\n"
                               "  sub.w sp, sp, #4\n  add sp, #20\n  pop {r4-r7, pc}") +
                            kDefault,
                        kResetOnly);
  StackReport r = analyze(elf);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.frames["reset"], 24u);
  EXPECT_EQ(r.frames["leaf"], 40u);
  EXPECT_EQ(r.thread_bytes, 24u + 40u);
  EXPECT_EQ(r.total, 24u + 40u + kFaultLevels);
  EXPECT_EQ(r.path.front(), "reset");
  EXPECT_EQ(r.path[1], "leaf");
}

TEST(StackOracle, TheChipDecidesTheRealignmentPad) {
  const auto elf = link("pad", fn("reset", "  push {r4, lr}\n  pop {r4, pc}") + kDefault, kResetOnly);
  EXPECT_EQ(analyze(elf, small_chip(true)).total, 8u + 2 * 36);
  EXPECT_EQ(analyze(elf, small_chip(false)).total, 8u + 2 * 32);
}

TEST(StackOracle, ASelfCallWithoutRelocationIsRecursion) {
  // One section, so the assembler resolves the BL itself: no relocation.
  const auto elf =
      link("self",
           fn("reset", "  push {r4, lr}\n  bl walk\n  pop {r4, pc}") +
               fn("walk", "  push {r4, lr}\n  cbz r0, 1f\n  subs r0, #1\n  bl walk\n1:\n  pop {r4, pc}") + kDefault,
           kResetOnly);
  StackReport r = analyze(elf);
  EXPECT_FALSE(r.bounded);
  EXPECT_NE(joined(r.unbounded).find("recursion through walk: walk -> walk"), std::string::npos) << joined(r.unbounded);
  // The manifest's bound stands for the whole recursion.
  StackReport b = analyze(elf, small_chip(), {{"walk", 200}});
  ASSERT_TRUE(b.bounded) << joined(b.unbounded);
  EXPECT_EQ(b.thread_bytes, 8u + 200u);
  EXPECT_EQ(b.path[1], "walk [bound 200 B]");
}

TEST(StackOracle, MutualRecursionAndTailCallCyclesAreRecursion) {
  const auto elf = link("mutual",
                        fn("reset", "  push {r4, lr}\n  bl ping\n  pop {r4, pc}") +
                            fn("ping", "  push {r4, lr}\n  bl pong\n  pop {r4, pc}") +
                            fn("pong", "  cbz r0, 1f\n  b.w ping\n1:\n  bx lr") + kDefault,
                        kResetOnly);
  StackReport r = analyze(elf);
  EXPECT_FALSE(r.bounded);
  EXPECT_NE(joined(r.unbounded).find("ping -> pong -> ping"), std::string::npos) << joined(r.unbounded);
}

TEST(StackOracle, ACallThroughALoadedAddressReachesItsTarget) {
  // The pattern LLVM emits at minsize for repeated calls: ldr rX, =f; blx rX.
  const auto elf =
      link("blx",
           fn("reset", "  push {r4, lr}\n  ldr r4, =deep\n  blx r4\n  pop {r4, pc}\n.ltorg") +
               fn("deep", "  push {r4-r11, lr}\n  sub sp, #28\n  add sp, #28\n  pop {r4-r11, pc}") + kDefault,
           kResetOnly);
  StackReport r = analyze(elf);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 8u + 64u);
  EXPECT_EQ(r.path[1], "deep");
}

TEST(StackOracle, AnUnknownIndirectCallMayReachEveryAddressTakenFunction) {
  const auto elf = link("table",
                        fn("reset",
                           "  push {r4, lr}\n  ldr r3, =table\n  ldr r3, [r3, r0, lsl #2]\n  blx r3\n"
                           "  pop {r4, pc}\n.ltorg") +
                            fn("small", "  push {r4, lr}\n  pop {r4, pc}") +
                            fn("large", "  push {r4-r7, lr}\n  sub sp, #100\n  add sp, #100\n  pop {r4-r7, pc}") +
                            fn("never", "  push {r4-r11, lr}\n  sub sp, #400\n  add sp, #400\n  pop {r4-r11, pc}") +
                            kDefault + ".section .rodata\n.align 2\ntable:\n.word small\n.word large\n",
                        kResetOnly);
  StackReport r = analyze(elf);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  // `never` is in the image but nothing holds its address: not a target.
  EXPECT_EQ(r.thread_bytes, 8u + 120u);
  EXPECT_EQ(r.path[1], "large");
}

// The dissolver's call_indirect dispatch (src/dissolve/control.cpp): the
// descriptor in r3, its signature word compared with gust_sig_<sig>, then a
// call through its first word. `before` runs between the compare's set-up
// and the loads (a branch landing inside, for the fallback).
std::string dispatch(const std::string& sig, const std::string& inside = "") {
  return "  ldr r3, =slots\n  ldr r3, [r3, r0, lsl #2]\n  ldr r2, [r3, #4]\n  movw r1, #:lower16:" + sig +
         "\n  movt r1, #:upper16:" + sig + "\n  cmp r2, r1\n  bne 9f\n" + inside +
         "  ldr r12, [r3, #0]\n  movs r0, #1\n  blx r12\n";
}
// Two functions of signature a (small, large) and a much deeper one of b,
// each behind a descriptor {function, signature}, the table's slots in .data.
const std::string kLarge = "  push {r4-r7, lr}\n  sub sp, #100\n  add sp, #100\n  pop {r4-r7, pc}";
const std::string kDeep = "  push {r4-r11, lr}\n  sub sp, #400\n  add sp, #400\n  pop {r4-r11, pc}";
std::string descriptors(const std::string& large_code = kLarge, const std::string& deep_code = kDeep) {
  auto object = [](const std::string& name, const std::string& bytes) {
    return ".global " + name + "\n.type " + name + ", %object\n" + name + ":\n.byte " + bytes + "\n.size " + name +
           ", . - " + name + "\n";
  };
  return fn("small", "  push {r4, lr}\n  pop {r4, pc}") + fn("large", large_code) + fn("deep", deep_code) +
         ".section .rodata\n" + object("gust_sig_a", "1, 2") + object("gust_sig_b", "3, 4") +
         ".align 2\nd_small: .word small, gust_sig_a\nd_large: .word large, gust_sig_a\n"
         "d_deep: .word deep, gust_sig_b\n.data\n.align 2\nslots: .word d_small, d_large, d_deep\n";
}

TEST(StackOracle, ADispatchReachesOnlyTheFunctionsOfItsSignature) {
  const auto elf =
      link("dispatch",
           fn("reset", "  push {r4, lr}\n" + dispatch("gust_sig_a") + "  pop {r4, pc}\n9:\n  b 9b\n.ltorg") +
               descriptors() + kDefault,
           kResetOnly);
  StackReport r = analyze(elf);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 8u + 120u);  // large, the deeper of signature a; deep (436 B) is of b
  EXPECT_EQ(r.path[1], "large");
  // The old rule, every address-taken function: deep.
  StackInput in;
  in.elf = elf;
  in.by_signature = false;
  auto all = analyze_stack(in, small_chip());
  ASSERT_TRUE(all && all->bounded);
  EXPECT_EQ(all->thread_bytes, 8u + 436u);
  EXPECT_LT(r.thread_bytes, all->thread_bytes);
}

TEST(StackOracle, AnIndirectCallThatIsNotAPlainDispatchReachesEveryAddressTakenFunction) {
  // Compared with something that is not a signature object.
  const auto other = link("dispatch-other",
                          fn("reset", "  push {r4, lr}\n" + dispatch("slots") + "  pop {r4, pc}\n9:\n  b 9b\n.ltorg") +
                              descriptors() + kDefault,
                          kResetOnly);
  StackReport r = analyze(other);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 8u + 436u);
  // A branch that lands between the compare and the call skips the check.
  const auto entered = link("dispatch-entered",
                            fn("reset", "  push {r4, lr}\n  ldr r3, =slots\n  cbz r0, 8f\n" +
                                            dispatch("gust_sig_a", "8:\n") + "  pop {r4, pc}\n9:\n  b 9b\n.ltorg") +
                                descriptors() + kDefault,
                            kResetOnly);
  r = analyze(entered);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 8u + 436u);
  // The descriptor register replaced between the two loads.
  const auto moved = link("dispatch-moved",
                          fn("reset", "  push {r4, lr}\n" +
                                          std::regex_replace(dispatch("gust_sig_a"), std::regex("  bne 9f\n"),
                                                             "  bne 9f\n  adds r3, #12\n") +
                                          "  pop {r4, pc}\n9:\n  b 9b\n.ltorg") +
                              descriptors() + kDefault,
                          kResetOnly);
  r = analyze(moved);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 8u + 436u);
}

TEST(StackOracle, ADispatchCycleIsOneThroughItsOwnSignature) {
  // large (signature a) dispatches on a: it may call itself.
  const std::string large_recurses =
      "  push {r4-r7, lr}\n" + dispatch("gust_sig_a") + "  pop {r4-r7, pc}\n9:\n  b 9b\n.ltorg";
  const auto cyclic =
      link("dispatch-cycle",
           fn("reset", "  push {r4, lr}\n" + dispatch("gust_sig_a") + "  pop {r4, pc}\n9:\n  b 9b\n.ltorg") +
               descriptors(large_recurses) + kDefault,
           kResetOnly);
  StackReport r = analyze(cyclic);
  EXPECT_FALSE(r.bounded);
  EXPECT_NE(joined(r.unbounded).find("recursion through large: large -> large"), std::string::npos)
      << joined(r.unbounded);
  // deep (signature b) dispatches on a: a cycle only if any address-taken
  // function were a target.
  const std::string deep_dispatches = "  push {r4-r11, lr}\n  sub sp, #400\n" + dispatch("gust_sig_a") +
                                      "  add sp, #400\n  pop {r4-r11, pc}\n9:\n  b 9b\n.ltorg";
  const auto acyclic =
      link("dispatch-acyclic",
           fn("reset", "  push {r4, lr}\n  bl deep\n  pop {r4, pc}") + descriptors(kLarge, deep_dispatches) + kDefault,
           kResetOnly);
  r = analyze(acyclic);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 8u + 436u + 20u + 100u);  // reset, deep, then large through the dispatch
  StackInput in;
  in.elf = acyclic;
  in.by_signature = false;
  auto all = analyze_stack(in, small_chip());
  ASSERT_TRUE(all);
  EXPECT_FALSE(all->bounded);
  EXPECT_NE(joined(all->unbounded).find("recursion through deep"), std::string::npos) << joined(all->unbounded);
}

TEST(StackOracle, AnIndirectCallIntoItsOwnCallerIsRecursion) {
  const auto elf =
      link("hook",
           fn("reset", "  push {r4, lr}\n  bl tick\n  pop {r4, pc}") +
               fn("tick", "  push {r4, lr}\n  ldr r3, =hook\n  ldr r3, [r3]\n  blx r3\n  pop {r4, pc}\n.ltorg") +
               kDefault + ".data\n.align 2\nhook:\n.word tick\n",
           kResetOnly);
  StackReport r = analyze(elf);
  EXPECT_FALSE(r.bounded);
  EXPECT_NE(joined(r.unbounded).find("recursion through tick"), std::string::npos) << joined(r.unbounded);
}

TEST(StackOracle, ATailCallAddsItsTargetAtTheDepthOfTheBranch) {
  const auto elf = link("tail",
                        fn("reset", "  push {r4, lr}\n  bl outer\n  pop {r4, pc}") +
                            fn("outer", "  push {r4, lr}\n  sub sp, #8\n  add sp, #8\n  pop {r4, lr}\n  b.w inner") +
                            fn("inner", "  push {r4-r7}\n  pop {r4-r7}\n  bx lr") + kDefault,
                        kResetOnly);
  StackReport r = analyze(elf);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.frames["outer"], 16u);
  EXPECT_EQ(r.thread_bytes, 8u + 16u);  // inner's 16 B come after outer's are gone
}

TEST(StackOracle, NothingFollowsACallThatNeverReturns) {
  // As dissolved code ends: the trap calls last, then a literal pool. stop
  // never returns either: it only branches to trap.
  const auto elf = link("noreturn",
                        fn("reset", "  push {r4, lr}\n  bl check\n  pop {r4, pc}") +
                            fn("check",
                               "  push {r4, lr}\n  cbz r0, 1f\n  cbz r1, 2f\n  pop {r4, pc}\n1:\n  bl trap\n"
                               "2:\n  bl stop\n  .word 0xDEADBEEF") +
                            fn("stop", "  b.w trap") + fn("trap", "  wfi\n  b trap") + kDefault,
                        kResetOnly);
  StackReport r = analyze(elf);
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 16u);
}

TEST(StackOracle, CodeItCannotFollowIsUnbounded) {
  struct Case {
    const char* name;
    std::string code, why;
  } cases[] = {
      {"dynamic", "  push {r4, lr}\n  sub sp, sp, r0\n  pop {r4, pc}", "the SP changes by an amount not known"},
      {"join", "  push {r4, lr}\n  cbz r0, 1f\n  push {r0}\n1:\n  pop {r4, pc}", "the SP differs where paths join"},
      {"unbalanced", "  push {r4, r5}\n  bx lr", "returns with 8 bytes of its frame still on the stack"},
      {"lr", "  mov lr, r0\n  bx lr", "returns through LR after LR was changed"},
      {"table", "  ldr r3, [r0]\n  mov pc, r3", ""},  // an indirect jump: every address-taken function (none)
  };
  for (const auto& c : cases) {
    const auto elf =
        link(std::string("bad-") + c.name,
             fn("reset", "  push {r4, lr}\n  bl odd\n  pop {r4, pc}") + fn("odd", c.code) + kDefault, kResetOnly);
    StackReport r = analyze(elf);
    if (c.why.empty()) {
      EXPECT_TRUE(r.bounded) << c.name << ": " << joined(r.unbounded);
      continue;
    }
    EXPECT_FALSE(r.bounded) << c.name;
    EXPECT_NE(joined(r.unbounded).find("odd: " + c.why), std::string::npos) << c.name << ": " << joined(r.unbounded);
  }
}

TEST(StackOracle, ABoundOnARuntimeHelperReplacesItsCode) {
  // A helper of unknown depth (say, from libgcc) bounded by the manifest.
  const auto elf =
      link("helper",
           fn("reset", "  push {r4, lr}\n  bl __aeabi_thing\n  pop {r4, pc}") +
               fn("__aeabi_thing", "  push {r4, lr}\n  sub sp, sp, r0\n  mov sp, r4\n  pop {r4, pc}") + kDefault,
           kResetOnly);
  EXPECT_FALSE(analyze(elf).bounded);
  StackReport r = analyze(elf, small_chip(), {{"__aeabi_thing", 72}});
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  EXPECT_EQ(r.thread_bytes, 8u + 72u);
  StackInput in;
  in.elf = elf;
  in.bounds = {{"__aeabi_thinng", 72}};
  auto typo = analyze_stack(in, small_chip());
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("'__aeabi_thinng' names no function of the image"), std::string::npos);
}

TEST(StackOracle, ABoundOnANameTwoComponentsShareMustSayWhose) {
  // Two objects, each with a static function of one name; only one recursive.
  auto local = [](const std::string& name, const std::string& code) {
    return ".type " + name + ", %function\n.thumb_func\n" + name + ":\n" + code + "\n.size " + name + ", . - " + name +
           "\n";
  };
  const auto elf =
      link("qualified",
           fn("reset", "  push {r4, lr}\n  bl a_entry\n  bl b_entry\n  pop {r4, pc}") + fn("a_entry", "  b.w wasm_f1") +
               local("wasm_f1", "  push {r4, lr}\n  bl wasm_f1\n  pop {r4, pc}") + kDefault,
           kResetOnly,
           fn("b_entry", "  b.w wasm_f1") +
               local("wasm_f1", "  push {r4-r11, lr}\n  sub sp, #200\n  add sp, #200\n  pop {r4-r11, pc}"));
  auto img = image::read_elf(elf);
  ASSERT_TRUE(img);
  StackInput in;
  in.elf = elf;
  in.owners = {{img->find("a_entry")->addr, img->find("b_entry")->addr, "drv@a"},
               {img->find("b_entry")->addr, 0x08010000, "drv@b"}};
  in.bounds = {{"wasm_f1", 100}};
  auto r = analyze_stack(in, small_chip());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'wasm_f1' names functions of drv@a, drv@b: give it as \"INSTANCE:name\""),
            std::string::npos)
      << r.error().message;
  in.bounds = {{"a:wasm_f1", 100}};
  r = analyze_stack(in, small_chip());
  ASSERT_TRUE(r) << r.error().str();
  ASSERT_TRUE(r->bounded) << joined(r->unbounded);
  EXPECT_EQ(r->thread_bytes, 8u + 236u);  // b's wasm_f1 (236 B) is deeper than a's bound
  in.bounds = {{"drv@a:wasm_f1", 300}};
  r = analyze_stack(in, small_chip());
  ASSERT_TRUE(r && r->bounded);
  EXPECT_EQ(r->thread_bytes, 8u + 300u);
  in.bounds = {{"c:wasm_f1", 300}};
  r = analyze_stack(in, small_chip());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'c:wasm_f1' names no function"), std::string::npos) << r.error().message;
}

// A dissolved driver's own functions are never bounded by the manifest: the
// entry is refused where it stands; a trusted native function's bound stays.
TEST(StackOracle, ABoundOnADissolvedFunctionIsRefused) {
  const auto elf = link("dissolved-bound",
                        fn("reset", "  push {r4, lr}\n  bl console_gust_f3\n  bl helper\n  pop {r4, pc}") +
                            fn("helper", "  push {r4, lr}\n  bl helper\n  pop {r4, pc}") + kDefault,
                        kResetOnly, fn("console_gust_f3", "  push {r4, lr}\n  bl console_gust_f3\n  pop {r4, pc}"));
  auto img = image::read_elf(elf);
  ASSERT_TRUE(img);
  StackInput in;
  in.elf = elf;
  in.owners = {{img->find("console_gust_f3")->addr, img->find("console_gust_f3")->addr + 8, "drv@console", true}};
  in.bounds = {{"console_gust_f3", 64}, {"helper", 40}};
  in.bound_where = {{"console_gust_f3", "node.toml:7:19"}};
  auto r = analyze_stack(in, small_chip());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "node.toml:7:19");
  EXPECT_NE(r.error().message.find("'console_gust_f3' bounds console_gust_f3, a function of driver instance 'console'"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("nothing on the device checks"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("Remove the entry"), std::string::npos) << r.error().message;
  // Without it: the driver's recursion is unbounded, and the message says
  // to change the code, not to bound it; the native helper's bound holds.
  in.bounds = {{"helper", 40}};
  in.source_names = {{"console_gust_f3", "(anonymous namespace)::put_decimal(unsigned int)"}};
  r = analyze_stack(in, small_chip());
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_FALSE(r->bounded);
  const std::string why = joined(r->unbounded);
  EXPECT_NE(why.find("recursion through console_gust_f3: console_gust_f3 -> console_gust_f3"), std::string::npos)
      << why;
  EXPECT_NE(why.find("console_gust_f3 ((anonymous namespace)::put_decimal(unsigned int)) is code of driver instance "
                     "'console', which gust takes no [stack_bounds] for"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("make the recursion a loop"), std::string::npos) << why;
  // A native recursion's message gives the entry to write.
  in.bounds = {};
  in.owners = {};
  r = analyze_stack(in, small_chip());
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_NE(joined(r->unbounded)
                .find("helper is trusted native code (other): bound its whole worst-case depth, "
                      "callees included, in the manifest:\n      [stack_bounds]\n      helper = BYTES"),
            std::string::npos)
      << joined(r->unbounded);
}

TEST(StackOracle, ABoundOfZeroOrOnNothingIsRefusedWhereItStands) {
  const auto elf = link("zero-bound",
                        fn("reset", "  push {r4, lr}\n  bl console_uart_rx\n  pop {r4, pc}") +
                            fn("console_uart_rx", "  push {r4, lr}\n  pop {r4, pc}") + kDefault,
                        kResetOnly);
  StackInput in;
  in.elf = elf;
  in.bounds = {{"console_uart_rx", 0}};
  in.bound_where = {{"console_uart_rx", "n.toml:4:19"}, {"uart_rx", "n.toml:5:11"}};
  auto r = analyze_stack(in, small_chip());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "n.toml:4:19");
  EXPECT_NE(r.error().message.find("'console_uart_rx' = 0"), std::string::npos) << r.error().message;
  // Without the instance prefix, the name matches nothing: the message says what does.
  in.bounds = {{"uart_rx", 64}};
  r = analyze_stack(in, small_chip());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "n.toml:5:11");
  EXPECT_NE(r.error().message.find("'uart_rx' names no function of the image (the image has console_uart_rx)"),
            std::string::npos)
      << r.error().message;
}

// IRQ 0 at level 1 (deep handler), IRQ 1 at level 0 (shallow), set up first thing.
std::string priority_image(const std::string& setup_stores,
                           const std::string& reset_prefix = "  bl gust_priorities_init\n") {
  return fn("reset", "  push {r4, lr}\n" + reset_prefix + "  pop {r4, pc}") +
         fn("gust_priorities_init", "  ldr r3, =0xE000E400\n" + setup_stores + "  bx lr\n.ltorg") +
         fn("irq0", "  push {r4-r7, lr}\n  sub sp, #44\n  add sp, #44\n  pop {r4-r7, pc}") +
         fn("irq1", "  push {r4, lr}\n  pop {r4, pc}") + kDefault;
}
const std::map<int, std::string> kIrqSlots = {{1, "reset"}, {2, "fault"}, {3, "fault"}, {16, "irq0"}, {17, "irq1"}};
const std::string kDeclaredStores = "  movs r2, #16\n  strb r2, [r3, #0]\n  movs r2, #0\n  strb r2, [r3, #1]\n";

TEST(StackOracle, InterruptsNestByDeclaredLevel) {
  const auto elf = link("levels", priority_image(kDeclaredStores), kIrqSlots);
  StackReport r = analyze(elf, small_chip(), {}, {{0, 1}, {1, 0}});
  ASSERT_TRUE(r.bounded) << joined(r.unbounded);
  // thread 8; NMI, HardFault; level 0: irq1 (8); level 1: irq0 (64).
  EXPECT_EQ(r.total, 8u + kFaultLevels + (36 + 8) + (36 + 64));
  ASSERT_EQ(r.levels.size(), 4u);
  EXPECT_EQ(r.levels[2].handler_name, "irq1");
  EXPECT_EQ(r.levels[3].handler_name, "irq0");
  // Both lines at the reset level: one level, the deeper handler.
  const auto flat = link("flat", priority_image(""), kIrqSlots);
  StackReport f = analyze(flat);
  ASSERT_TRUE(f.bounded) << joined(f.unbounded);
  EXPECT_EQ(f.total, 8u + kFaultLevels + (36 + 64));
}

TEST(StackOracle, PriorityWritesOutsideTheDeclaredSetUpAreRefused) {
  struct Case {
    const char* name;
    std::string image, why;
  } cases[] = {
      {"other-level", priority_image("  movs r2, #32\n  strb r2, [r3, #0]\n  movs r2, #0\n  strb r2, [r3, #1]\n"),
       "gust_priorities_init writes 0x00000020 to NVIC_IPR line 0, which the manifest does not declare"},
      {"missing-line", priority_image("  movs r2, #16\n  strb r2, [r3, #0]\n"), "does not set line 1"},
      {"late", priority_image(kDeclaredStores, "  bl irq1\n  bl gust_priorities_init\n"),
       "calls other code before gust_priorities_init"},
      {"elsewhere",
       priority_image(kDeclaredStores) + fn("rogue", "  movw r3, #0xE41C\n  movt r3, #0xE000\n  str r0, [r3]\n  bx lr"),
       "rogue makes the address 0xe000e41c of NVIC_IPR"},
      {"via-base",
       priority_image(kDeclaredStores) + fn("rogue", "  mov.w r3, #0xE000E000\n  strb r0, [r3, #0x401]\n  bx lr"),
       "rogue writes NVIC_IPR at 0xe000e401"},
      {"prigroup",
       priority_image(kDeclaredStores) + fn("rogue", "  ldr r3, =0xE000ED00\n  str r0, [r3, #12]\n  bx lr\n.ltorg"),
       "rogue writes SCB_AIRCR at 0xe000ed0c"},
      {"basepri", priority_image(kDeclaredStores) + fn("rogue", "  msr basepri, r0\n  bx lr"), "rogue writes BASEPRI"},
  };
  for (const auto& c : cases) {
    const auto elf = link(std::string("prio-") + c.name, c.image, kIrqSlots);
    StackInput in;
    in.elf = elf;
    in.priorities = {{0, 1}, {1, 0}};
    auto r = analyze_stack(in, small_chip());
    ASSERT_FALSE(r) << c.name;
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << c.name << ": " << r.error().message;
  }
}

TEST(StackOracle, AResetThroughAircrMayKeepPrigroup) {
  // on_trap = "reset": VECTKEY | (AIRCR & PRIGROUP) | SYSRESETREQ, as gcc compiles it.
  const std::string keep =
      "  mov.w r1, #0xE000E000\n  ldr.w r2, [r1, #0xD0C]\n  ldr r3, =0x05FA0004\n  and r2, r2, #0x700\n"
      "  orrs r3, r2\n  str.w r3, [r1, #0xD0C]\n1:\n  b 1b\n.ltorg";
  const std::string set = "  ldr r1, =0xE000ED00\n  ldr r3, =0x05FA0304\n  str r3, [r1, #12]\n1:\n  b 1b\n.ltorg";
  for (const auto& [code, ok] : {std::pair{keep, true}, std::pair{set, false}}) {
    const auto elf =
        link(ok ? "aircr-keep" : "aircr-set", priority_image(kDeclaredStores) + fn("trap_reset", code), kIrqSlots);
    StackInput in;
    in.elf = elf;
    in.priorities = {{0, 1}, {1, 0}};
    auto r = analyze_stack(in, small_chip());
    EXPECT_EQ(bool(r), ok) << (r ? "" : r.error().message);
    if (!ok && !r)
      EXPECT_NE(r.error().message.find("trap_reset writes SCB_AIRCR at 0xe000ed0c"), std::string::npos)
          << r.error().message;
  }
}

TEST(StackPriorities, ManifestLevelsResolveAgainstTheChip) {
  const fs::path dir = scratch("stack-priorities");
  auto chip = compose::load_chip(source_root() / "chips" / "stm32f100rb.toml");
  ASSERT_TRUE(chip) << chip.error().str();
  EXPECT_TRUE(chip->stkalign);
  EXPECT_EQ(chip->priority_bits, 4u);
  auto node_with = [&](const std::string& table) {
    std::ofstream(dir / "n.toml") << "name = \"p\"\nchip = \"stm32f100rb\"\napp = \"" << source_root().string()
                                  << "/firmware/stm32f100/app_uart_echo.c\"\n[priorities]\n"
                                  << table << "\n[[driver]]\ninstance = \"console\"\nsource = \""
                                  << source_root().string()
                                  << "/drivers/uart-thin/uart.cpp\"\nperipheral = \"usart1\"\n";
    return compose::load_node(dir / "n.toml");
  };
  auto good = node_with("usart1 = 3\n38 = 1");
  ASSERT_TRUE(good) << good.error().str();
  auto levels = compose::priority_levels(*good, *chip);
  ASSERT_TRUE(levels) << levels.error().str();
  EXPECT_EQ(*levels, (std::map<uint32_t, uint32_t>{{37, 3}, {38, 1}}));
  const std::string setup = compose::priority_setup_source(*levels, *chip);
  EXPECT_NE(setup.find("0xE000E425u = 48u"), std::string::npos) << setup;
  EXPECT_NE(setup.find("0xE000E426u = 16u"), std::string::npos) << setup;

  struct Case {
    std::string table, why;
  } cases[] = {
      {"usart1 = 16", "priority level 16 of 'usart1': chip stm32f100rb implements levels 0 to 15"},
      {"uart9 = 1", "'uart9' is neither a peripheral of chip stm32f100rb nor an NVIC line number"},
      {"systick = 1", "peripheral 'systick' has no NVIC line"},
      {"61 = 1", "NVIC line 61: chip stm32f100rb has lines 0 to 60"},
      {"usart1 = 1\n37 = 2", "NVIC line 37 is given two levels (1 and 2)"},
  };
  for (const auto& c : cases) {
    auto n = node_with(c.table);
    ASSERT_TRUE(n) << n.error().str();
    auto r = compose::priority_levels(*n, *chip);
    ASSERT_FALSE(r) << c.table;
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
    // Located at the entry: the manifest's file, line 5 or 6 (after the [priorities] header).
    EXPECT_TRUE(std::regex_search(r.error().where, std::regex("n\\.toml:[56]:\\d+$"))) << r.error().where;
  }
  // No driver may hold a window over the priority registers.
  compose::Chip scs = *chip;
  scs.peripherals["scs"] = {"scs", 0xE000E000, 0x1000, {}, {}, std::nullopt};
  auto granted = *good;
  granted.drivers[0].peripheral = "scs";
  auto refused = compose::priority_levels(granted, scs);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("peripheral 'scs' of chip stm32f100rb spans NVIC_IPR"), std::string::npos)
      << refused.error().message;

  auto bad = node_with("usart1 = \"high\"");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().where.find("n.toml:5:"), std::string::npos) << bad.error().str();
}

}  // namespace
}  // namespace gust::test
