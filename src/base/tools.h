// Beneath every layer: running the external toolchain (clang-19,
// arm-none-eabi-*, QEMU, wabt) and writing files so that a failure never
// leaves a half-written one.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "wasm/error.h"

namespace gust::base {

namespace fs = std::filesystem;

// Runs a program with arguments; output goes to `log` (stdout and stderr).
struct ToolRun {
  int status = -1;
  std::string output;
};
ToolRun run_tool(const std::vector<std::string>& argv);
// Writes a file beside its target and renames it into place, so that a
// failure never leaves a half-written file.
[[nodiscard]] Result<void> write_atomically(const fs::path& file, const void* data, size_t size);
// The name of a tool, overridable through the environment (GUST_CLANG, ...).
std::string tool(const char* env, const char* fallback);

}  // namespace gust::base
