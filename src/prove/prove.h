// `gust prove`: symbolic execution of wasm into Z3 bit-vectors. Harnesses
// (exports named gust_proof_*) drive the driver module that ships, whose
// seam imports are havocked and recorded in an ordered trace.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wasm/module.h"

namespace gust::prove {

struct Options {
  uint32_t unwind = 8;                 // loop iterations (and call depth) explored per path
  std::vector<std::string> harnesses;  // empty: every gust_proof_* export
};

struct TraceEntry {
  std::string call;  // mmio.read32, mmio.write32, ..., irq.poll
  uint64_t arg = 0, value = 0;
};

struct Verdict {
  std::string harness;
  enum Status { Successful, Failed, Inconclusive, Error } status = Error;
  std::string reason;  // for Failed: what failed; Inconclusive: the bound; Error: why
  double seconds = 0;
  uint64_t paths = 0, checks = 0;
  nlohmann::json solver_stats;  // Z3's statistics, summed over the checks
  // The counterexample, for Failed.
  uint32_t assertion = 0;  // the id passed to gust_assert, 0 for a trap
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
