// gust audit on fused objects (the app and its drivers dissolved into one
// object): hand-written Thumb assembly in one object whose FILE symbol is
// "gust", holding functions and regions of three instances, app, console and
// timer, where the wiring lets the app call console's export only. After
// inlining, the app's code may reach console's region and functions, and no
// other's; console's may not reach the app's; outside a fused set declared
// by the build, one object with two instances is refused as before.
#include <gtest/gtest.h>

#include <fstream>

#include "audit/audit.h"
#include "base/tools.h"
#include "support.h"

namespace gust::audit {
namespace {

const char* kNative = R"(
  .syntax unified
  .cpu cortex-m3
  .thumb
  .file "native.c"
  .text
  .global gust_trap
  .type gust_trap, %function
gust_trap: b gust_trap
  .size gust_trap, .-gust_trap
  .global console_gust_hal_mmio__read32
  .type console_gust_hal_mmio__read32, %function
console_gust_hal_mmio__read32: ldr r0, [r0]
  bx lr
  .size console_gust_hal_mmio__read32, .-console_gust_hal_mmio__read32
  .global timer_gust_hal_mmio__read32
  .type timer_gust_hal_mmio__read32, %function
timer_gust_hal_mmio__read32: ldr r0, [r0]
  bx lr
  .size timer_gust_hal_mmio__read32, .-timer_gust_hal_mmio__read32
  .global main
  .type main, %function
main: bl app_run
  b main
  .size main, .-main
)";

// A bounded store of r2 at offset r0 into `region` (64 bytes), as the
// dissolver's checks make it.
std::string checked_store(const std::string& region) {
  return "  cmp r0, #60\n  bhi 9f\n  ldr r1, =" + region + "\n  str r2, [r1, r0]\n";
}

// One fused object: app_run's body (the app's export), console's internalised
// export console_uart_tx_byte and its region, timer's function and region,
// the app's region.
std::string fused_object(const std::string& app_body, const std::string& console_body = "bx lr") {
  return R"(
  .syntax unified
  .cpu cortex-m3
  .thumb
  .file "gust"
  .text
  .global app_run
  .type app_run, %function
app_run:
)" + app_body +
         R"(
9: bl gust_trap
  .ltorg
  .size app_run, .-app_run
  .type console_uart_tx_byte, %function
console_uart_tx_byte:
)" + console_body +
         R"(
8: bl gust_trap
  .ltorg
  .size console_uart_tx_byte, .-console_uart_tx_byte
  .global timer_tick
  .type timer_tick, %function
timer_tick: bx lr
  .size timer_tick, .-timer_tick
  .bss
  .type app_gust_memory, %object
app_gust_memory: .space 64
  .size app_gust_memory, 64
  .type console_gust_memory, %object
console_gust_memory: .space 64
  .size console_gust_memory, 64
  .type timer_gust_memory, %object
timer_gust_memory: .space 64
  .size timer_gust_memory, 64
)";
}

Result<Report> audit_fused(const std::string& name, const std::string& object, const Options& opts) {
  const fs::path dir = test::scratch("audit_fused_" + name);
  std::ofstream(dir / "native.s") << kNative;
  std::ofstream(dir / "fused.s") << object;
  std::ofstream(dir / "image.ld") << "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 128K\n"
                                     "         SRAM (rwx) : ORIGIN = 0x20000000, LENGTH = 8K }\n"
                                     "SECTIONS { .text : { *(.text .text.*) } > FLASH\n"
                                     "           .bss : { *(.bss .bss.*) } > SRAM }\n";
  const std::string as = base::tool("GUST_ARM_AS", "arm-none-eabi-as"),
                    ld = base::tool("GUST_ARM_LD", "arm-none-eabi-ld");
  for (const char* s : {"native", "fused"}) {
    auto r = base::run_tool({as, "-mcpu=cortex-m3", (dir / (std::string(s) + ".s")).string(), "-o",
                             (dir / (std::string(s) + ".o")).string()});
    if (r.status != 0) return Error::make(Error::Kind::Tool, r.output);
  }
  auto r = base::run_tool({ld, "-T", (dir / "image.ld").string(), "-e", "main", "--no-warn-rwx-segments",
                           (dir / "native.o").string(), (dir / "fused.o").string(), "-o", (dir / "image.elf").string()});
  if (r.status != 0) return Error::make(Error::Kind::Tool, r.output);
  return audit_file(dir / "image.elf", opts);
}

