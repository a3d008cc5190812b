// Issue 15: source-level debugging of dissolved drivers. The wasm DWARF line
// table through the dissolver into the image's DWARF, at no cost in flash;
// the C++ names of internal functions; the line table reader on bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "base/tools.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "image/elf.h"
#include "support.h"
#include "wasm/dwarf.h"

namespace gust {
namespace {

namespace fs = std::filesystem;
using test::source_root;

std::string text_of(const fs::path& p) {
  const test::Bytes b = test::read_file(p);
  return std::string(b.begin(), b.end());
}

Result<compose::Report> build_node(const fs::path& manifest, const fs::path& out, bool debug) {
  auto node = compose::load_node(manifest);
  if (!node) return node.error();
  compose::BuildOptions opts;
  opts.out_root = out;
  opts.debug = debug;
  return compose::build(*node, opts);
}

// The allocated sections of an image, by name: address, size and bytes.
std::map<std::string, std::tuple<uint32_t, uint32_t, std::vector<uint8_t>>> loadable(const image::Image& img) {
  std::map<std::string, std::tuple<uint32_t, uint32_t, std::vector<uint8_t>>> out;
  for (const auto& s : img.sections) {
    if (!s.alloc()) continue;
    std::vector<uint8_t> bytes;
    if (!s.nobits()) bytes.assign(img.bytes.begin() + s.offset, img.bytes.begin() + s.offset + s.size);
    out[s.name] = {s.addr, s.size, bytes};
  }
  return out;
}

bool has_section(const image::Image& img, const std::string& name) { return img.section(name) != nullptr; }

// Issue 15 item 2: every node and example is built with and without debug
// information; the loaded sections are the same bytes at the same places,
// the report the same figures, and only the debug build has DWARF.
TEST(Debug, LoadableBytesAreTheSameWithAndWithoutDebugInfo) {
  const fs::path dir = test::scratch("debug_same_bytes");
  std::vector<fs::path> manifests;
  for (const char* seam : {"thin", "mid", "fat"})
    manifests.push_back(source_root() / "nodes" / (std::string("f100-uart-") + seam + ".toml"));
  for (const auto& e : fs::directory_iterator(source_root() / "drivers" / "examples"))
    if (fs::exists(e.path() / "node.toml")) manifests.push_back(e.path() / "node.toml");
  ASSERT_GE(manifests.size(), 6u);
  for (const auto& m : manifests) {
    SCOPED_TRACE(m.string());
    auto with = build_node(m, dir / "g", true);
    ASSERT_TRUE(with) << with.error().str();
    auto without = build_node(m, dir / "n", false);
    ASSERT_TRUE(without) << without.error().str();
    auto gi = image::read_elf(with->elf), ni = image::read_elf(without->elf);
    ASSERT_TRUE(gi && ni);
    EXPECT_TRUE(has_section(*gi, ".debug_line") && has_section(*gi, ".debug_info"));
    EXPECT_FALSE(has_section(*ni, ".debug_line") || has_section(*ni, ".debug_info"));
    const auto gl = loadable(*gi), nl = loadable(*ni);
    EXPECT_FALSE(gl.empty());
    EXPECT_EQ(gl.size(), nl.size());
    for (const auto& [name, sec] : gl) {
      auto it = nl.find(name);
      ASSERT_NE(it, nl.end()) << name;
      EXPECT_EQ(std::get<0>(sec), std::get<0>(it->second)) << name;
      EXPECT_EQ(std::get<1>(sec), std::get<1>(it->second)) << name;
      EXPECT_TRUE(std::get<2>(sec) == std::get<2>(it->second)) << name << ": bytes differ";
    }
    EXPECT_EQ(test::read_file(with->bin), test::read_file(without->bin));
    // The report measures what is loaded, so debug sections change nothing.
    EXPECT_EQ(with->flash_bytes, without->flash_bytes);
    EXPECT_EQ(with->sram_bytes, without->sram_bytes);
    ASSERT_EQ(with->components.size(), without->components.size());
    for (size_t i = 0; i < with->components.size(); ++i) {
      EXPECT_EQ(with->components[i].text, without->components[i].text) << with->components[i].name;
      EXPECT_EQ(with->components[i].stack, without->components[i].stack) << with->components[i].name;
    }
  }
}

// The lines [first, last] of each exported function of the thin driver, from
// its source: GUST_EXPORT("name") opens it, the first "}" at the start of a
// line (or the end of its own line) closes it.
std::map<std::string, std::pair<int, int>> function_lines(const fs::path& source) {
  std::ifstream in(source);
  std::map<std::string, std::pair<int, int>> out;
  std::string open;
  static const std::regex export_re(R"re(GUST_EXPORT\("([a-z_]+)"\))re");
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::smatch m;
    if (std::regex_search(line, m, export_re)) {
      open = m[1];
      out[open] = {n, n};
      if (line.size() && line.back() == '}') open.clear();
      continue;
    }
    if (!open.empty() && line.rfind("}", 0) == 0) {
      out[open].second = n;
      open.clear();
    }
  }
  return out;
}

// Issue 15 item 3: arm-none-eabi-addr2line on addresses across the thin
// node's dissolved functions answers the driver's source file and a line of
// that very function. With -i the outermost frame is the function's own (a
// call LLVM inlined is reported inside it). From each address the search
// moves on (backwards from the last one) past instructions with line 0 and
// past code of a header that clang inlined into the wasm.
TEST(Debug, Addr2lineAnswersTheThinDriversFileAndTheFunctionsLines) {
  const fs::path dir = test::scratch("debug_addr2line");
  auto rep = build_node(source_root() / "nodes/f100-uart-thin.toml", dir, true);
  ASSERT_TRUE(rep) << rep.error().str();
  auto img = image::read_elf(rep->elf);
  ASSERT_TRUE(img);
  const auto lines = function_lines(source_root() / "drivers/uart-thin/uart.cpp");
  ASSERT_GE(lines.size(), 4u);
  int checked = 0;
  std::set<std::string> answers;
  for (const auto& [fn, range] : lines) {
    const image::Symbol* s = img->find("console_" + fn);
    if (!s) continue;  // an export the app does not call is not in the image
    ASSERT_GT(s->size, 4u) << fn;
    for (uint32_t start : {s->addr, (s->addr + s->size / 2) & ~1u, s->addr + s->size - 2}) {
      // An instruction LLVM made from several lines has line 0 ("?"): the
      // next instruction with a line answers for the address.
      char hex[16];
      std::string outermost;
      const bool last = start == s->addr + s->size - 2;  // searched backwards, the others forwards
      for (uint32_t at = start; at >= s->addr && at < s->addr + s->size; at = last ? at - 2 : at + 2) {
        snprintf(hex, sizeof hex, "0x%08x", at);
        auto r = compose::run_tool(
            {compose::tool("GUST_ARM_ADDR2LINE", "arm-none-eabi-addr2line"), "-i", "-e", rep->elf.string(), hex});
        ASSERT_EQ(r.status, 0) << r.output;
        std::istringstream out(r.output);
        for (std::string l; std::getline(out, l);)
          if (!l.empty()) outermost = l;
        // Code clang inlined from a header into the wasm (usart.h's
        // usart_rx_decide) is that header's, without an inlining chain: the
        // wasm's line table has none. Such addresses are passed over too.
        if (outermost.find(":?") == std::string::npos && outermost.find("/uart.cpp:") != std::string::npos) break;
      }
      auto r = compose::run_tool({"true"});
      r.output = outermost;
      SCOPED_TRACE(fn + " at " + hex + ": " + r.output);
      static const std::regex where_re(R"((.*):(\d+)(?: \(discriminator \d+\))?)");
      std::smatch m;
      ASSERT_TRUE(std::regex_match(outermost, m, where_re));
      EXPECT_TRUE(m[1].str().size() >= 26 &&
                  m[1].str().compare(m[1].str().size() - 26, 26, "drivers/uart-thin/uart.cpp") == 0);
      const int line = std::stoi(m[2]);
      EXPECT_GE(line, range.first);
      EXPECT_LE(line, range.second);
      answers.insert(outermost);
      ++checked;
    }
  }
  EXPECT_GE(checked, 9) << "at least three dissolved functions, three addresses each";
  EXPECT_GE(answers.size(), 5u) << "the lines follow the code, not one line per function";
}

// Issue 15 item 1: an internal function's symbol is its C++ name after the
// instance's own namespace, and its DWARF name is the C++ name.
TEST(Debug, InternalFunctionsAreNamedByTheirCxxNames) {
  EXPECT_EQ(dissolve::readable_name("(anonymous namespace)::send(unsigned char)"), "(anonymous namespace)::send");
  EXPECT_EQ(dissolve::readable_name("_ZN5usart6decideEj"), "usart::decide");
  EXPECT_EQ(dissolve::readable_name("Ring::operator()(int) const"), "Ring::operator()");
  EXPECT_EQ(dissolve::readable_name("uart_init"), "uart_init");
  EXPECT_EQ(dissolve::function_symbol(5, "(anonymous namespace)::send(unsigned char)", "console_"),
            "console_gust_f5_send");
  EXPECT_EQ(dissolve::function_symbol(3, "a__b::c", "x_"), "x_gust_f3_a_b_c");  // never "__", an import's mark
  EXPECT_EQ(dissolve::function_symbol(3, "", "x_"), "x_gust_f3");
  EXPECT_EQ(dissolve::function_symbol(3, "()", "x_"), "x_gust_f3");

  const fs::path dir = test::scratch("debug_names");
  {
    std::ofstream src(dir / "n.cpp");
    src << "namespace hw {\n"
           "[[gnu::noinline]] int twice(int x) {\n"
           "  int s = 0;\n"
           "  for (int i = 0; i < x; ++i) s += (i * x) ^ (s >> 3);\n"
           "  return s;\n"
           "}\n"
           "}  // namespace hw\n"
           "extern \"C\" __attribute__((export_name(\"run\"))) int run(int x) { return hw::twice(x) + hw::twice(x + "
           "1); }\n"
           "extern \"C\" __attribute__((export_name(\"go\"))) int go(int x) { return hw::twice(x * 3); }\n";
  }
  auto sized = compose::compile_sized_driver(dir / "n.cpp", dir / "n.wasm", dir, {}, std::nullopt, std::nullopt, true);
  ASSERT_TRUE(sized) << sized.error().str();
  ASSERT_FALSE(sized->source_map.empty());
  auto m = wasm::decode(test::read_file(dir / "n.wasm"));
  ASSERT_TRUE(m) << m.error().str();
  dissolve::Options o;
  o.prefix = "hw_";
  o.debug_info = true;
  o.source_map = text_of(sized->source_map);
  o.opt_level = "O0";  // keep twice() out of line
  auto out = dissolve::dissolve(*m, o);
  ASSERT_TRUE(out) << out.error().str();
  const fs::path obj = dir / "n.o";
  ASSERT_TRUE(base::write_atomically(obj, out->object.data(), out->object.size()));
  auto nm = compose::run_tool({compose::tool("GUST_ARM_NM", "arm-none-eabi-nm"), obj.string()});
  ASSERT_EQ(nm.status, 0);
  EXPECT_TRUE(std::regex_search(nm.output, std::regex(R"( t hw_gust_f\d+_hw_twice\n)"))) << nm.output;
  auto dd = compose::run_tool({"llvm-dwarfdump-19", "--debug-info", obj.string()});
  ASSERT_EQ(dd.status, 0);
  EXPECT_NE(dd.output.find("DW_AT_name\t(\"hw::twice\")"), std::string::npos) << dd.output;
  EXPECT_NE(dd.output.find("n.cpp"), std::string::npos) << dd.output;
}

// A .debug_line that does not parse is a warning and no debug information,
// never a refusal (custom sections never make a module invalid) or a crash.
TEST(Debug, AMalformedLineTableIsAWarningNotARefusal) {
  const fs::path wasm = test::thin_driver_wasm();
  auto m = wasm::decode(test::read_file(wasm));
  ASSERT_TRUE(m);
  // A custom section ".debug_line" whose unit claims more bytes than it has.
  test::Bytes custom = {11, '.', 'd', 'e', 'b', 'u', 'g', '_', 'l', 'i', 'n', 'e', 0xff, 0, 0, 0, 4, 0};
  test::Bytes bytes = m->bytes;
  const test::Bytes sec = test::section(0, custom);
  bytes.insert(bytes.end(), sec.begin(), sec.end());
  auto bad = wasm::decode(bytes);
  ASSERT_TRUE(bad) << bad.error().str();
  auto lines = wasm::read_line_table(*bad);
  ASSERT_FALSE(lines);
  EXPECT_NE(lines.error().str().find("does not parse"), std::string::npos) << lines.error().str();
  dissolve::Options o;
  o.debug_info = true;
  auto out = dissolve::dissolve(*bad, o);
  ASSERT_TRUE(out) << out.error().str();
  ASSERT_EQ(out->warnings.size(), 1u);
  EXPECT_NE(out->warnings[0].find("no debug information"), std::string::npos) << out->warnings[0];
  // A source map that is not one: refused with where it came from.
  auto sm = wasm::read_source_map(*m, "{\"mappings\": \"A$\"}", "x.map");
  ASSERT_FALSE(sm);
  EXPECT_NE(sm.error().str().find("x.map"), std::string::npos) << sm.error().str();
}

// The source map round trip that gust build relies on: the DWARF of a -g
// compile as a map and back gives the same rows.
TEST(Debug, TheLineTableSurvivesItsSourceMap) {
  const fs::path dir = test::scratch("debug_map");
  auto sized = compose::compile_sized_driver(source_root() / "drivers/uart-thin/uart.cpp", dir / "t.wasm", dir, {},
                                             std::nullopt, std::nullopt, true);
  ASSERT_TRUE(sized) << sized.error().str();
  auto m = wasm::decode(test::read_file(dir / "t.wasm"));
  ASSERT_TRUE(m);
  auto lines = wasm::read_source_map(*m, text_of(sized->source_map), sized->source_map.string());
  ASSERT_TRUE(lines) << lines.error().str();
  ASSERT_FALSE(lines->empty());
  bool in_uart_cpp = false;
  for (const auto& f : lines->files)
    in_uart_cpp = in_uart_cpp || f.find("drivers/uart-thin/uart.cpp") != std::string::npos;
  EXPECT_TRUE(in_uart_cpp);
  auto back = wasm::read_source_map(*m, wasm::source_map(*lines), "t.map");
  ASSERT_TRUE(back) << back.error().str();
  size_t same = 0;
  for (const auto& r : lines->ranges_) {
    auto b = back->at(r.begin);
    ASSERT_TRUE(b) << r.begin;
    EXPECT_EQ(back->files[b->file], lines->files[r.src.file]);
    EXPECT_EQ(b->line, r.src.line);
    EXPECT_EQ(b->column, r.src.column);
    ++same;
  }
  EXPECT_GT(same, 10u);
}

}  // namespace
}  // namespace gust
