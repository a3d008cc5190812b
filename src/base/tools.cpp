// Running the external toolchain (clang-19, arm-none-eabi-gcc, objcopy).
#include "base/tools.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace gust::base {

std::string tool(const char* env, const char* fallback) {
  const char* v = getenv(env);
  return v && *v ? v : fallback;
}

Result<void> write_atomically(const fs::path& file, const void* data, size_t size) {
  const fs::path partial = file.string() + ".partial";
  std::error_code ec;
  {
    std::ofstream out(partial, std::ios::binary);
    out.write(static_cast<const char*>(data), std::streamsize(size));
    if (!out) {
      fs::remove(partial, ec);
      return Error::make(Error::Kind::Input, "cannot write the file", file.string());
    }
  }
  fs::rename(partial, file, ec);
  if (ec) {
    fs::remove(partial, ec);
    return Error::make(Error::Kind::Input, "cannot write the file: " + ec.message(), file.string());
  }
  return {};
}

ToolRun run_tool(const std::vector<std::string>& argv) {
  ToolRun r;
  int fds[2];
  if (pipe(fds) != 0) return r;
  pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    fprintf(stderr, "cannot run %s: not installed or not on PATH\n", args[0]);
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) r.output.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace gust::base
