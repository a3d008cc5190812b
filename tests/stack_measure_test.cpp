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

// The hostile driver with one shape; the virtual shapes' vtables are data
// in the region, which gust sizes from the code (no `memory`).
std::string hostile_node(const std::string& name, const std::string& shape, const std::string& bounds = "") {
  const bool sized = shape.rfind("V", 0) != 0;
  return "name = \"" + name + "\"\nchip = \"stm32f100rb\"\napp = \"" + root() +
         "/firmware/stm32f100/app_uart_echo.c\"\nbanner = \"gust-" + name + "\"\n" +
         (bounds.empty() ? "" : "[stack_bounds]\n" + bounds + "\n") +
         "\n[[driver]]\ninstance = \"console\"\nsource = \"" + root() +
         "/tests/stack_drivers/uart_hostile.cpp\"\nperipheral = \"usart1\"\n" + (sized ? "memory = 16\n" : "") +
         "defines = [\"STACK_" + shape + "\"]\n";
}

// The oracle on a built image by the old rule: every indirect call may reach
// every address-taken function.
Result<compose::StackReport> all_targets(const Built& b) {
  auto chip = compose::load_chip(source_root() / "chips" / "stm32f100rb.toml");
  if (!chip) return chip.error();
  compose::StackInput in;
  in.elf = b.report.elf;
  in.by_signature = false;
  return compose::analyze_stack(in, *chip);
}

// The dissolved functions on a worst path after `from`.
size_t driver_steps_after(const std::vector<std::string>& path, const std::string& from) {
  auto it = std::find(path.begin(), path.end(), from);
  size_t n = 0;
  for (; it != path.end(); ++it)
    if (it->rfind("console_gust_f", 0) == 0) ++n;
  return n;
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
// is refused naming the cycle; a [stack_bounds] entry on the function is
// refused too, naming the entry: the driver's own code is never bounded by
// the manifest's word (nothing on the device would hold it to it).
TEST(StackMeasure, RecursiveDriversAreRefusedBoundOrNot) {
  for (const char* shape : {"SELF", "MUTUAL"}) {
    auto refused = build(std::string("refused-") + shape, hostile_node(std::string("refused-") + shape, shape));
    ASSERT_FALSE(refused) << shape << " was accepted";
    std::smatch match;
    const std::string why = refused.error().message;
    ASSERT_TRUE(std::regex_search(why, match, std::regex("recursion through (\\S+): (\\S+) -> \\1"))) << why;
    const std::string fn = match[1];
    EXPECT_EQ(match[2], fn) << "the cycle is one function calling itself: " << why;
    EXPECT_EQ(fn.rfind("console_", 0), 0u) << "the driver's own function: " << why;
    EXPECT_NE(why.find("code of driver instance 'console', which gust takes no [stack_bounds] for"), std::string::npos)
        << why;
    EXPECT_EQ(why.find("= BYTES"), std::string::npos) << "no bound to write for a driver's code: " << why;

    auto bounded =
        build(std::string("bounded-") + shape, hostile_node(std::string("bounded-") + shape, shape, fn + " = 1000"));
    ASSERT_FALSE(bounded) << shape << " was accepted with a bound on its own function";
    const std::string e = bounded.error().str();
    // The entry is line 6 of the manifest (hostile_node): name, chip, app, banner, [stack_bounds].
    EXPECT_NE(bounded.error().where.find("bounded-" + std::string(shape) + ".toml:6:"), std::string::npos) << e;
    EXPECT_NE(e.find("[stack_bounds] '" + fn + "' bounds " + fn + ", a function of driver instance 'console'"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find("nothing on the device checks"), std::string::npos) << e;
  }
}

// A table of function pointers: every function of the call's signature in
// the table (here both writers; the image's call_indirect descriptors say
// which) is a target of the call.
TEST(StackMeasure, CallsThroughATableReachTheFunctionsOfTheirSignature) {
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

// A virtual call reaches the table's functions of its signature only: the
// worst case follows the deeper of the two writers, not the much deeper
// function of another signature that the table also holds, and QEMU's
// measured depth stays within it.
TEST(StackMeasure, AVirtualCallReachesOnlyTheFunctionsOfItsSignature) {
  NEED_QEMU();
  auto b = build("virtual", hostile_node("virtual", "VIRTUAL"));
  ASSERT_TRUE(b) << b.error().str();
  auto all = all_targets(*b);
  ASSERT_TRUE(all) << all.error().str();
  ASSERT_TRUE(all->bounded);
  std::cout << "      virtual: by signature " << b->stack.total << " B, every address-taken function " << all->total
            << " B\n";
  EXPECT_EQ(b->stack.total, b->report.stack_bytes);
  EXPECT_LT(b->stack.total + 32, all->total) << "the deep function of the other signature must not count";
  // By signature: tx_byte, the deeper writer and mix4 (two of the driver's
  // functions after the export); by the old rule, deep and its chain of four.
  const auto& path = b->report.stack_path;
  ASSERT_NE(std::find(path.begin(), path.end(), "console_uart_tx_byte"), path.end());
  EXPECT_EQ(driver_steps_after(path, "console_uart_tx_byte"), 2u);
  EXPECT_GE(driver_steps_after(all->path, "console_uart_tx_byte"), 5u);
  MeasureOptions mo;
  mo.lines = {37};
  mo.send = mo.expect = "ab";  // 'a' (odd) through the deeper writer, 'b' through the plain one
  measure(*b, mo);
}

// With signatures, a cycle is one through functions of the call's own
// signature: refused, naming it; a cycle only the old rule saw builds.
TEST(StackMeasure, AVirtualCycleIsOneThroughItsOwnSignature) {
  auto cyclic = build("vcycle", hostile_node("vcycle", "VCYCLE"));
  ASSERT_FALSE(cyclic) << "a writer that calls itself through the interface was accepted";
  EXPECT_TRUE(std::regex_search(cyclic.error().message, std::regex("recursion[^\\n]*console_gust_f\\d+|function \\d+")))
      << cyclic.error().str();
  auto b = build("vsig", hostile_node("vsig", "VSIG"));
  ASSERT_TRUE(b) << b.error().str();
  auto all = all_targets(*b);
  ASSERT_TRUE(all) << all.error().str();
  EXPECT_FALSE(all->bounded) << "under the old rule, deep reaches itself";
  std::string why;
  for (const auto& u : all->unbounded) why += u + "\n";
  EXPECT_NE(why.find("recursion through"), std::string::npos) << why;
  if (!have_qemu()) GTEST_SKIP() << "qemu-system-arm is not installed: the paint-and-measure check needs it";
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
