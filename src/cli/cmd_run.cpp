// `gust run NODE.toml`: build the node, boot it in QEMU's stm32vldiscovery
// machine with USART1 on the terminal, and optionally gate on its output.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "cli/cli.h"
#include "compose/compose.h"

namespace gust::cli {

namespace fs = std::filesystem;

namespace {

struct RunArgs {
  std::string manifest, expect, send, out;
  double timeout = 0;
  bool no_build = false;
};

std::vector<std::string> qemu_argv(const fs::path& elf) {
  return {compose::tool("GUST_QEMU", "qemu-system-arm"),
          "-M",
          "stm32vldiscovery",
          "-nographic",
          "-serial",
          "stdio",
          "-monitor",
          "none",
          "-kernel",
          elf.string()};
}

pid_t spawn(const std::vector<std::string>& argv, int in_fd, int out_fd) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  if (in_fd >= 0) dup2(in_fd, 0);
  if (out_fd >= 0) dup2(out_fd, 1);
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
int run_attached(const fs::path& elf, double timeout) {
  pid_t pid = spawn(qemu_argv(elf), -1, -1);
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

// Gated: capture USART1, send once the first line is out, and succeed as soon
// as a received line contains the expected text.
int run_gated(const fs::path& elf, const RunArgs& a) {
  int to_qemu[2], from_qemu[2];
  if (pipe(to_qemu) != 0 || pipe(from_qemu) != 0) return report(Error::make(Error::Kind::Tool, "cannot create pipes"));
  pid_t pid = spawn(qemu_argv(elf), to_qemu[0], from_qemu[1]);
  close(to_qemu[0]);
  close(from_qemu[1]);
  signal(SIGPIPE, SIG_IGN);
  std::string captured, line;
  bool sent = a.send.empty();
  const double timeout = a.timeout > 0 ? a.timeout : 20;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const double left = timeout - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (left <= 0) break;
    pollfd p{from_qemu[0], POLLIN, 0};
    if (poll(&p, 1, int(std::min(left, 0.1) * 1000) + 1) > 0) {
      char buf[512];
      ssize_t n = read(from_qemu[0], buf, sizeof buf);
      if (n <= 0) break;  // QEMU exited
      std::cout.write(buf, n);
      std::cout.flush();
      captured.append(buf, size_t(n));
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == '\n' || buf[i] == '\r') {
          if (!line.empty() && !sent) {
            if (write(to_qemu[1], a.send.data(), a.send.size()) < 0) break;
            sent = true;
          }
          line.clear();
        } else {
          line += buf[i];
          // Once sent, a match must come from what arrives after the send.
          if (!a.expect.empty() && sent && line.find(a.expect) != std::string::npos) {
            stop(pid);
            fprintf(stderr, "\ngust: found \"%s\" on USART1\n", a.expect.c_str());
            return 0;
          }
        }
      }
    }
  }
  stop(pid);
  fprintf(stderr, "\ngust: \"%s\" did not appear on USART1 within %.0f s%s; captured %zu bytes:\n%s\n",
          a.expect.c_str(), timeout, sent ? "" : " (nothing was sent: no first line)", captured.size(),
          captured.c_str());
  return 1;
}

int run_node(const RunArgs& a) {
  auto node = compose::load_node(a.manifest);
  if (!node) return report(node.error());
  const fs::path out_root = a.out.empty() ? default_out_root() : fs::path(a.out);
  fs::path elf = out_root / node->name / (node->name + ".elf");
  if (!a.no_build) {
    compose::BuildOptions opts;
    opts.out_root = out_root;
    auto rep = compose::build(*node, opts);
    if (!rep) return report(rep.error());
    elf = rep->elf;
  } else if (!fs::exists(elf)) {
    return report(Error::make(Error::Kind::Input, "no image at " + elf.string() + ": run gust build first"));
  }
  fprintf(stderr, "gust: booting %s in qemu-system-arm -M stm32vldiscovery (USART1 on this terminal)\n",
          elf.filename().c_str());
  if (a.expect.empty() && a.send.empty()) return run_attached(elf, a.timeout);
  return run_gated(elf, a);
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
  c->add_flag("--no-build", a->no_build, "Boot the image already built");
  c->callback([a] { exit_status = run_node(*a); });
}

}  // namespace gust::cli
