// `gust prove`: symbolic execution of wasm into Z3 bit-vectors. Harnesses
// (exports named gust_proof_*) drive the driver module that ships, in the
// environment the image gives it: the bridge's checks on every seam call
// (model.h, from the WIT and the node's grants), the linear memory the
// dissolver places, and instantiation before the harness.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prove/model.h"
#include "wasm/module.h"

namespace gust::prove {

struct Options {
  // Loop iterations explored per path, and nested activations of one function
  // (recursion); a path that needs more is INCONCLUSIVE.
  uint32_t unwind = 8;
  std::vector<std::string> harnesses;  // empty: every gust_proof_* export
  uint32_t solver_timeout_ms = 0;      // per solver check; 0: none (an "unknown" is INCONCLUSIVE)
  uint64_t max_paths = 0;              // paths explored per harness; 0: no limit (the rest: INCONCLUSIVE)
  Environment env;                     // what the image gives the driver
};

struct TraceEntry {
  std::string call;  // mmio.read32, mmio.write32, ..., irq.poll
  uint64_t arg = 0, value = 0;
};

// One gust_assume or gust_assume_read32 of the harness, and what it did.
struct AssumptionReport {
  std::string what;      // "assume" or "assume-read32(offset 0x0, from read 3, value & 0x80 == 0x80)"
  size_t offset = 0;     // the call's wasm offset in the harness
  uint64_t applied = 0;  // times it constrained a path (for assume-read32: reads it constrained)
  uint64_t cut = 0;      // paths it left with no execution at all
};

// A gust_assert call site of the harness (static), and whether any path reached it.
struct AssertionReport {
  size_t offset = 0;
  std::vector<uint32_t> ids;  // the ids checked there
  uint64_t checks = 0;
};

struct CoverReport {
  size_t offset = 0;
  std::vector<uint32_t> hit;  // ids satisfied there by some execution
  bool reached = false;
};

struct Verdict {
  std::string harness;
  enum Status { Successful, Failed, Vacuous, Inconclusive, Error } status = Error;
  std::string reason;  // Failed: what failed; Vacuous: why; Inconclusive: every bound hit; Error: why
  double seconds = 0;
  uint64_t paths = 0;          // executions of the harness explored to their end
  uint64_t paths_cut = 0;      // paths an assumption left without any execution
  uint64_t paths_dropped = 0;  // paths given up at a bound (each makes the verdict INCONCLUSIVE)
  uint64_t checks = 0;
  nlohmann::json solver_stats;           // Z3's statistics, summed over the checks
  std::vector<std::string> environment;  // the facts the proof rests on, and where each came from
  std::vector<AssumptionReport> assumptions;
  std::vector<AssertionReport> assertions;
  std::vector<CoverReport> covers;
  std::vector<std::string> inconclusive;  // each bound or unknown answer, once
  // The counterexample, for Failed.
  uint32_t assertion = 0;  // the id passed to gust_assert, 0 otherwise
  uint32_t trap = 0;       // the gust_trap code the image calls (include/gust/trap.h), 0 for no trap
  size_t offset = 0;       // wasm offset of the failing call or instruction
  std::string module;      // which module that offset is in
  std::vector<std::pair<std::string, uint64_t>> inputs;
  std::vector<TraceEntry> trace;
  nlohmann::json json() const;
  std::string text() const;
};

const char* status_name(Verdict::Status s);

// Proves the harnesses of `harness`, whose imports of module "driver" are the
// exports of `driver` (the same module may serve as both).
std::vector<Verdict> prove(const wasm::Module& harness, const wasm::Module* driver, const Options& opts);

}  // namespace gust::prove
