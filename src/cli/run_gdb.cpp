// gust run and gdb: the gdb server, the attach command, and the trap watch
// (see run_gdb.h). The watch adds nothing to the image: the breakpoint is
// QEMU's, and the call stack is gdb's reading of the image's DWARF.
#include "cli/run_gdb.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <sstream>

#include "base/tools.h"
#include "gust/trap.h"
#include "image/elf.h"

namespace gust::cli {

namespace fs = std::filesystem;

int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return 1234;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t n = sizeof a;
  int port = 1234;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &n) == 0)
    port = ntohs(a.sin_port);
  close(s);
  return port;
}

std::string gdb_program() {
  const std::string gdb = base::tool("GUST_GDB", "gdb-multiarch");
  if (gdb.find('/') != std::string::npos) return access(gdb.c_str(), X_OK) == 0 ? gdb : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && access((d + "/" + gdb).c_str(), X_OK) == 0) return gdb;
  return "";
}

std::string gdb_attach_command(const fs::path& elf, int port) {
  return "gdb-multiarch " + elf.string() + " -ex 'target remote localhost:" + std::to_string(port) + "'";
}

std::optional<TrapWatch> start_trap_watch(const fs::path& elf, int port) {
  const std::string gdb = gdb_program();
  if (gdb.empty()) return std::nullopt;
  int out[2];
  if (pipe(out) != 0) return std::nullopt;
  const std::vector<std::string> argv = {
      gdb, "-q", "-nx", "-batch", elf.string(), "-ex", "set pagination off", "-ex", "set confirm off", "-ex",
      "set filename-display absolute", "-ex", "target remote localhost:" + std::to_string(port), "-ex",
      "break *gust_trap", "-ex", "break *gust_default_isr", "-ex", "continue", "-ex",
      // Where it stopped, the exception number and the
      // pc stacked by the exception entry (a fault's).
      "printf \"gust-stop %u %u %u\\n\", $pc, $xpsr & 0x1ff, *(unsigned *)($sp + 24)", "-ex",
      "printf \"gust-trap-code %u\\n\", $r0", "-ex", "bt 16"};
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(out[0]);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
  return TrapWatch{pid, out[0], ""};
}

namespace {

const char* trap_meaning(unsigned code) {
  switch (code) {
#define GUST_TRAP_CASE(c, name, msg) \
  case c:                            \
    return msg;
    GUST_TRAPS(GUST_TRAP_CASE)
#undef GUST_TRAP_CASE
    default:
      return "unknown trap code";
  }
}

std::string same_file(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return (ec ? p : c).lexically_normal().string();
}

// A path as the user is likely to read it: relative to the current folder
// when it lies below it.
std::string shown(const fs::path& p) {
  std::error_code ec;
  const fs::path rel = fs::relative(p, fs::current_path(), ec);
  if (ec || rel.empty() || rel.native().rfind("..", 0) == 0) return p.string();
  return rel.string();
}

// " in FUNCTION at FILE:LINE" for an address of the image, from its DWARF
// through addr2line, or " in SYMBOL" without a line, or "".
std::string source_of(uint32_t pc, const fs::path& elf) {
  char hex[16];
  snprintf(hex, sizeof hex, "0x%08x", pc);
  const auto r =
      base::run_tool({base::tool("GUST_ADDR2LINE", "arm-none-eabi-addr2line"), "-f", "-e", elf.string(), hex});
  std::istringstream out(r.output);
  std::string function, where, text;
  if (r.status == 0 && std::getline(out, function) && std::getline(out, where) && function != "??") {
    text = " in " + function;
    const auto colon = where.rfind(':');
    if (where.rfind("??", 0) != 0 && colon != std::string::npos) {
      std::string at = where.substr(colon + 1);
      if (const auto sp = at.find(' '); sp != std::string::npos) at.resize(sp);  // " (discriminator N)"
      text += " at " + shown(where.substr(0, colon)) + ":" + at;
    }
  } else if (auto image = image::read_elf(elf)) {
    if (const image::Symbol* s = image->function_at(pc)) text = " in " + s->name;
  }
  return text;
}

const char* exception_name(unsigned n) {
  switch (n) {
    case 2:
      return "NMI";
    case 3:
      return "HardFault";
    case 4:
      return "MemManage";
    case 5:
      return "BusFault";
    case 6:
      return "UsageFault";
    case 11:
      return "SVCall";
    case 12:
      return "DebugMonitor";
    case 14:
      return "PendSV";
    case 15:
      return "SysTick";
    default:
      return n >= 16 ? "an interrupt no handler serves" : "a reserved exception";
  }
}

// The watch stopped at boot's default handler: a fault (or an exception no
// one serves), reported at the pc the exception entry stacked.
std::optional<std::string> fault_report(const std::string& out, const fs::path& elf, const image::Image* image) {
  static const std::regex stop_re(R"(gust-stop (\d+) (\d+) (\d+))");
  std::smatch m;
  if (!image || !std::regex_search(out, m, stop_re)) return std::nullopt;
  const uint32_t pc = uint32_t(std::stoul(m[1])) & ~1u;
  bool at_default = false;
  for (const image::Symbol* s : image->symbols_at(pc)) at_default = at_default || s->name == "gust_default_isr";
  if (!at_default) return std::nullopt;
  const unsigned n = unsigned(std::stoul(m[2]));
  const uint32_t stacked = uint32_t(std::stoul(m[3])) & ~1u;
  char hex[16];
  snprintf(hex, sizeof hex, "0x%08x", stacked);
  std::string line = "gust: fault (" + std::string(exception_name(n)) + ", exception " + std::to_string(n);
  if (n >= 16) line += ", IRQ " + std::to_string(n - 16);
  return line + ") at pc " + hex + source_of(stacked, elf);
}

}  // namespace