// The build's view: three instances in one fused object, the app wired to
// console's uart_tx_byte and to nothing of timer's.
Options wired() {
  Options o;
  o.expect = {"app", "console", "timer"};
  o.links["app"] = {"console_uart_tx_byte"};
  o.fused = {{"app", "console", "timer"}};
  return o;
}

bool has_violation(const Report& rep, const std::string& instance, const std::string& rule,
                   const std::string& detail_part) {
  for (const auto& v : rep.violations)
    if (v.instance == instance && v.rule == rule && v.detail.find(detail_part) != std::string::npos) return true;
  return false;
}

TEST(AuditFused, TheAppMayReachTheRegionsAndFunctionsOfWhatItIsWiredTo) {
  // Its own region, console's (an inlined uart_tx_byte), a call of console's
  // internal function and of console's bridge: all within what the wiring
  // lets it reach.
  auto rep = audit_fused("wired",
                         fused_object("  push {r4, lr}\n" + checked_store("app_gust_memory") +
                                      checked_store("console_gust_memory") +
                                      "  bl console_uart_tx_byte\n  bl console_gust_hal_mmio__read32\n  pop {r4, pc}"),
                         wired());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->text();
  ASSERT_EQ(rep->instances.size(), 3u) << rep->text();
  for (const auto& i : rep->instances) EXPECT_EQ(i.functions.size(), 1u) << i.name;
}

TEST(AuditFused, AStoreIntoARegionTheAppIsNotWiredToIsRefused) {
  auto rep = audit_fused("unwired_store", fused_object("  push {r4, lr}\n" + checked_store("timer_gust_memory") +
                                                       "  pop {r4, pc}"),
                         wired());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_FALSE(rep->ok());
  EXPECT_TRUE(has_violation(*rep, "app", "store", "")) << rep->text();
  // The same store with the app wired to timer too is the app's to make.
  Options more = wired();
  more.links["app"].insert("timer_tick");
  auto ok = audit_fused("timer_wired", fused_object("  push {r4, lr}\n" + checked_store("timer_gust_memory") +
                                                    "  pop {r4, pc}"),
                        more);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(ok->ok()) << ok->text();
}

TEST(AuditFused, ACallIntoAnInstanceTheAppIsNotWiredToIsRefused) {
  auto rep = audit_fused("unwired_call", fused_object("  push {r4, lr}\n  bl timer_tick\n  pop {r4, pc}"), wired());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(has_violation(*rep, "app", "direct-call", "timer_tick")) << rep->text();
  // Nor into its bridge, which console's inlined code would have no reason to call.
  auto bridge = audit_fused("unwired_bridge",
                            fused_object("  push {r4, lr}\n  bl timer_gust_hal_mmio__read32\n  pop {r4, pc}"), wired());
  ASSERT_TRUE(bridge) << bridge.error().message;
  EXPECT_TRUE(has_violation(*bridge, "app", "direct-call", "timer_gust_hal_mmio__read32")) << bridge->text();
}

TEST(AuditFused, TheCalleeDoesNotReachItsCallersRegion) {
  // Wiring is one way: console serves the app, and reaches only its own.
  auto rep = audit_fused("callee",
                         fused_object("  bx lr", "  push {r4, lr}\n  cmp r0, #60\n  bhi 8f\n  ldr r1, =app_gust_memory\n"
                                                 "  str r2, [r1, r0]\n  pop {r4, pc}"),
                         wired());
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(has_violation(*rep, "console", "store", "")) << rep->text();
  EXPECT_FALSE(has_violation(*rep, "app", "store", "")) << rep->text();
}

TEST(AuditFused, WithoutTheFusedSetOneObjectOfTwoInstancesIsRefused) {
  Options separate = wired();
  separate.fused.clear();
  auto rep = audit_fused("not_declared", fused_object("  bx lr"), separate);
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(has_violation(*rep, "app", "instance", "two instances")) << rep->text();
  // A set that leaves out an instance of the object does not cover it either.
  Options partial = wired();
  partial.fused = {{"app", "console"}};
  auto part = audit_fused("partial", fused_object("  bx lr"), partial);
  ASSERT_TRUE(part) << part.error().message;
  EXPECT_FALSE(part->ok()) << part->text();
}

}  // namespace
}  // namespace gust::audit
