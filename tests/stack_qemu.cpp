// Paint and measure under QEMU (see stack_qemu.h): QEMU's gdb stub over a
// unix socket, USART1 over a pair of FIFOs, and a two-instruction gadget in
// spare flash that pends an NVIC line from the core itself (the stub's own
// memory writes do not reach device registers).
#include "stack_qemu.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <thread>

#include "compose/compose.h"
#include "image/elf.h"
#include "support.h"

namespace gust::test {

namespace {

constexpr uint32_t kPaint = 0xA5C3F00Du;
constexpr uint32_t kGadget = 0x0801FF00u;  // the last KiB of the 128 KiB flash, beyond any node image
constexpr uint32_t kNvicIser = 0xE000E100u, kNvicIspr = 0xE000E200u, kNvicIabr = 0xE000E300u;
// str r1, [r0]; str r1, [r2]; b .: enables the line, pends it, and waits
// (the stub stops after two steps, before the branch).
constexpr std::array<uint8_t, 6> kGadgetCode = {0x01, 0x60, 0x11, 0x60, 0xFE, 0xE7};
// QEMU's single-step flags: 0x1 steps with interrupts and timers running,
// 0x7 (its default) with both held off.
constexpr const char* kStepLive = "Qqemu.sstep=0x1";
constexpr const char* kStepQuiet = "Qqemu.sstep=0x7";

Error fail(const std::string& msg) { return Error::make(Error::Kind::Tool, "qemu measurement: " + msg); }

std::string hex8(uint32_t v) {
  char b[12];
  snprintf(b, sizeof b, "%08x", v);
  return b;
}

// Little-endian 32-bit words as the stub sends them, in hex.
uint32_t word_at(const std::string& hex, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | uint32_t(std::stoul(hex.substr(at + size_t(i) * 2, 2), nullptr, 16));
  return v;
}
std::string le_hex(uint32_t v) {
  char b[12];
  snprintf(b, sizeof b, "%02x%02x%02x%02x", v & 0xFF, v >> 8 & 0xFF, v >> 16 & 0xFF, v >> 24);
  return b;
}

class Qemu {
 public:
  ~Qemu() {
    if (sock_ >= 0) close(sock_);
    if (rx_ >= 0) close(rx_);
    if (tx_ >= 0) close(tx_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  Result<void> start(const fs::path& elf, const fs::path& dir) {
    const fs::path sock = dir / "gdb.sock", serial = dir / "usart1";
    for (const char* end : {".in", ".out"}) {
      fs::remove(serial.string() + end);
      if (mkfifo((serial.string() + end).c_str(), 0600) != 0) return fail("cannot make a FIFO in " + dir.string());
    }
    fs::remove(sock);
    const std::vector<std::string> argv = {compose::tool("GUST_QEMU", "qemu-system-arm"),
                                           "-M",
                                           "stm32vldiscovery",
                                           "-nographic",
                                           "-monitor",
                                           "none",
                                           "-serial",
                                           "pipe:" + serial.string(),
                                           "-S",
                                           "-gdb",
                                           "unix:" + sock.string() + ",server=on,wait=off",
                                           "-kernel",
                                           elf.string()};
    pid_ = fork();
    if (pid_ < 0) return fail("cannot fork");
    if (pid_ == 0) {
      const int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      dup2(null, 1);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    for (int i = 0; i < 200 && sock_ < 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      if (!fs::exists(sock)) continue;
      const int s = socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
      if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
        sock_ = s;
      else
        close(s);
    }
    if (sock_ < 0) return fail("QEMU's gdb stub did not come up (is qemu-system-arm installed?)");
    // QEMU opened both FIFOs read-write, so neither open blocks.
    rx_ = open((serial.string() + ".out").c_str(), O_RDONLY | O_NONBLOCK);
    tx_ = open((serial.string() + ".in").c_str(), O_WRONLY | O_NONBLOCK);
    if (rx_ < 0 || tx_ < 0) return fail("cannot open USART1's FIFOs");
    return {};
  }

  // One request and its reply.
  Result<std::string> ask(const std::string& packet) {
    unsigned sum = 0;
    for (unsigned char c : packet) sum += c;
    char tail[8];
    snprintf(tail, sizeof tail, "#%02x", sum & 0xFF);
    const std::string out = "$" + packet + tail;
    if (write(sock_, out.data(), out.size()) != ssize_t(out.size())) return fail("the gdb stub went away");
    for (;;) {
      const size_t start = in_.find('$');
      const size_t end = start == std::string::npos ? start : in_.find('#', start);
      if (end != std::string::npos && in_.size() >= end + 3) {
        std::string reply = in_.substr(start + 1, end - start - 1);
        in_.erase(0, end + 3);
        if (write(sock_, "+", 1) != 1) return fail("the gdb stub went away");
        return reply;
      }
      pollfd p{sock_, POLLIN, 0};
      if (poll(&p, 1, 3000) <= 0)
        return fail("no reply from the gdb stub to '" + packet.substr(0, 1) + "' (the core sleeps in WFI?)");
      char buf[4096];
      const ssize_t n = read(sock_, buf, sizeof buf);
      if (n <= 0) return fail("the gdb stub went away");
      in_.append(buf, size_t(n));
    }
  }

  Result<void> ok(const std::string& packet) {
    auto r = ask(packet);
    if (!r) return r.error();
    if (*r != "OK") return fail("'" + packet.substr(0, 16) + "' got '" + *r + "'");
    return {};
  }

  // r0..r15 and xPSR (the stub's `g` layout for an M-profile core without
  // target XML: 16 core registers, 8 FPA registers of 12 bytes, FPS, xPSR).
  struct Regs {
    std::array<uint32_t, 16> r{};
    uint32_t xpsr = 0;
    std::string raw;
  };
  Result<Regs> regs() {
    auto g = ask("g");
    if (!g) return g.error();
    if (g->size() < 336) return fail("unexpected register packet of " + std::to_string(g->size()) + " characters");
    Regs out;
    for (size_t i = 0; i < 16; ++i) out.r[i] = word_at(*g, i * 8);
    out.xpsr = word_at(*g, 328);
    out.raw = *g;
    return out;
  }
  Result<void> set_regs(const Regs& r) {
    std::string g;
    for (uint32_t v : r.r) g += le_hex(v);
    return ok("G" + g + r.raw.substr(128));
  }
  Result<void> step() {
    auto r = ask("s");
    if (!r) return r.error();
    if (r->empty() || (r->at(0) != 'T' && r->at(0) != 'S')) return fail("step got '" + *r + "'");
    return {};
  }
  Result<std::vector<uint8_t>> read_memory(uint32_t addr, uint32_t n) {
    std::vector<uint8_t> out;
    for (uint32_t at = 0; at < n; at += 256) {
      const uint32_t len = std::min<uint32_t>(256, n - at);
      char req[32];
      snprintf(req, sizeof req, "m%x,%x", addr + at, len);
      auto r = ask(req);
      if (!r) return r.error();
      if (r->size() != len * 2) return fail(std::string("cannot read memory: ") + req);
      for (uint32_t i = 0; i < len; ++i) out.push_back(uint8_t(std::stoul(r->substr(i * 2, 2), nullptr, 16)));
    }
    return out;
  }
  Result<void> write_memory(uint32_t addr, const std::vector<uint8_t>& bytes) {
    for (size_t at = 0; at < bytes.size(); at += 256) {
      const size_t len = std::min<size_t>(256, bytes.size() - at);
      char req[40];
      snprintf(req, sizeof req, "M%zx,%zx:", addr + at, len);
      std::string p = req;
      for (size_t i = 0; i < len; ++i) {
        char b[4];
        snprintf(b, sizeof b, "%02x", bytes[at + i]);
        p += b;
      }
      if (auto r = ok(p); !r) return r;
    }
    return {};
  }
  void drain_serial(std::string& into) {
    char buf[256];
    for (ssize_t n; (n = read(rx_, buf, sizeof buf)) > 0;) into.append(buf, size_t(n));
  }
  bool send_serial(const std::string& s) { return write(tx_, s.data(), s.size()) == ssize_t(s.size()); }

 private:
  pid_t pid_ = -1;
  int sock_ = -1, rx_ = -1, tx_ = -1;
  std::string in_;
};

}  // namespace

Result<Measurement> measure_in_qemu(const fs::path& elf, const MeasureOptions& opts) {
  auto img = image::read_elf(elf);
  if (!img) return img.error();
  const image::Symbol* ebss = img->find("_ebss");
  const image::Symbol* estack = img->find("_estack");
  if (!ebss || !estack || ebss->addr >= estack->addr) return fail("no _ebss/_estack in " + elf.string());
  const uint32_t lo = (ebss->addr + 3) & ~3u, top = estack->addr;

  Qemu q;
  if (auto r = q.start(elf, scratch("qemu-" + elf.stem().string())); !r) return r.error();
  std::vector<uint8_t> paint;
  for (uint32_t a = lo; a < top; a += 4)
    for (int i = 0; i < 4; ++i) paint.push_back(uint8_t(kPaint >> (8 * i)));
  if (auto r = q.write_memory(lo, paint); !r) return r.error();
  if (auto r = q.write_memory(kGadget, {kGadgetCode.begin(), kGadgetCode.end()}); !r) return r.error();
  if (auto r = q.ok(kStepLive); !r) return r.error();

  Measurement m;
  uint32_t min_sp = top;
  // The deepest SP seen so far in the thread (index 0) and in the handler of
  // each line (index k + 1): a new deepest point is where the next line goes.
  std::vector<uint32_t> deepest(opts.lines.size() + 1, top);
  bool sent = false;
  uint64_t sent_at = 0, expect_at = 0;
  uint32_t last_ipsr = 0;
  for (; m.steps < opts.max_steps; ++m.steps) {
    auto r = q.regs();
    if (!r) return r.error();
    const uint32_t sp = r->r[13], ipsr = r->xpsr & 0x1FF;
    min_sp = std::min(min_sp, sp);
    size_t level = opts.lines.size() + 1;  // not a level of ours: another exception
    if (ipsr == 0) level = 0;
    for (size_t k = 0; k < opts.lines.size(); ++k)
      if (ipsr == 16 + opts.lines[k]) level = k + 1;
    if (ipsr != last_ipsr) {
      // How many of the lines are active at once: NVIC_IABR, one bit per line.
      last_ipsr = ipsr;
      auto iabr = q.read_memory(kNvicIabr, 8);
      if (!iabr) return iabr.error();
      uint32_t active = 0;
      for (uint32_t line : opts.lines) active += (*iabr)[line / 8] >> (line % 8) & 1;
      m.max_nesting = std::max(m.max_nesting, active);
    }
    if (level < opts.lines.size() && sp < deepest[level]) {
      deepest[level] = sp;
      // Enable and pend the next line from the gadget with interrupts held
      // (the oracle lets any vector fire at any time, so the line is forced
      // on even where the program keeps it masked), then step once with them
      // live: the core takes it here, at this SP.
      const uint32_t line = opts.lines[level];
      Qemu::Regs gadget = *r;
      gadget.r[0] = kNvicIser + 4 * (line / 32);
      gadget.r[1] = 1u << (line % 32);
      gadget.r[2] = kNvicIspr + 4 * (line / 32);
      gadget.r[15] = kGadget;
      if (auto e = q.ok(kStepQuiet); !e) return e.error();
      if (auto e = q.set_regs(gadget); !e) return e.error();
      if (auto e = q.step(); !e) return e.error();
      if (auto e = q.step(); !e) return e.error();
      if (auto e = q.set_regs(*r); !e) return e.error();
      if (auto e = q.ok(kStepLive); !e) return e.error();
      if (auto e = q.step(); !e) return e.error();
      ++m.steps;
      auto after = q.regs();
      if (!after) return after.error();
      if ((after->xpsr & 0x1FF) == 16 + line) {
        ++m.injected;
        m.frames.insert(sp - after->r[13]);
        m.misaligned_entry = m.misaligned_entry || sp % 8 == 4;
      }
      continue;
    }
    if (auto s = q.step(); !s) return s.error();
    if (m.steps % 64 == 0) {
      q.drain_serial(m.serial);
      if (!sent && m.serial.find('\n') != std::string::npos) {
        sent = opts.send.empty() || q.send_serial(opts.send);
        sent_at = m.steps;
      }
      if (sent && !expect_at && m.serial.find(opts.expect, m.serial.find('\n')) != std::string::npos)
        expect_at = m.steps;
      if (sent && m.steps > std::min(sent_at + opts.steps_after_send, expect_at ? expect_at + 256 : UINT64_MAX)) break;
    }
  }
  q.drain_serial(m.serial);
  auto sram = q.read_memory(lo, top - lo);
  if (!sram) return sram.error();
  uint32_t lowest = top;
  for (uint32_t a = lo; a < top; a += 4) {
    const size_t i = a - lo;
    const uint32_t w = uint32_t((*sram)[i]) | uint32_t((*sram)[i + 1]) << 8 | uint32_t((*sram)[i + 2]) << 16 |
                       uint32_t((*sram)[i + 3]) << 24;
    if (w != kPaint) {
      lowest = a;
      break;
    }
  }
  m.peak = top - lowest;
  m.sp_peak = top - min_sp;
  return m;
}

}  // namespace gust::test
