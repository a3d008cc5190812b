// Fused dissolving (src/dissolve/fuse.cpp, src/compose/fused.cpp): the echo
// node built fused has no call from the app's code into console's
// uart_tx_byte (inlined), where the separate build has one; both images pass
// the audit; the fused object keeps one region per instance; the manifest
// key and its refusals.
#include <gtest/gtest.h>

#include <fstream>

#include "compose/compose.h"
#include "image/elf.h"
#include "image/thumb.h"
#include "support.h"

namespace gust {
namespace {

Result<compose::Report> build_echo(bool fused, const std::string& scratch) {
  auto node = compose::load_node(test::source_root() / "nodes" / "f100-echo-app.toml");
  if (!node) return node.error();
  compose::BuildOptions opts;
  opts.out_root = test::scratch(scratch);
  opts.fuse = fused;
  return compose::build(*node, opts);
}

// Calls and branches out of the app's functions that land on the start of
// `callee`, counted over the image's instructions.
int calls_from_app_into(const image::Image& img, const std::string& callee) {
  const image::Symbol* target = img.find(callee);
  if (!target) return 0;
  int n = 0;
  for (const image::Symbol* f : img.functions()) {
    if (f->name.rfind("app_", 0) != 0) continue;
    for (const image::Insn& in : img.decode(*f))
      if (in.target && *in.target == target->addr) ++n;
  }
  return n;
}

TEST(Fuse, TheAppsCallsIntoUartTxByteAreInlined) {
  auto separate = build_echo(false, "fuse_echo_separate");
  ASSERT_TRUE(separate) << separate.error().str();
  auto fused = build_echo(true, "fuse_echo_fused");
  ASSERT_TRUE(fused) << fused.error().str();
  EXPECT_FALSE(separate->fused);
  EXPECT_TRUE(fused->fused);
  EXPECT_TRUE(separate->audit["ok"].get<bool>()) << separate->audit.dump(2);
  EXPECT_TRUE(fused->audit["ok"].get<bool>()) << fused->audit.dump(2);

  auto simg = image::read_elf(separate->elf);
  ASSERT_TRUE(simg) << simg.error().str();
  auto fimg = image::read_elf(fused->elf);
  ASSERT_TRUE(fimg) << fimg.error().str();
  // Separate: the app calls console's export, a real call.
  EXPECT_GT(calls_from_app_into(*simg, "console_uart_tx_byte"), 0);
  // Fused: no call of it from the app is left, and nothing else calls it
  // (native code never did), so the export is gone from the image.
  EXPECT_EQ(calls_from_app_into(*fimg, "console_uart_tx_byte"), 0);
  EXPECT_EQ(fimg->find("console_uart_tx_byte"), nullptr);
  // Still two regions, one per instance.
  for (const char* region : {"app_gust_memory", "console_gust_memory"}) {
    EXPECT_NE(simg->find(region), nullptr) << region;
    EXPECT_NE(fimg->find(region), nullptr) << region;
  }
  // The build's own report: the components are still per instance.
  std::set<std::string> names;
  for (const auto& c : fused->components) names.insert(c.name);
  EXPECT_TRUE(names.count("app") && names.count("uart-thin@console")) << fused->json().dump(2);
  // Fused is smaller here: the call, its frame and the export's body go.
  EXPECT_LT(fused->flash_bytes, separate->flash_bytes);
}

TEST(Fuse, TheManifestKeyIsABooleanForAWasmApp) {
  const fs::path dir = test::scratch("fuse_manifest");
  std::ofstream(dir / "app.c") << "void app_main(void) {}\n";
  const fs::path nodes = test::source_root() / "nodes";
  auto write = [&](const std::string& name, const std::string& extra, const std::string& app) {
    const fs::path p = dir / (name + ".toml");
    std::ofstream(p) << "name = \"" << name << "\"\nchip = \"stm32f100rb\"\napp = \"" << app << "\"\n"
                     << (app.ends_with(".cpp") ? "app_world = \"echo\"\n" : "") << extra
                     << "[[driver]]\ninstance = \"console\"\nsource = \"" << (nodes / "../drivers/uart-thin/uart.cpp").string()
                     << "\"\nperipheral = \"usart1\"\n";
    return p;
  };
  const std::string echo = (nodes / "../apps/echo/echo.cpp").string();
  auto on = compose::load_node(write("fuse-on", "fuse = true\n", echo));
  ASSERT_TRUE(on) << on.error().str();
  EXPECT_TRUE(on->fuse);
  auto off = compose::load_node(write("fuse-off", "fuse = false\n", echo));
  ASSERT_TRUE(off) << off.error().str();
  EXPECT_FALSE(off->fuse);
  auto dflt = compose::load_node(write("fuse-default", "", echo));
  ASSERT_TRUE(dflt) << dflt.error().str();
  EXPECT_EQ(dflt->fuse, compose::kFuseByDefault);
  auto bad = compose::load_node(write("fuse-bad", "fuse = \"yes\"\n", echo));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().str().find("fuse-bad.toml:5"), std::string::npos) << bad.error().str();
  EXPECT_NE(bad.error().str().find("true or false"), std::string::npos) << bad.error().str();
  // A C app is native: nothing to fuse it with.
  auto native = compose::load_node(write("fuse-native", "fuse = true\n", (dir / "app.c").string()));
  ASSERT_FALSE(native);
  EXPECT_NE(native.error().str().find("native"), std::string::npos) << native.error().str();
}

}  // namespace
}  // namespace gust