std::optional<std::string> trap_report(const std::string& out, const fs::path& elf, const compose::Node& node) {
  auto image = image::read_elf(elf);
  if (auto fault = fault_report(out, elf, image ? &*image : nullptr)) return fault;
  static const std::regex code_re(R"(gust-trap-code (\d+))");
  std::smatch m;
  if (!std::regex_search(out, m, code_re)) return std::nullopt;
  const unsigned code = unsigned(std::stoul(m[1]));
  std::string line = "gust: trap " + std::to_string(code) + " (" + trap_meaning(code) + ")";
  // The frames, innermost first: "#N  [0xPC in ]FUNCTION (ARGS) at FILE:LINE".
  static const std::regex frame_re(R"(^#(\d+)\s+(?:0x([0-9a-fA-F]+) in )?(.+?) \(.*\) at (.+):(\d+)\s*$)");
  std::istringstream lines(out);
  std::optional<std::string> caller;  // the first frame outside gust_trap, for a trap that no driver frame explains
  for (std::string l; std::getline(lines, l);) {
    std::smatch f;
    if (!std::regex_match(l, f, frame_re) || f[1] == "0") continue;
    const std::string file = same_file(f[4].str());
    const uint32_t pc = f[2].matched ? uint32_t(std::stoul(f[2].str(), nullptr, 16)) : 0;
    if (!caller) caller = " in " + f[3].str() + " at " + shown(f[4].str()) + ":" + f[5].str();
    for (const auto& d : node.drivers) {
      if (same_file(d.source) != file) continue;
      // One source may serve several instances: the image's symbol for the
      // call site (the return address less one) says whose code it is.
      if (image && pc) {
        const image::Symbol* s = image->function_at((pc & ~1u) - 1);
        if (!s || s->name.rfind(d.instance + "_", 0) != 0) continue;
      }
      return line + " in " + d.instance + "." + f[3].str() + " at " + shown(f[4].str()) + ":" + f[5].str();
    }
  }
  return line + (caller ? *caller : std::string(" (no source line: was the image built with --no-debug?)"));
}

std::optional<std::string> lockup_report(const std::string& err, const fs::path& elf) {
  static const std::regex why_re(R"(Lockup: ([^\n]*?)\s*\n)");
  static const std::regex pc_re(R"(R15=([0-9a-fA-F]{8}))");
  std::smatch why, pc_m;
  if (!std::regex_search(err, why, why_re)) return std::nullopt;
  std::string line = "gust: lockup (" + why[1].str() + ")";
  if (!std::regex_search(err, pc_m, pc_re)) return line + " at an unknown pc";
  const uint32_t pc = uint32_t(std::stoul(pc_m[1].str(), nullptr, 16)) & ~1u;
  char hex[16];
  snprintf(hex, sizeof hex, "0x%08x", pc);
  line += std::string(" at pc ") + hex;
  return line + source_of(pc, elf);
}

}  // namespace gust::cli
