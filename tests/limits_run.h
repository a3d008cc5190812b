// Running gust's front and back halves on one module in a child process, so
// that its peak memory can be measured (getrusage of that child alone) and
// capped (RLIMIT_AS) without touching the caller.
#pragma once
#include <cstdint>
#include <string>

#include "limits_modules.h"

namespace gust::limits_test {

struct Verdict {
  std::string outcome;  // "dissolved", "refused" (with the error's kind), or "crashed"
  std::string kind;     // the refusal's kind name ("limit", "invalid", ...), empty otherwise
  std::string message;  // the refusal, or how the child ended
  double seconds = 0;      // wall time, for reading only: not deterministic
  double cpu_seconds = 0;  // user + system time of the child: steadier on a shared machine
  uint64_t max_rss_bytes = 0;
};

// The bound: every input under 1 MiB within 1 GiB.
constexpr uint64_t kMemoryBound = 1ull << 30;
// The address-space limit a measuring child runs under: over the bound, so
// that a case past it is measured, not killed, yet the machine is safe.
constexpr uint64_t kMeasureMemoryCap = 6ull << 30;

// decode, validate and dissolve (gust dissolve's default options) in a fork.
Verdict run_in_child(const Bytes& wasm, uint64_t address_space_limit);

}  // namespace gust::limits_test
