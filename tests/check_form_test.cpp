// The instruction form of bounds checks (dissolve/check_form.cpp): on a
// fixed module whose every check compares against C = size - offset - width
// with C + 1 a Thumb-2 immediate, the checks cost fewer instructions with
// the lever on, and every access still traps exactly at the region's edge,
// for each width, loads and stores, with the lever on and off.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "base/tools.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "gust/trap.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

// 2624 = 164 * 16 is a modified immediate, and so is 2608; the offsets make
// size - offset - width + 1 one of them for every width (offset + width is
// 1 or 17), while size - offset - width (2623, 2607) is none.
constexpr uint32_t kRegion = 2624;

// Each width twice: straight from the argument (l*, s*), and through a
// pointer loaded from memory (p*: two checks, the word at the argument's
// address, then the access).
const char* kWat = R"((module
  (memory 1)
  (func (export "l8") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "l16") (param i32) (result i32) local.get 0 i32.load16_u offset=15)
  (func (export "l32") (param i32) (result i32) local.get 0 i32.load offset=13)
  (func (export "l64") (param i32) (result i32) local.get 0 i64.load offset=9 i32.wrap_i64)
  (func (export "s8") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "s16") (param i32 i32) local.get 0 local.get 1 i32.store16 offset=15)
  (func (export "s32") (param i32 i32) local.get 0 local.get 1 i32.store offset=13)
  (func (export "s64") (param i32 i32) local.get 0 local.get 1 i64.extend_i32_u i64.store offset=9)
  (func (export "p8") (param i32) (result i32) local.get 0 i32.load i32.load8_u)
  (func (export "p16") (param i32) (result i32) local.get 0 i32.load i32.load16_u offset=15)
  (func (export "p32") (param i32) (result i32) local.get 0 i32.load i32.load offset=13)
  (func (export "p64") (param i32) (result i32) local.get 0 i32.load i64.load offset=9 i32.wrap_i64)
))";

struct Access {
  const char* load;
  const char* store;
  uint32_t offset;
  uint32_t need;  // offset + width: the last address in bounds is kRegion - need
  uint32_t mask;  // what the load returns of the stored word
};
const Access kAccesses[] = {
    {"l8", "s8", 0, 1, 0xff}, {"l16", "s16", 15, 17, 0xffff}, {"l32", "s32", 13, 17, ~0u}, {"l64", "s64", 9, 17, ~0u}};

wasm::Module module() {
  const fs::path dir = scratch("check-form");
  std::ofstream(dir / "m.wat") << kWat;
  auto r = base::run_tool({"wat2wasm", (dir / "m.wat").string(), "-o", (dir / "m.wasm").string()});
  EXPECT_EQ(r.status, 0) << r.output;
  auto m = wasm::decode(read_file(dir / "m.wasm"));
  EXPECT_TRUE(m) << m.error().str();
  return std::move(*m);
}

dissolve::Output dissolve_with(const wasm::Module& m, bool form) {
  dissolve::Options o;
  o.memory_bytes = kRegion;
  o.check_form = form;
  auto out = dissolve::dissolve(m, o);
  EXPECT_TRUE(out) << out.error().str();
  return std::move(*out);
}

fs::path write_object(const dissolve::Output& out, const std::string& tag) {
  const fs::path p = scratch("check-form-" + tag) / "m.o";
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(out.object.data()), std::streamsize(out.object.size()));
  return p;
}

// Instructions in each function of an object, from its disassembly.
std::map<std::string, int> instructions(const fs::path& obj) {
  auto r = base::run_tool({"arm-none-eabi-objdump", "-d", "--no-show-raw-insn", obj.string()});
  EXPECT_EQ(r.status, 0) << r.output;
  std::map<std::string, int> n;
  std::istringstream in(r.output);
  std::string line, fn;
  static const std::regex label(R"(^[0-9a-f]+ <([^>]+)>:$)"), insn(R"(^\s+[0-9a-f]+:\s+\S)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, label))
      fn = m[1];
    else if (!fn.empty() && std::regex_search(line, insn))
      ++n[fn];
  }
  return n;
}

