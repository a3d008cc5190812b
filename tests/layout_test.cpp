// One layout across the seam (issue 10 item 9): the native parts gust
// compiles share wasm32's enum size, and the headers `gust bind` writes
// assert the sizes of the seam's types at compile time on both sides.
#include <gtest/gtest.h>

#include <fstream>

#include "base/tools.h"
#include "compose/compose.h"
#include "support.h"
#include "wit/wit.h"

namespace gust::test {
namespace {

// A native part that includes a host header and shares an enum through a
// struct, compiled as compile_natives does (with or without its ABI flags).
base::ToolRun compile_native(const std::string& name, bool abi_flags) {
  const fs::path dir = scratch("layout-" + name);
  std::ofstream(dir / "part.c") << "#include \"host-thin.h\"\n"
                                   "enum mode { MODE_IDLE, MODE_RUN };\n"
                                   "struct shared { enum mode m; uint8_t b; };\n"
                                   "_Static_assert(sizeof(struct shared) == 8, \"wasm32 layout\");\n";
  std::vector<std::string> argv = {"arm-none-eabi-gcc",
                                   "-Os",
                                   "-mcpu=cortex-m3",
                                   "-mthumb",
                                   "-std=c11",
                                   "-Wall",
                                   "-Werror",
                                   "-I",
                                   (source_root() / "firmware/stm32f100").string(),
                                   "-c",
                                   (dir / "part.c").string(),
                                   "-o",
                                   (dir / "part.o").string()};
  if (abi_flags) argv.insert(argv.begin() + 1, compose::native_abi_flags().begin(), compose::native_abi_flags().end());
  return compose::run_tool(argv);
}

TEST(Layout, NativePartsGetWasm32EnumsAndTheHostHeaderChecksIt) {
  const auto with = compile_native("with", true);
  EXPECT_EQ(with.status, 0) << with.output;
  // arm-none-eabi-gcc's own default is a 1-byte enum: the header refuses it.
  const auto without = compile_native("without", false);
  EXPECT_NE(without.status, 0);
  EXPECT_NE(without.output.find("enums are 4 bytes on wasm32: compile native parts with -fno-short-enums"),
            std::string::npos)
      << without.output;
}

TEST(Layout, TheGuestHeaderAssertsTheSeamTypesOnWasm32) {
  auto pkg = wit::parse_file(source_root() / "wit/gust-hal.wit");
  ASSERT_TRUE(pkg) << pkg.error().str();
  auto guest = wit::bind(*pkg, "driver-fat", false, "gust-hal.wit");
  ASSERT_TRUE(guest) << guest.error().str();
  // One assertion per C type of the signatures; pointers as wasm addresses.
  for (const char* line :
       {"GUST_SEAM_LAYOUT_ASSERT(sizeof(uint32_t) == 4,", "GUST_SEAM_LAYOUT_ASSERT(sizeof(bool) == 1,",
        "GUST_SEAM_LAYOUT_ASSERT(sizeof(const uint8_t*) == 4,", "#if defined(__wasm__)"})
    EXPECT_NE(guest->find(line), std::string::npos) << line << "\n" << *guest;
  // The header compiles for wasm32 (C++, as drivers are) and natively for
  // the host (as the tests build drivers), both sides of its #if.
  const fs::path dir = scratch("layout-guest");
  std::ofstream(dir / "driver-fat.h") << *guest;
  std::ofstream(dir / "d.cpp") << "#include \"driver-fat.h\"\nvoid uart_init(uint32_t, uint32_t) {}\n";
  for (const std::vector<std::string>& target : std::vector<std::vector<std::string>>{
           {"clang-19", "--target=wasm32", "-std=c++20", "-nostdlib", "-ffreestanding"}, {"c++", "-std=c++20"}}) {
    std::vector<std::string> argv = target;
    argv.insert(argv.end(), {"-I", (source_root() / "include").string(), "-I", dir.string(), "-fsyntax-only",
                             (dir / "d.cpp").string()});
    const auto r = compose::run_tool(argv);
    EXPECT_EQ(r.status, 0) << target[0] << ": " << r.output;
  }
}

TEST(Layout, AWrongSizedSeamTypeFailsToCompile) {
  // The same assertion the header makes, on a side where the type differs.
  auto pkg = wit::parse_file(source_root() / "wit/gust-hal.wit");
  ASSERT_TRUE(pkg) << pkg.error().str();
  auto host = wit::bind(*pkg, "driver-thin", true, "gust-hal.wit");
  ASSERT_TRUE(host) << host.error().str();
  const fs::path dir = scratch("layout-wrong");
  std::ofstream(dir / "host-thin.h") << *host;
  // A uint32_t that is 8 bytes: the header's check must catch it.
  std::ofstream(dir / "p.c") << "#include <stdint.h>\n#define uint32_t uint64_t\n#include \"host-thin.h\"\n";
  const auto r = compose::run_tool({"arm-none-eabi-gcc", "-fno-short-enums", "-mthumb", "-mcpu=cortex-m3", "-std=c11",
                                    "-I", dir.string(), "-c", (dir / "p.c").string(), "-o", (dir / "p.o").string()});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("uint32_t is 4 bytes on wasm32"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gust::test
