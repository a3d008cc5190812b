// Manifest text is data: the one escaping function for C string literals,
// the reserved words, the instance-name rule, the trap-policy keys, and the
// generated bridge's trap policy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "base/ctext.h"
#include "compose/compose.h"
#include "compose/stages.h"
#include "support.h"
#include "wit/wit.h"

namespace gust::test {
namespace {

using namespace std::string_literals;

// Text that has broken generated C before, or could: quotes, backslashes,
// newlines (a -D value or a line comment ends there), comment delimiters,
// every trigraph (-std=c11 turns them on; ??/ is a backslash), non-ASCII
// bytes, NUL, and an octal escape followed by a digit.
const std::vector<std::string> kNasty = {
    "",
    "gust-uart-thin",
    "say \"hi\"",
    "back\\slash\\",
    "line1\nline2\r\n\ttab",
    "*/ /* // #define X",
    "?\?= ?\?( ?\?/ ?\?) ?\?' ?\?< ?\?! ?\?> ?\?- ?\?\?/",
    "ends in ?\?/",
    "\"\n#include <stdio.h>\nint evil;",
    "caf\xc3\xa9 \xe2\x9c\x93 \xff\x80\x7f",
    "nul\0inside"s,
    "\x01"
    "7 after an escape",
};

std::string hex_of(const std::string& s) {
  std::string h;
  char buf[4];
  for (unsigned char c : s) {
    snprintf(buf, sizeof buf, "%02x", c);
    h += buf;
  }
  return h;
}

TEST(CText, StringLiteralIsPrintableAsciiOnOneLine) {
  for (const auto& s : kNasty) {
    const std::string lit = base::c_string_literal(s);
    ASSERT_GE(lit.size(), 2u);
    EXPECT_EQ(lit.front(), '"');
    EXPECT_EQ(lit.back(), '"');
    for (unsigned char c : lit) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "byte " << int(c) << " in " << lit;
    EXPECT_EQ(lit.find("??"), std::string::npos) << lit;  // no trigraph can form
  }
}

// Each literal, compiled by the host's C compilers under -std=c11 (trigraphs
// on), holds exactly the input's bytes: once from a source file (clang-19)
// and once through a -D definition on the command line, as the banner goes
// to arm-none-eabi-gcc (gcc, the same front end).
TEST(CText, StringLiteralRoundTripsThroughCCompilers) {
  const fs::path dir = scratch("ctext-roundtrip");
  std::ofstream src(dir / "lits.c");
  src << "#include <stdio.h>\n";
  for (size_t i = 0; i < kNasty.size(); ++i)
    src << "static const unsigned char s" << i << "[] = " << base::c_string_literal(kNasty[i]) << ";\n";
  src << "#define ROW(s) do { for (size_t k = 0; k + 1 < sizeof s; ++k) printf(\"%02x\", s[k]); puts(\"\"); } while "
         "(0)\n"
      << "int main(void) {\n";
  for (size_t i = 0; i < kNasty.size(); ++i) src << "  ROW(s" << i << ");\n";
  src << "#ifdef VIA_D\n  ROW(VIA_D);\n#endif\n  return 0;\n}\n";
  src.close();
  const std::string banner = kNasty[8];  // the injection attempt
  for (const std::vector<std::string>& cc :
       {std::vector<std::string>{"clang-19", "-std=c11", "-trigraphs"},
        std::vector<std::string>{"gcc", "-std=c11", "-DVIA_D=" + base::c_string_literal(banner)}}) {
    std::vector<std::string> argv = cc;
    argv.insert(argv.end(), {"-Wall", "-Werror", (dir / "lits.c").string(), "-o", (dir / "lits").string()});
    auto built = compose::run_tool(argv);
    ASSERT_EQ(built.status, 0) << cc[0] << ": " << built.output;
    auto ran = compose::run_tool({(dir / "lits").string()});
    ASSERT_EQ(ran.status, 0) << ran.output;
    std::string want;
    for (const auto& s : kNasty) want += hex_of(s) + "\n";
    if (cc[0] == "gcc") want += hex_of(banner) + "\n";
    EXPECT_EQ(ran.output, want) << cc[0];
  }
}

TEST(CText, ReservedWords) {
  for (const char* w : {"int", "return", "register", "bool", "true", "typeof", "restrict", "asm", "static_assert"})
    EXPECT_TRUE(base::is_c_keyword(w)) << w;
  for (const char* w : {"class", "new", "this", "namespace"}) {
    EXPECT_FALSE(base::is_c_keyword(w)) << w;
    EXPECT_TRUE(base::is_cpp_keyword(w)) << w;
  }
  for (const char* w : {"console", "usart1", "Int", "int_", ""}) {
    EXPECT_FALSE(base::is_c_keyword(w)) << w;
    EXPECT_FALSE(base::is_cpp_keyword(w)) << w;
  }
}

TEST(CText, CommentTextCannotEndOrExtendAComment) {
  EXPECT_EQ(base::c_comment_text("a*/b\\\n?\?/c"), "a_/b____/c");
  EXPECT_EQ(base::c_comment_text("chips/stm32f100rb.toml"), "chips/stm32f100rb.toml");
}

TEST(InstanceName, TheRule) {
  for (const char* ok : {"console", "usart2", "a", "x1y2", "abcdefghijklmnopqrstuvwxyz012345"})
    EXPECT_EQ(compose::why_not_instance_name(ok), "") << ok;
  const std::pair<const char*, const char*> refused[] = {
      {"", "1 to 32"},
      {"abcdefghijklmnopqrstuvwxyz0123456", "1 to 32"},
      {"int", "C keyword"},
      {"return", "C keyword"},
      {"console_x", "no '_'"},
      {"Gust", "lower-case letter"},
      {"Console", "lower-case letter"},
      {"gust", "'gust'"},
      {"gusty", "'gust'"},
      {"9lives", "lower-case letter"},
      {"../x", "lower-case letter"},
      {"a/b", "a-z and 0-9 only"},
      {"con sole", "a-z and 0-9 only"},
      {"x\ny", "a-z and 0-9 only"},
  };
  for (const auto& [name, why] : refused)
    EXPECT_NE(compose::why_not_instance_name(name).find(why), std::string::npos)
        << "'" << name << "': " << compose::why_not_instance_name(name);
}

// A manifest in a scratch folder, with the repository's app and driver.
fs::path manifest(const std::string& tag, const std::string& top, const std::string& driver) {
  const fs::path dir = scratch("policy-manifest-" + tag);
  const std::string root = source_root().string();
  std::ofstream(dir / "node.toml") << "name = \"n\"\nchip = \"stm32f100rb\"\napp = \"" << root
                                   << "/firmware/stm32f100/app_uart_echo.c\"\n"
                                   << top << "\n[[driver]]\nsource = \"" << root
                                   << "/drivers/uart-thin/uart.cpp\"\nperipheral = \"usart1\"\n"
                                   << driver << "\n";
  return dir / "node.toml";
}

std::string error_of(const fs::path& file) {
  auto n = compose::load_node(file);
  return n ? "" : n.error().str();
}

TEST(Manifest, InstanceNamesAreRefusedWhereTheyStand) {
  const fs::path f = manifest("int", "", "instance = \"int\"");
  // Line 8 (after the 4 top lines, [[driver]], source and peripheral), column 12.
  EXPECT_NE(error_of(f).find(f.string() + ":8:12: error: instance name 'int' is a C keyword"), std::string::npos)
      << error_of(f);
  EXPECT_NE(error_of(manifest("nested", "", "instance = \"console_x\"")).find("no '_'"), std::string::npos);
  EXPECT_NE(error_of(manifest("upper", "", "instance = \"Gust\"")).find("lower-case"), std::string::npos);
  EXPECT_NE(error_of(manifest("path", "", "instance = \"../x\"")).find("instance name '../x'"), std::string::npos);
  EXPECT_EQ(error_of(manifest("good", "", "instance = \"console\"")), "");
}

TEST(Manifest, OtherNamesThatBecomeFilesOrC) {
  const fs::path chip = scratch("policy-manifest-chip") / "node.toml";
  std::ofstream(chip) << "name = \"n\"\nchip = \"../../etc/passwd\"\napp = \"a.c\"\n";
  EXPECT_NE(error_of(chip).find(":2:8: error: chip '../../etc/passwd'"), std::string::npos) << error_of(chip);
  const fs::path per = manifest("per-bad", "", "instance = \"console\"");
  {
    std::string text = compose::read_text(per);
    text.replace(text.find("\"usart1\""), 8, "\"usart1 */\"");
    std::ofstream(per) << text;
  }
  EXPECT_NE(error_of(per).find("peripheral 'usart1 */' may hold a-z, 0-9 and '_' only"), std::string::npos)
      << error_of(per);
  EXPECT_NE(error_of(manifest("define", "", "instance = \"console\"\ndefines = [\"X=1\\n#include <y>\"]"))
                .find("define may hold printable ASCII only"),
            std::string::npos);
  EXPECT_NE(error_of(manifest("define-name", "", "instance = \"console\"\ndefines = [\"-fplugin=x\"]"))
                .find("NAME a C identifier"),
            std::string::npos);
  EXPECT_EQ(error_of(manifest("define-ok", "", "instance = \"console\"\ndefines = [\"GUST_X\", \"Y=2\"]")), "");
  EXPECT_NE(error_of(manifest("banner-nul", "banner = \"a\\u0000b\"", "instance = \"console\"")).find("NUL"),
            std::string::npos);
  EXPECT_EQ(error_of(manifest("banner-ok", "banner = \"say \\\"hi\\\" */ ?\?= \\\\\"", "instance = \"console\"")), "");
}

TEST(Manifest, TrapPolicyAndConsole) {
  auto halt = compose::load_node(manifest("halt", "", "instance = \"console\""));
  ASSERT_TRUE(halt) << halt.error().str();
  EXPECT_EQ(halt->on_trap, compose::OnTrap::Halt);
  EXPECT_EQ(halt->console, "console");  // the first USART instance
  auto reset = compose::load_node(manifest("reset", "on_trap = \"reset\"", "instance = \"tty\""));
  ASSERT_TRUE(reset) << reset.error().str();
  EXPECT_EQ(reset->on_trap, compose::OnTrap::Reset);
  EXPECT_EQ(reset->console, "tty");
  EXPECT_NE(error_of(manifest("bogus", "on_trap = \"reboot\"", "instance = \"console\""))
                .find(":4:11: error: on_trap must be \"halt\" or \"reset\", not 'reboot'"),
            std::string::npos);
  EXPECT_NE(error_of(manifest("console-none", "console = \"nope\"", "instance = \"console\""))
                .find("console names no driver instance: 'nope'"),
            std::string::npos);
  const fs::path spi = manifest("spi", "on_trap = \"reset\"", "instance = \"flash\"");
  {
    std::string text = compose::read_text(spi);
    text.replace(text.find("\"usart1\""), 8, "\"spi1\"");
    std::ofstream(spi) << text;
  }
  EXPECT_NE(error_of(spi).find("no instance is granted a USART"), std::string::npos) << error_of(spi);
}

// The generated trap policy: halt disables every granted line before
// gust_trap_halt; reset records and reports on the console's USART.
TEST(GeneratedBridge, TrapPolicy) {
  auto chip = compose::load_chip(source_root() / "chips/stm32f100rb.toml");
  ASSERT_TRUE(chip) << chip.error().str();
  auto node = compose::load_node(manifest("gen", "", "instance = \"console\""));
  ASSERT_TRUE(node) << node.error().str();
  compose::DriverInstance spi = node->drivers[0];
  spi.instance = "flash";
  spi.peripheral = "spi1";
  node->drivers.push_back(spi);
  const std::string halt = compose::bridge_source(*node, *chip);
  EXPECT_NE(
      halt.find("void gust_trap(unsigned code) {\n  nvic_disable(35);\n  nvic_disable(37);\n  gust_trap_halt(code);"),
      std::string::npos)
      << halt;
  EXPECT_EQ(halt.find("gust_trap_report"), std::string::npos);
  node->on_trap = compose::OnTrap::Reset;
  const std::string reset = compose::bridge_source(*node, *chip);
  EXPECT_NE(reset.find("gust_trap_reset(code, (uint32_t)__builtin_return_address(0))"), std::string::npos) << reset;
  EXPECT_NE(reset.find("  gust_trap_report(0x40013800u); /* on console's usart1 */\n}"), std::string::npos) << reset;
  EXPECT_EQ(reset.find("gust_trap_halt"), std::string::npos);
  // The linker script keeps the record out of .data and .bss, before .bss.
  const std::string ld = compose::linker_script(*chip, chip->sram_size);
  ASSERT_NE(ld.find("*(.bss.gust.noinit)"), std::string::npos);
  EXPECT_LT(ld.find("*(.bss.gust.noinit)"), ld.find("_sbss = ."));
}

// `gust build f100-uart-thin.toml` run inside nodes/: a bare file name.
TEST(Manifest, BareFileNameLoads) {
  const fs::path here = fs::current_path();
  fs::current_path(source_root() / "nodes");
  auto node = compose::load_node("f100-uart-thin.toml");
  const fs::path root = compose::project_root(fs::path("f100-uart-thin.toml").parent_path());
  fs::current_path(here);
  ASSERT_TRUE(node) << node.error().str();
  EXPECT_TRUE(fs::equivalent(root, source_root())) << root;
}

// WIT text reaches generated C too: a name that is a C or C++ keyword is
// refused where it stands, and the WIT file's name (from the command line)
// cannot break out of the header's first-line comment.
TEST(WitText, KeywordsAreRefusedAndTheFileNameStaysInItsComment) {
  const std::string wit =
      "package a:b;\ninterface regs {\n  get: func(offset: u32) -> u32;\n  put: func(register: u32, value: u32);\n}\n"
      "world w {\n  import regs;\n}\n";
  auto pkg = wit::parse(wit, "k.wit");
  ASSERT_TRUE(pkg) << pkg.error().str();
  auto bad = wit::bind(*pkg, "w", false, "k.wit");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().str(),
            "k.wit:4:1: error: WIT name 'register' becomes the C name 'register', a C or C++ keyword");
  std::string fine = wit;
  fine.replace(fine.find("register"), 8, "reg");
  auto ok_pkg = wit::parse(fine, "k.wit");
  ASSERT_TRUE(ok_pkg) << ok_pkg.error().str();
  auto header = wit::bind(*ok_pkg, "w", false, "dir/evil\n#error injected\\.wit");
  ASSERT_TRUE(header) << header.error().str();
  const std::string first = header->substr(0, header->find('\n'));
  EXPECT_EQ(first.rfind("// Generated by `gust bind ", 0), 0u) << first;
  EXPECT_NE(first.find("evil_#error injected_.wit"), std::string::npos) << first;
  EXPECT_EQ(header->find("\n#error"), std::string::npos);
}

}  // namespace
}  // namespace gust::test
