// `gust run NODE.toml`: build the node, boot it in QEMU's stm32vldiscovery
// machine with USART1 on the terminal, and optionally gate on its output,
// feed the other USARTs from files and record what they transmit.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli.h"
#include "cli/run_gdb.h"
#include "compose/compose.h"

namespace gust::cli {

namespace fs = std::filesystem;

namespace {

// QEMU's -serial options attach to USART1, USART2, USART3 in that order.
constexpr int kUsarts = 3;

struct RunArgs {
  std::string manifest, expect, send, out;
  std::vector<std::string> inputs, outputs;  // "usartN=FILE"
  double timeout = 0;
  bool no_build = false, fuse = false, separate = false;
  std::optional<int> gdb;  // --gdb [PORT]: QEMU halted, waiting for gdb
  std::string device_log;  // --device-log FILE: QEMU's log of the devices it does not model
};

// QEMU logs every access to a device it does not model (RCC, GPIO, AFIO:
// "GPIOC: unimplemented device write (size 4, offset 0x010, value ...)")
// into a scratch file beside FILE, which becomes FILE once QEMU has stopped.
fs::path device_log_scratch(const RunArgs& a) { return a.device_log + ".partial"; }
std::vector<std::string> device_log_args(const RunArgs& a) {
  if (a.device_log.empty()) return {};
  return {"-d", "unimp", "-D", device_log_scratch(a).string()};
}

// Exit status of a run whose node trapped, locked up or stopped early:
// distinct from 1, a failed --expect.
constexpr int kTrapped = 3;

// A USART other than the console, fed from a file and/or recorded to one,
// through a Unix socket that QEMU connects to as the USART's chardev.
struct Port {
  std::string input_path, output_path;
  std::string input;  // the bytes to send, read before the build
  size_t sent = 0;
  std::string received;
  int listen_fd = -1, fd = -1;
  fs::path socket;
  bool used() const { return !input_path.empty() || !output_path.empty(); }
};

using Ports = std::array<Port, kUsarts + 1>;  // indexed by USART number; [1] is the terminal

// "usart2=FILE" -> (2, FILE).
Result<std::pair<int, std::string>> parse_port(const std::string& spec, const char* option) {
  const auto eq = spec.find('=');
  const std::string name = spec.substr(0, eq);
  const auto bad = [&](const std::string& why) {
    return Error::make(Error::Kind::Input, std::string(option) + " " + spec + ": " + why);
  };
  if (eq == std::string::npos || eq + 1 == spec.size()) return bad("expected usartN=FILE");
  if (name.size() != 6 || name.compare(0, 5, "usart") != 0 || name[5] < '1' || name[5] > '0' + kUsarts)
    return bad("no such USART '" + name + "' (the machine has usart1 to usart" + std::to_string(kUsarts) + ")");
  if (name[5] == '1')
    return bad("usart1 is the terminal: use --send and --expect, or redirect gust's standard streams");
  return std::pair{name[5] - '0', spec.substr(eq + 1)};
}

// Each --input and --output, at most one of each per USART; an input's bytes
// are read now, so a missing file is refused before anything is built.
Result<Ports> parse_ports(const RunArgs& a) {
  Ports ports;
  for (const bool input : {true, false}) {
    const char* option = input ? "--input" : "--output";
    for (const auto& spec : input ? a.inputs : a.outputs) {
      auto p = parse_port(spec, option);
      if (!p) return p.error();
      Port& port = ports[size_t(p->first)];
      std::string& path = input ? port.input_path : port.output_path;
      if (!path.empty())
        return Error::make(Error::Kind::Input, std::string(option) + " " + spec + ": usart" + std::to_string(p->first) +
                                                   " already has an " + (option + 2));
      path = p->second;
      if (!input) continue;
      std::ifstream in(path, std::ios::binary);
      if (!in) return Error::make(Error::Kind::Input, "--input " + spec + ": cannot read " + path);
      port.input.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  return ports;
}

// Listens on a fresh socket for each used port, before QEMU starts, so that
// QEMU's client connection succeeds at once.
Result<void> listen_ports(Ports& ports, const fs::path& dir) {
  for (int n = 2; n <= kUsarts; ++n) {
    Port& p = ports[size_t(n)];
    if (!p.used()) continue;
    p.socket = dir / ("usart" + std::to_string(n) + ".sock");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (p.socket.string().size() >= sizeof addr.sun_path)
      return Error::make(Error::Kind::Tool, "socket path too long: " + p.socket.string());
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", p.socket.c_str());
    fs::remove(p.socket);
    p.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (p.listen_fd < 0 || bind(p.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(p.listen_fd, 1) != 0)
      return Error::make(Error::Kind::Tool, "cannot listen on " + p.socket.string());
  }
  return {};
}

// QEMU halted at reset (-S) with its gdb server on localhost:port.
void add_gdb_server(std::vector<std::string>& argv, int port) {
  argv.insert(argv.end(), {"-S", "-gdb", "tcp:127.0.0.1:" + std::to_string(port)});
}

std::vector<std::string> qemu_argv(const fs::path& elf, const Ports& ports,
                                   const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {compose::tool("GUST_QEMU", "qemu-system-arm"),
                                   "-M",
                                   "stm32vldiscovery",
                                   "-nographic",
                                   "-serial",
                                   "stdio",
                                   "-monitor",
                                   "none",
                                   "-kernel",
                                   elf.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  int last = 1;
  for (int n = 2; n <= kUsarts; ++n)
    if (ports[size_t(n)].used()) last = n;
  for (int n = 2; n <= last; ++n) {
    const Port& p = ports[size_t(n)];
    if (!p.used()) {
      argv.insert(argv.end(), {"-serial", "null"});
      continue;
    }
    const std::string id = "usart" + std::to_string(n);
    argv.insert(argv.end(), {"-chardev", "socket,id=" + id + ",path=" + p.socket.string(), "-serial", "chardev:" + id});
  }
  return argv;
}

pid_t spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd = -1) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  if (in_fd >= 0) dup2(in_fd, 0);
  if (out_fd >= 0) dup2(out_fd, 1);
  if (err_fd >= 0) dup2(err_fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  fprintf(stderr, "gust: cannot run %s\n", args[0]);
  _exit(127);
}

int stop(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// Interactive: QEMU owns the terminal until it exits or the timeout passes.
int run_attached(const fs::path& elf, double timeout, std::vector<std::string> extra,
                 std::optional<int> gdb_port = std::nullopt) {
  if (gdb_port) {
    add_gdb_server(extra, *gdb_port);
    fprintf(stderr, "gust: QEMU is halted at reset, its gdb server on localhost:%d; attach with\n  %s\n", *gdb_port,
            gdb_attach_command(elf, *gdb_port).c_str());
  }
  pid_t pid = spawn(qemu_argv(elf, Ports{}, extra), -1, -1);
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (timeout > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > timeout) {
      stop(pid);
      fprintf(stderr, "\ngust: stopped QEMU after %.0f s\n", timeout);
      return 0;
    }
    usleep(20000);
  }
}

// Moves bytes between a port's socket and its buffers; false once QEMU has
// closed it.
bool service_port(Port& p, short revents, bool console_started) {
  if (revents & POLLIN) {
    char buf[512];
    const ssize_t n = read(p.fd, buf, sizeof buf);
    if (n <= 0) return false;
    p.received.append(buf, size_t(n));
  }
  if ((revents & POLLOUT) && console_started && p.sent < p.input.size()) {
    const ssize_t n = write(p.fd, p.input.data() + p.sent, p.input.size() - p.sent);
    if (n < 0) return false;
    p.sent += size_t(n);
  }
  return !(revents & (POLLHUP | POLLERR)) || (revents & POLLIN);
}

// Writes what each recorded USART transmitted, whole or not at all.
Result<void> save_outputs(const Ports& ports) {
  for (int n = 2; n <= kUsarts; ++n) {
    const Port& p = ports[size_t(n)];
    if (p.output_path.empty()) continue;
    if (auto w = base::write_atomically(p.output_path, p.received.data(), p.received.size()); !w) return w.error();
    fprintf(stderr, "gust: usart%d transmitted %zu bytes, written to %s\n", n, p.received.size(),
            p.output_path.c_str());
  }
  return {};
}

// Gated: capture USART1, send once the first line is out, and succeed as soon
// as a received line contains the expected text (without --expect, run until
// the timeout or QEMU's exit). Other USARTs are fed and recorded meanwhile;
// their input, like --send, starts once USART1 has printed its first line,
// because QEMU drops bytes that arrive before the firmware enables a USART.
int run_gated(const fs::path& elf, const RunArgs& a, Ports& ports, const compose::Node& node) {
  int to_qemu[2], from_qemu[2], qemu_err_pipe[2];
  if (pipe(to_qemu) != 0 || pipe(from_qemu) != 0 || pipe(qemu_err_pipe) != 0)
    return report(Error::make(Error::Kind::Tool, "cannot create pipes"));
  // The trap watch: QEMU starts halted for gdb, which lets it run.
  const int port = free_port();
  // A node with on_trap = "reset" recovers by itself and reports the trap at
  // its next boot; it is not watched.
  const bool reset_policy = node.on_trap == compose::OnTrap::Reset;
  const bool watch_traps = !reset_policy && !gdb_program().empty();
  if (!watch_traps && !reset_policy)
    fprintf(stderr, "gust: no gdb-multiarch: a trap is not reported at its source line\n");
  std::vector<std::string> extra = device_log_args(a);
  if (watch_traps) add_gdb_server(extra, port);
  pid_t pid = spawn(qemu_argv(elf, ports, extra), to_qemu[0], from_qemu[1], qemu_err_pipe[1]);
  // QEMU's stderr, kept: on a core lockup QEMU prints why and the registers
  // there, and aborts.
  close(qemu_err_pipe[1]);
  fcntl(qemu_err_pipe[0], F_SETFL, fcntl(qemu_err_pipe[0], F_GETFL) | O_NONBLOCK);
  std::string qemu_err;
  auto read_qemu_err = [&](int wait_ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      char buf[1024];
      const ssize_t n = read(qemu_err_pipe[0], buf, sizeof buf);
      if (n > 0) {
        qemu_err.append(buf, size_t(n));
        continue;
      }
      if (n == 0 || std::chrono::steady_clock::now() >= until) return;  // closed, or nothing more for now
      usleep(10000);
    }
  };
  std::optional<TrapWatch> watch;
  if (watch_traps) watch = start_trap_watch(elf, port);
  close(to_qemu[0]);
  close(from_qemu[1]);
  signal(SIGPIPE, SIG_IGN);
  std::string captured, line;
  bool sent = a.send.empty(), console_started = false, qemu_open = true;
  const double timeout = a.timeout > 0 ? a.timeout : 20;
  const auto start = std::chrono::steady_clock::now();
  auto end_watch = [&] {
    if (!watch) return;
    kill(watch->pid, SIGTERM);
    waitpid(watch->pid, nullptr, 0);
    close(watch->fd);
    watch.reset();
  };
  // Reads what the watch printed; once gdb has exited, the trap's report.
  auto read_watch = [&](int wait_ms) -> std::optional<std::string> {
    if (!watch) return std::nullopt;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      char buf[1024];
      const ssize_t n = read(watch->fd, buf, sizeof buf);
      if (n > 0) {
        watch->output.append(buf, size_t(n));
        continue;
      }
      if (n == 0) break;  // gdb exited
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      usleep(10000);
    }
    auto r = trap_report(watch->output, elf, node);
    waitpid(watch->pid, nullptr, 0);
    close(watch->fd);
    const std::string said = watch->output;
    watch.reset();
    if (!r && said.find("gust-trap-code") == std::string::npos && qemu_open)
      fprintf(stderr, "gust: the trap watch stopped early:\n%s\n", said.c_str());
    return r;
  };
  bool qemu_reaped = false;
  bool qemu_err_shown = false;
  auto finish = [&](int status) {
    end_watch();
    if (!qemu_reaped) stop(pid);
    read_qemu_err(0);
    close(qemu_err_pipe[0]);
    if (!qemu_err_shown && !qemu_err.empty()) fprintf(stderr, "%s", qemu_err.c_str());
    for (auto& p : ports) {
      if (p.fd >= 0) close(p.fd);
      if (p.listen_fd >= 0) close(p.listen_fd);
    }
    if (auto saved = save_outputs(ports); !saved) return report(saved.error());
    for (int n = 2; n <= kUsarts; ++n) {
      const Port& p = ports[size_t(n)];
      if (p.sent < p.input.size())
        fprintf(stderr, "gust: usart%d: only %zu of the %zu bytes of %s were sent\n", n, p.sent, p.input.size(),
                p.input_path.c_str());
    }
    return status;
  };
  // The watch's report: a trap, or a fault, after which the watch lets go and
  // boot's handler locks the core up; QEMU's dump of that says nothing more.
  auto trapped_at = [&](const std::string& line) {
    fprintf(stderr, "\n%s\n", line.c_str());
    if (line.rfind("gust: fault", 0) == 0) qemu_err_shown = true;
    return finish(kTrapped);
  };
  while (qemu_open) {
    const double left = timeout - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (left <= 0) break;
    if (auto trapped = read_watch(0)) {
      return trapped_at(*trapped);
    }
    read_qemu_err(0);
    std::vector<pollfd> fds{{from_qemu[0], POLLIN, 0}};
    std::vector<Port*> owners{nullptr};
    for (auto& p : ports) {
      if (p.fd >= 0) {
        fds.push_back({p.fd, short(POLLIN | (console_started && p.sent < p.input.size() ? POLLOUT : 0)), 0});
        owners.push_back(&p);
      } else if (p.listen_fd >= 0) {
        fds.push_back({p.listen_fd, POLLIN, 0});
        owners.push_back(&p);
      }
    }
    if (poll(fds.data(), fds.size(), int(std::min(left, 0.1) * 1000) + 1) <= 0) continue;
    for (size_t k = 1; k < fds.size(); ++k) {
      Port& p = *owners[k];
      if (!fds[k].revents) continue;
      if (p.fd < 0) {
        p.fd = accept(p.listen_fd, nullptr, nullptr);
        if (p.fd >= 0) fcntl(p.fd, F_SETFL, fcntl(p.fd, F_GETFL) | O_NONBLOCK);
      } else if (!service_port(p, fds[k].revents, console_started)) {
        close(p.fd);
        p.fd = -2;  // closed by QEMU: neither polled again nor accepted again
      }
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
    char buf[512];
    ssize_t n = read(from_qemu[0], buf, sizeof buf);
    if (n <= 0) {
      qemu_open = false;  // QEMU exited
      break;
    }
    std::cout.write(buf, n);
    std::cout.flush();
    captured.append(buf, size_t(n));
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n' || buf[i] == '\r') {
        if (!line.empty()) console_started = true;
        if (!line.empty() && !sent) {
          if (write(to_qemu[1], a.send.data(), a.send.size()) < 0) break;
          sent = true;
        }
        line.clear();
      } else {
        line += buf[i];
        // Once sent, a match must come from what arrives after the send.
        if (!a.expect.empty() && sent && line.find(a.expect) != std::string::npos) {
          fprintf(stderr, "\ngust: found \"%s\" on USART1\n", a.expect.c_str());
          return finish(0);
        }
      }
    }
  }
  // QEMU gone before its time: a trap the watch saw (gdb may still be
  // printing), or an early exit, reported as such rather than as a timeout.
  if (!qemu_open) {
    if (auto trapped = read_watch(5000)) {
      return trapped_at(*trapped);
    }
    // A lockup: QEMU said so on stderr, with the pc, and aborted.
    read_qemu_err(2000);
    if (auto locked = lockup_report(qemu_err, elf)) {
      qemu_err_shown = true;
      fprintf(stderr, "\n%s\n", locked->c_str());
      return finish(kTrapped);
    }
    int status = 0;
    const bool exited = waitpid(pid, &status, WNOHANG) == pid;
    const double after = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fprintf(stderr, "\ngust: QEMU exited after %.1f s (%s), before %s; captured %zu bytes:\n%s\n", after,
            !exited             ? "still stopping"
            : WIFEXITED(status) ? ("status " + std::to_string(WEXITSTATUS(status))).c_str()
                                : "killed by a signal",
            a.expect.empty() ? "the timeout" : ("\"" + a.expect + "\" appeared").c_str(), captured.size(),
            captured.c_str());
    qemu_reaped = exited;
    return finish(kTrapped);
  }
  if (auto trapped = read_watch(0)) {
    return trapped_at(*trapped);
  }
  if (a.expect.empty()) {
    fprintf(stderr, "\ngust: stopped QEMU after %.0f s\n", timeout);
    return finish(0);
  }
  fprintf(stderr, "\ngust: \"%s\" did not appear on USART1 within %.0f s%s; captured %zu bytes:\n%s\n",
          a.expect.c_str(), timeout, sent ? "" : " (nothing was sent: no first line)", captured.size(),
          captured.c_str());
  return finish(1);
}

// QEMU has stopped: its device log moves into place whole (an empty file
// when the node touched no unmodelled device).
int with_device_log(const RunArgs& a, int status) {
  if (a.device_log.empty()) return status;
  std::error_code ec;
  const fs::path scratch = device_log_scratch(a);
  if (!fs::exists(scratch, ec)) std::ofstream(scratch).flush();
  fs::rename(scratch, a.device_log, ec);
  if (ec) {
    fs::remove(scratch, ec);
    return report(Error::make(Error::Kind::Input, "cannot write QEMU's device log: " + ec.message(), a.device_log));
  }
  fprintf(stderr, "gust: QEMU's log of unmodelled devices written to %s\n", a.device_log.c_str());
  return status;
}

int run_node(const RunArgs& a) {
  auto ports = parse_ports(a);
  if (!ports) return report(ports.error());
  auto node = compose::load_node(a.manifest);
  if (!node) return report(node.error());
  const fs::path out_root = a.out.empty() ? default_out_root() : fs::path(a.out);
  fs::path elf = out_root / node->name / (node->name + ".elf");
  if (!a.no_build) {
    compose::BuildOptions opts;
    opts.out_root = out_root;
    if (a.fuse) opts.fuse = true;
    if (a.separate) opts.fuse = false;
    auto rep = compose::build(*node, opts);
    if (!rep) {
      // The build wrote nothing: an image built before is still in place.
      if (fs::exists(elf)) fprintf(stderr, "gust: the image built before is still at %s\n", elf.c_str());
      return report(rep.error());
    }
    elf = rep->elf;
  } else if (!fs::exists(elf)) {
    return report(Error::make(Error::Kind::Input, "no image at " + elf.string() + ": run gust build first"));
  }
  fprintf(stderr, "gust: booting %s in qemu-system-arm -M stm32vldiscovery (USART1 on this terminal)\n",
          elf.filename().c_str());
  const bool any_port = std::any_of(ports->begin(), ports->end(), [](const Port& p) { return p.used(); });
  if (a.gdb) {
    if (!a.expect.empty() || !a.send.empty() || any_port)
      return report(
          Error::make(Error::Kind::Input, "--gdb runs QEMU on the terminal: no --expect, --send, --input or --output"));
    return with_device_log(a, run_attached(elf, a.timeout, device_log_args(a), a.gdb));
  }
  if (a.expect.empty() && a.send.empty() && !any_port)
    return with_device_log(a, run_attached(elf, a.timeout, device_log_args(a)));
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path() / ("gust-run-" + std::to_string(getpid()));
  fs::create_directories(dir, ec);
  if (auto l = listen_ports(*ports, dir); !l) return report(l.error());
  const int status = run_gated(elf, a, *ports, *node);
  fs::remove_all(dir, ec);
  return with_device_log(a, status);
}

}  // namespace

void add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* c =
      app.add_subcommand("run", "Build a node and boot it in QEMU (stm32vldiscovery), USART1 on the terminal");
  c->add_option("manifest", a->manifest, "The node manifest (TOML)")->required();
  c->add_option("--expect", a->expect, "Exit 0 as soon as a received line contains TEXT; otherwise exit 1");
  c->add_option("--send", a->send, "Send TEXT to USART1 once the first line has appeared");
  c->add_option("--timeout", a->timeout, "Seconds before QEMU is stopped (gated runs default to 20)");
  c->add_option("--out", a->out, "Folder for images (default: build/nodes beside the gust binary)");
  c->add_option("--input", a->inputs,
                "usartN=FILE: feed FILE's bytes into USART N (2 or 3) once USART1 has printed its first line")
      ->type_name("USART=FILE");
  c->add_option("--output", a->outputs, "usartN=FILE: write what USART N (2 or 3) transmits to FILE, when QEMU stops")
      ->type_name("USART=FILE");
  c->add_flag("--no-build", a->no_build, "Boot the image already built");
  c->add_option("--device-log", a->device_log,
                "Write QEMU's log of every access to a device it does not model (RCC, GPIO, AFIO; -d unimp) to FILE "
                "when QEMU stops")
      ->type_name("FILE");
  auto* fuse = c->add_flag("--fuse", a->fuse, "Build as gust build --fuse (the app and its drivers in one object)");
  c->add_flag("--separate", a->separate, "Build as gust build --separate (each instance on its own)")->excludes(fuse);
  auto gdb_port = std::make_shared<int>(1234);
  CLI::Option* gdb = c->add_option("--gdb", *gdb_port,
                                   "Start QEMU halted with its gdb server on localhost:PORT (default 1234) and print "
                                   "the gdb-multiarch command that attaches to it")
                         ->expected(0, 1)
                         ->type_name("[PORT]");
  c->callback([a, gdb, gdb_port] {
    if (gdb->count()) a->gdb = *gdb_port;
    exit_status = run_node(*a);
  });
}

}  // namespace gust::cli