TEST(CheckForm, ChecksAgainstAnImmediatePlusOneCostOneInstructionLess) {
  const wasm::Module m = module();
  auto on = instructions(write_object(dissolve_with(m, true), "count-on"));
  auto off = instructions(write_object(dissolve_with(m, false), "count-off"));
  // Without the lever each l* and s* check is lsrs; cmp; bhi (LLVM's shift
  // fold of x >u 2623 or 2607); with it cmp.w #2624 or #2608; bhs: one
  // instruction less, the same bytes (2 + 2 against 4). The p* checks LLVM
  // already selects as cmp.w after the load: no change.
  for (const char* fn : {"l8", "l16", "l32", "l64", "s8", "s16", "s32", "s64"}) {
    ASSERT_TRUE(on.count(fn) && off.count(fn)) << fn;
    EXPECT_EQ(on[fn], off[fn] - 1) << fn;
  }
  for (const char* fn : {"p8", "p16", "p32", "p64"}) {
    ASSERT_TRUE(on.count(fn) && off.count(fn)) << fn;
    EXPECT_EQ(on[fn], off[fn]) << fn;
  }
}

// Every width, load and store, at the last address in bounds (kRegion -
// need: runs, and the load reads what the store wrote) and one past it
// (traps as out of bounds), with the lever on and off.
TEST(CheckForm, EveryWidthTrapsExactlyAtTheEdge) {
  const wasm::Module m = module();
  for (bool form : {true, false}) {
    const dissolve::Output out = dissolve_with(m, form);
    const fs::path obj = write_object(out, form ? "edge-on" : "edge-off");
    int loads = 0;
    auto fresh = [&] {
      auto cpu =
          emu::CortexM::load({obj}, scratch("check-form-emu-" + std::to_string(form) + "-" + std::to_string(loads++)));
      EXPECT_TRUE(cpu) << cpu.error().str();
      return std::move(*cpu);
    };
    for (const Access& a : kAccesses) {
      SCOPED_TRACE(std::string(a.load) + (form ? " form on" : " form off"));
      const uint32_t last = kRegion - a.need;
      auto cpu = fresh();
      auto st = cpu->call(a.store, {last, 0x5a000000u | last});
      ASSERT_TRUE(st.ok) << st.fault;
      auto ld = cpu->call(a.load, {last});
      ASSERT_TRUE(ld.ok) << ld.fault;
      EXPECT_EQ(ld.r0, (0x5a000000u | last) & a.mask);
      // One and two past the edge, the end of the region, and addresses
      // whose sum with the offset wraps 32 bits (to 0, and to need - 1):
      // the effective address is 33 bits and past the edge too.
      for (uint32_t past : {last + 1, last + 2, kRegion, 0u - a.offset, 0u - 1u, 0x80000000u}) {
        if (past == 0) continue;  // offset 0: 2^32 is not an address
        auto bad_load = fresh()->call(a.load, {past});
        EXPECT_TRUE(bad_load.trapped && bad_load.trap_code == GUST_TRAP_MEMORY_OOB) << "load at " << past;
        auto bad_store = fresh()->call(a.store, {past, 1});
        EXPECT_TRUE(bad_store.trapped && bad_store.trap_code == GUST_TRAP_MEMORY_OOB) << "store at " << past;
      }
    }
    // Through a pointer: the pointer's word at 0, the access at the edge.
    for (const Access& a : kAccesses) {
      const std::string p = std::string("p") + (a.load + 1);
      SCOPED_TRACE(p + (form ? " form on" : " form off"));
      const uint32_t last = kRegion - a.need;
      auto cpu = fresh();
      // s32 stores at address + 13, and -13 + 13 is past 4 GiB, not 0 (it
      // traps): the pointer at 0 is written with s8, byte by byte.
      for (uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(cpu->call("s8", {i, (last >> (8 * i)) & 0xff}).ok);
      EXPECT_TRUE(cpu->call(p, {0}).ok) << "at the last address in bounds";
      for (uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(cpu->call("s8", {i, ((last + 1) >> (8 * i)) & 0xff}).ok);
      auto bad = cpu->call(p, {0});
      EXPECT_TRUE(bad.trapped && bad.trap_code == GUST_TRAP_MEMORY_OOB) << "one past it";
    }
  }
}

}  // namespace
}  // namespace gust::test
