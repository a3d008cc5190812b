// The stack oracle against QEMU: every image's measured peak (SRAM painted,
// interrupts pended at the deepest points, see stack_qemu.h) stays within the
// worst case `gust build` reports, for the three nodes, for nested priorities,
// for a frame that needs the STKALIGN pad, and for drivers shaped like the
// ones that escaped the old oracle (tests/stack_drivers/uart_hostile.cpp),
// which are now refused unless the manifest bounds them.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <regex>

#include "compose/compose.h"
#include "stack_qemu.h"
#include "support.h"

namespace gust::test {
namespace {

bool have_qemu() { return compose::run_tool({compose::tool("GUST_QEMU", "qemu-system-arm"), "--version"}).status == 0; }

#define NEED_QEMU() \
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-arm is not installed: the paint-and-measure check needs it"

struct Built {
  compose::Report report;
  compose::StackReport stack;  // the oracle's details for the same image
  fs::path dir;
};

// Builds a manifest given as text (paths absolute) into its own folder.
Result<Built> build(const std::string& name, const std::string& manifest) {
  Built b;
  b.dir = scratch("stack-measure-" + name);
  const fs::path file = b.dir / (name + ".toml");
  std::ofstream(file) << manifest;
  auto node = compose::load_node(file);
  if (!node) return node.error();
  compose::BuildOptions opts;
  opts.out_root = b.dir / "out";
  auto rep = compose::build(*node, opts);
  if (!rep) return rep.error();
  b.report = *rep;
  auto chip = compose::load_chip(source_root() / "chips" / (node->chip + ".toml"));
  if (!chip) return chip.error();
  auto levels = compose::priority_levels(*node, *chip);
  if (!levels) return levels.error();
  compose::StackInput in;
  in.elf = rep->elf;
  in.bounds = node->stack_bounds;
  in.priorities = *levels;
  auto st = compose::analyze_stack(in, *chip);
  if (!st) return st.error();
  b.stack = *st;
  return b;
}

std::string root() { return source_root().string(); }

std::string thin_node(const std::string& name, const std::string& extra = "", const std::string& app = "") {
  return "name = \"" + name + "\"\nchip = \"stm32f100rb\"\napp = \"" +
         (app.empty() ? root() + "/firmware/stm32f100/app_uart_echo.c" : app) + "\"\nbanner = \"gust-" + name + "\"\n" +
         extra + "\n[[driver]]\ninstance = \"console\"\nsource = \"" + root() +
         "/drivers/uart-thin/uart.cpp\"\nperipheral = \"usart1\"\n";
}

std::string hostile_node(const std::string& name, const std::string& shape, const std::string& bounds = "") {
  return "name = \"" + name + "\"\nchip = \"stm32f100rb\"\napp = \"" + root() +
         "/firmware/stm32f100/app_uart_echo.c\"\nbanner = \"gust-" + name + "\"\n" +
         (bounds.empty() ? "" : "[stack_bounds]\n" + bounds + "\n") +
         "\n[[driver]]\ninstance = \"console\"\nsource = \"" + root() +
         "/tests/stack_drivers/uart_hostile.cpp\"\nperipheral = \"usart1\"\nmemory = 16\ndefines = [\"STACK_" + shape +
         "\"]\n";
}

Measurement measure(const Built& b, const MeasureOptions& opts) {
  auto m = measure_in_qemu(b.report.elf, opts);
  EXPECT_TRUE(m) << m.error().str();
  if (!m) return {};
  std::cout << "      " << b.report.node << ": measured " << m->peak << " B (lowest SP " << m->sp_peak
            << " B), reported " << b.report.stack_bytes << " B; " << m->injected << " interrupts pended at new depths, "
            << m->steps << " steps\n";
  EXPECT_LE(m->peak, b.report.stack_bytes) << b.report.node << " went deeper than its reported worst case";
  EXPECT_GE(m->peak, m->sp_peak) << "the paint must show at least what the SP showed";
  return *m;
}

// objdump's disassembly of one function: the lines between its label and the next blank line.
std::string disassembly(const fs::path& elf, const std::string& fn) {
  auto r = compose::run_tool({"arm-none-eabi-objdump", "-d", elf.string()});
  const size_t at = r.output.find("<" + fn + ">:\n");
  if (at == std::string::npos) return "";
  return r.output.substr(at, r.output.find("\n\n", at) - at);
}

TEST(StackMeasure, TheThreeNodesStayWithinTheirReportedWorstCase) {
  NEED_QEMU();
  for (const char* seam : {"thin", "mid", "fat"}) {
    auto node = compose::load_node(source_root() / "nodes" / (std::string("f100-uart-") + seam + ".toml"));
    ASSERT_TRUE(node) << node.error().str();
    compose::BuildOptions opts;
    opts.out_root = scratch(std::string("stack-measure-") + seam);
    auto rep = compose::build(*node, opts);
    ASSERT_TRUE(rep) << rep.error().str();
    Built b;
    b.report = *rep;
    MeasureOptions mo;
    mo.send = mo.expect = "ab";
    // The mid seam grants no interrupt line: its USART1 vector is the default handler.
    if (std::string(seam) != "mid") mo.lines = {37};
    Measurement m = measure(b, mo);
    EXPECT_NE(m.serial.find(std::string("gust-uart-") + seam), std::string::npos) << m.serial;
    EXPECT_NE(m.serial.find("ab"), std::string::npos) << "no echo: " << m.serial;
    if (!mo.lines.empty()) EXPECT_GT(m.injected, 0u);
  }
}

// Two lines at two levels nest in QEMU, and the oracle sums them; at one
// level they do not nest.
TEST(StackMeasure, InterruptsAtTwoLevelsNestAndAreSummed) {
  NEED_QEMU();
  const std::string aux = "\n[[driver]]\ninstance = \"aux\"\nsource = \"" + root() +
                          "/drivers/uart-thin/uart.cpp\"\nperipheral = \"usart2\"\n";
  auto nested = build("nested", thin_node("nested", "[priorities]\nusart1 = 1\nusart2 = 0\n") + aux);
  ASSERT_TRUE(nested) << nested.error().str();
  ASSERT_EQ(nested->stack.total, nested->report.stack_bytes);
  MeasureOptions mo;
  mo.lines = {37, 38};  // usart1 at level 1 first, then usart2 (level 0) inside its handler
  Measurement m = measure(*nested, mo);
  EXPECT_EQ(m.max_nesting, 2u);
  // The old model: the thread plus one 32-byte frame and the deepest handler.
  uint64_t one_level = 0;
  for (const auto& l : nested->stack.levels) one_level = std::max(one_level, l.handler);
  EXPECT_GT(m.peak, nested->stack.thread_bytes + 32 + one_level);

  auto flat = build("flat", thin_node("flat") + aux);
  ASSERT_TRUE(flat) << flat.error().str();
  Measurement f = measure(*flat, mo);
  EXPECT_EQ(f.max_nesting, 1u) << "at one level, usart2 must wait for usart1's handler";
  EXPECT_GT(m.peak, f.peak);
}

TEST(StackMeasure, TheExceptionFrameIsRealignedTo8Bytes) {
  NEED_QEMU();
  auto chip = compose::load_chip(source_root() / "chips" / "stm32f100rb.toml");
  ASSERT_TRUE(chip) << chip.error().str();
  auto b = build("odd", thin_node("odd", "", root() + "/tests/stack_fixtures/app_odd_push.c"));
  ASSERT_TRUE(b) << b.error().str();
  EXPECT_EQ(b->stack.frames["odd_frame"], 36u);
  MeasureOptions mo;
  mo.lines = {37};
  Measurement m = measure(*b, mo);
  EXPECT_TRUE(m.misaligned_entry);
  ASSERT_FALSE(m.frames.empty());
  EXPECT_EQ(*m.frames.rbegin(), chip->exception_frame + (chip->stkalign ? 4 : 0))
      << "QEMU's frame at SP % 8 == 4 is what the chip says";
  EXPECT_TRUE(m.frames.count(36));
  // A 32-byte frame model (and no fault levels) would be short here.
  EXPECT_GT(m.peak, b->stack.thread_bytes + 32);
}

// Self-recursion and inliner-folded mutual recursion: a BL to the function's
// own start, resolved by the assembler inside its section (no relocation),
// is refused until the manifest bounds it; the bounded image measures within.
TEST(StackMeasure, RecursiveDriversAreRefusedUnlessBounded) {
  NEED_QEMU();
  for (const char* shape : {"SELF", "MUTUAL"}) {
    auto refused = build(std::string("refused-") + shape, hostile_node(std::string("refused-") + shape, shape));
    ASSERT_FALSE(refused) << shape << " was accepted";
    std::smatch match;
    const std::string why = refused.error().message;
    ASSERT_TRUE(std::regex_search(why, match, std::regex("recursion through (\\S+): (\\S+) -> \\1"))) << why;
    const std::string fn = match[1];
    EXPECT_EQ(match[2], fn) << "the cycle is one function calling itself: " << why;

    // A provisional bound to see the image, then the real one: at most ten
    // digits (or eight levels), each the function's own frame, and the
    // deepest callee below the last.
    auto seen = build(std::string("seen-") + shape, hostile_node(std::string("seen-") + shape, shape, fn + " = 1000"));
    ASSERT_TRUE(seen) << seen.error().str();
    const std::string code = disassembly(seen->report.elf, fn);
    EXPECT_TRUE(std::regex_search(code, std::regex("\\sbl\\s+[0-9a-f]+ <" + fn + ">"))) << code;
    // The old oracle's blind spot: the function's own relocations do not name it.
    auto relocs =
        compose::run_tool({"arm-none-eabi-readelf", "-r", (seen->report.elf.parent_path() / "console.o").string()});
    const size_t own = relocs.output.find("'.rel.text." + fn + "'");
    const std::string own_relocs =
        own == std::string::npos ? "" : relocs.output.substr(own, relocs.output.find("\n\n", own) - own);
    EXPECT_EQ(own_relocs.find(" " + fn), std::string::npos) << "a relocation for the self-call:\n" << own_relocs;
    const uint64_t frame = seen->stack.frames[fn];
    ASSERT_GT(frame, 0u);
    const uint64_t bound = 10 * frame + 64;
    auto bounded = build(std::string("bounded-") + shape,
                         hostile_node(std::string("bounded-") + shape, shape, fn + " = " + std::to_string(bound)));
    ASSERT_TRUE(bounded) << bounded.error().str();
    MeasureOptions mo;
    mo.lines = {37};
    mo.send = "#ab";  // '#' runs the recursion
    mo.expect = "ab";
    Measurement m = measure(*bounded, mo);
    EXPECT_GT(m.injected, 0u);
    // The recursion ran: the count in digits, or the parity letters.
    EXPECT_TRUE(std::regex_search(m.serial, std::regex(std::string(shape) == "SELF" ? "\\d+ab" : "[eo]{2,}ab")))
        << m.serial;
  }
}

// A table of function pointers: every function whose address the image
// holds (here, in call_indirect's descriptors) is a target of the call.
TEST(StackMeasure, CallsThroughATableReachEveryAddressTakenFunction) {
  NEED_QEMU();
  auto b = build("table", hostile_node("table", "TABLE"));
  ASSERT_TRUE(b) << b.error().str();
  const std::string code = disassembly(b->report.elf, "console_uart_init");
  EXPECT_TRUE(std::regex_search(code, std::regex("\\sbl?x\\s+r\\d"))) << code;
  EXPECT_FALSE(std::regex_search(code, std::regex("\\sb(l|\\.w)\\s+[0-9a-f]+ <console_gust_f"))) << code;
  // The deeper writer (set_cr1, with a frame) is on the worst path, reached
  // only through the table.
  const auto& path = b->report.stack_path;
  auto init = std::find(path.begin(), path.end(), "console_uart_init");
  ASSERT_NE(init, path.end());
  ASSERT_GE(path.end() - init, 3);
  EXPECT_EQ(init[1].rfind("console_gust_f", 0), 0u) << init[1];  // an internal function of the instance
  EXPECT_GT(b->stack.frames[init[1]], 0u) << init[1];
  EXPECT_EQ(init[2], "console_gust_hal_mmio__write32");
  MeasureOptions mo;
  mo.lines = {37};
  mo.send = mo.expect = "ab";
  measure(*b, mo);
}

// Four calls to one import in a block: LLVM loads its address once and calls
// through the register. The only edge from uart_init to the bridge is that
// BLX, and the oracle follows it.
TEST(StackMeasure, RepeatedCallsThroughARegisterAreFollowed) {
  NEED_QEMU();
  auto b = build("blx", hostile_node("blx", "BLX"));
  ASSERT_TRUE(b) << b.error().str();
  const std::string code = disassembly(b->report.elf, "console_uart_init");
  EXPECT_TRUE(std::regex_search(code, std::regex("\\sblx\\s+r\\d"))) << code;
  EXPECT_FALSE(std::regex_search(code, std::regex("\\sbl\\s+[0-9a-f]+ <console_gust_hal_mmio__write32>"))) << code;
  const auto& path = b->report.stack_path;
  auto init = std::find(path.begin(), path.end(), "console_uart_init");
  ASSERT_NE(init, path.end());
  ASSERT_NE(init + 1, path.end());
  EXPECT_EQ(*(init + 1), "console_gust_hal_mmio__write32");
  MeasureOptions mo;
  mo.lines = {37};
  mo.send = mo.expect = "ab";
  measure(*b, mo);
}

// libgcc's frames come from its own code, and a bound on a helper stands.
TEST(StackMeasure, RuntimeHelpersAreMeasuredOrBounded) {
  NEED_QEMU();
  auto b = build("helper", hostile_node("helper", "HELPER"));
  ASSERT_TRUE(b) << b.error().str();
  const auto& path = b->report.stack_path;
  ASSERT_NE(std::find(path.begin(), path.end(), "__udivmoddi4"), path.end());
  EXPECT_EQ(b->stack.frames["__udivmoddi4"], 32u);  // stmdb sp!, {r4-r10, lr}
  const uint64_t helper = b->stack.frames["__aeabi_uldivmod"] + b->stack.frames["__udivmoddi4"];
  MeasureOptions mo;
  mo.lines = {37};
  measure(*b, mo);

  auto bounded = build("helper-bound", hostile_node("helper-bound", "HELPER", "__aeabi_uldivmod = 400"));
  ASSERT_TRUE(bounded) << bounded.error().str();
  EXPECT_EQ(bounded->report.stack_bytes, b->report.stack_bytes - helper + 400);
  const auto& bpath = bounded->report.stack_path;
  EXPECT_NE(std::find(bpath.begin(), bpath.end(), "__aeabi_uldivmod [bound 400 B]"), bpath.end());
  EXPECT_EQ(std::find(bpath.begin(), bpath.end(), "__udivmoddi4"), bpath.end());
}

// The frames read from the code agree with the compilers' own accounts:
// gcc's -fstack-usage for the native parts, LLVM's .stack_sizes for the
// dissolved code.
TEST(StackMeasure, FramesFromTheCodeMatchTheCompilersAccounts) {
  auto b = build("frames", thin_node("frames"));
  ASSERT_TRUE(b) << b.error().str();
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(b->report.elf.parent_path())) {
    if (entry.path().extension() != ".su") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, std::regex(":([A-Za-z_0-9]+)\\t(\\d+)\\tstatic"))) continue;
      if (!b->stack.frames.count(m[1])) continue;  // dropped by the linker
      EXPECT_EQ(b->stack.frames[m[1]], std::stoull(m[2])) << m[1];
      ++checked;
    }
  }
  auto sizes =
      compose::run_tool({"llvm-readelf-19", "--stack-sizes", (b->report.elf.parent_path() / "console.o").string()});
  if (sizes.status == 0) {
    std::istringstream in(sizes.output);
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, std::regex("^\\s+(\\d+)\\s+(\\S+)$")) || !b->stack.frames.count(m[2])) continue;
      EXPECT_EQ(b->stack.frames[m[2]], std::stoull(m[1])) << m[2];
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);
}

}  // namespace
}  // namespace gust::test
