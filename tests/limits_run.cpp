// The child-process runner behind the limits test and limits_measure.
#include "limits_run.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>

#include "dissolve/dissolve.h"
#include "wasm/module.h"

namespace gust::limits_test {

namespace {

// In the child: the verdict as "outcome\tkind\tmessage" on the pipe.
[[noreturn]] void child(const Bytes& wasm, int fd, uint64_t limit) {
  const rlimit rl{limit, limit};
  setrlimit(RLIMIT_AS, &rl);
  std::string line;
  auto refused = [&](const Error& e) { line = std::string("refused\t") + kind_name(e.kind) + "\t" + e.str(); };
  if (auto m = wasm::decode(wasm); !m) {
    refused(m.error());
  } else if (auto v = wasm::validate(*m); !v) {
    refused(v.error());
  } else if (auto out = dissolve::dissolve(*m, dissolve::Options{}); !out) {
    refused(out.error());
  } else {
    line = "dissolved\t\t" + std::to_string(out->object.size()) + "-byte object";
  }
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  _exit(0);
}

}  // namespace

Verdict run_in_child(const Bytes& wasm, uint64_t limit) {
  Verdict v;
  int fds[2];
  if (pipe(fds) != 0) {
    v.outcome = "crashed";
    v.message = std::string("pipe: ") + strerror(errno);
    return v;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    child(wasm, fds[1], limit);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  v.max_rss_bytes = uint64_t(ru.ru_maxrss) * 1024;
  v.cpu_seconds = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  const size_t tab1 = text.find('\t'), tab2 = tab1 == std::string::npos ? tab1 : text.find('\t', tab1 + 1);
  if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || tab2 == std::string::npos) {
    v.outcome = "crashed";
    v.message = pid < 0               ? std::string("fork: ") + strerror(errno)
                : WIFSIGNALED(status) ? std::string("killed by signal ") + strsignal(WTERMSIG(status))
                                      : "exit status " + std::to_string(WEXITSTATUS(status)) + ": " + text;
    return v;
  }
  v.outcome = text.substr(0, tab1);
  v.kind = text.substr(tab1 + 1, tab2 - tab1 - 1);
  v.message = text.substr(tab2 + 1);
  return v;
}

std::optional<Error> front_half(const Bytes& wasm) {
  auto m = wasm::decode(wasm);
  if (!m) return m.error();
  if (auto v = wasm::validate(*m); !v) return v.error();
  return std::nullopt;
}

CapPoint find_cap(const WorstCase& c) {
  CapPoint p;
  if (front_half(c.make(1, 0))) return p;
  if (!front_half(c.make(c.max_scale, 0))) {
    p.at = c.max_scale;
    return p;
  }
  uint64_t lo = 1, hi = c.max_scale;  // lo accepted, hi refused
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (front_half(c.make(mid, 0)) ? hi : lo) = mid;
  }
  p.at = lo;
  p.over = hi;
  p.refusal = *front_half(c.make(hi, 0));
  return p;
}

}  // namespace gust::limits_test
