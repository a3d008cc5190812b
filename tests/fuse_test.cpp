// Fused dissolving (src/dissolve/fuse.cpp, src/compose/fused.cpp): the echo
// node built fused has no call from the app's code into console's small
// exports (inlined), where the separate build has them; both images pass
// the audit; each instance keeps its region; the manifest key and its
// refusals.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "audit/audit.h"
#include "compose/compose.h"
#include "image/elf.h"
#include "image/thumb.h"
#include "support.h"

namespace gust {
namespace {

namespace fs = std::filesystem;

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

// What the optimiser makes of the echo app's four calls into console at
// Oz: uart_init, uart_rx and uart_rx_fired (one call site each) inline and
// their exports go; uart_tx_byte (two call sites: print and the echo) stays
// one function, internal now, and a real call.
TEST(Fuse, TheAppsCallsIntoConsolesSmallExportsAreInlined) {
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
  for (const char* ex : {"console_uart_init", "console_uart_rx", "console_uart_rx_fired"}) {
    // Separate: the app calls console's export, a real call.
    EXPECT_GT(calls_from_app_into(*simg, ex), 0) << ex;
    // Fused: inlined, and the export is gone from the image.
    EXPECT_EQ(calls_from_app_into(*fimg, ex), 0) << ex;
    EXPECT_EQ(fimg->find(ex), nullptr) << ex;
  }
  EXPECT_GT(calls_from_app_into(*simg, "console_uart_tx_byte"), 0);
  const image::Symbol* tx = fimg->find("console_uart_tx_byte");
  ASSERT_NE(tx, nullptr);
  EXPECT_TRUE(tx->is_local());  // only the app calls it: no longer an export
  // Each instance keeps its own region (the echo's console has none: it
  // keeps no data of its own).
  for (const image::Image* img : {&*simg, &*fimg}) {
    EXPECT_NE(img->find("app_gust_memory"), nullptr);
    EXPECT_EQ(img->find("console_gust_memory"), nullptr);
  }
  // The build's own report: the components are still per instance.
  std::set<std::string> names;
  for (const auto& c : fused->components) names.insert(c.name);
  EXPECT_EQ(names, (std::set<std::string>{"app", "uart-thin@console", "bridge", "boot"})) << fused->table();
  // Smaller: three calls, their frames and the exports' bodies go.
  EXPECT_LT(fused->flash_bytes, separate->flash_bytes);
}

// The relay node fused: its image passes the audit with the build's wiring;
// with the app's links to the clock instance taken away, the same image is
// refused, since the app's code now holds clock's inlined code (its calls
// into clock's bridge and its stores into clock's data).
TEST(Fuse, AFusedImageIsRefusedWhereTheAppReachesAnInstanceItIsNotWiredTo) {
  auto node = compose::load_node(test::source_root() / "nodes" / "f100-relay.toml");
  ASSERT_TRUE(node) << node.error().str();
  compose::BuildOptions opts;
  opts.out_root = test::scratch("fuse_relay");
  opts.fuse = true;
  auto rep = compose::build(*node, opts);
  ASSERT_TRUE(rep) << rep.error().str();
  audit::Options wired;
  for (const auto& d : node->drivers) wired.expect.push_back(d.instance);
  wired.expect.push_back("app");
  for (const auto& l : rep->links) wired.links["app"].insert(l.substr(l.find("-> ") + 3));
  wired.fused = {{wired.expect.begin(), wired.expect.end()}};
  auto ok = audit::audit_file(rep->elf, wired);
  ASSERT_TRUE(ok) << ok.error().str();
  EXPECT_TRUE(ok->ok()) << ok->text();

  audit::Options cut = wired;
  std::erase_if(cut.links["app"], [](const std::string& s) { return s.rfind("clock_", 0) == 0; });
  ASSERT_LT(cut.links["app"].size(), wired.links["app"].size());
  auto refused = audit::audit_file(rep->elf, cut);
  ASSERT_TRUE(refused) << refused.error().str();
  ASSERT_FALSE(refused->ok()) << refused->text();
  bool names_clock = false;
  for (const auto& v : refused->violations) {
    EXPECT_EQ(v.instance, "app") << v.str();
    names_clock = names_clock || v.str().find("clock_") != std::string::npos;
  }
  EXPECT_TRUE(names_clock) << refused->text();
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
