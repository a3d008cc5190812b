// Paint and measure under QEMU, from outside the image: boot it halted, paint
// the SRAM between .bss and the initial SP, single-step it over QEMU's gdb
// stub, pend interrupts at the deepest points reached (each line nesting into
// the previous line's handler at its deepest), and read back the lowest word
// that lost the paint. QEMU's core stacks the exception frames itself, with
// its STKALIGN realignment, so the measurement does not share the oracle's
// model of them.
#pragma once
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "wasm/error.h"

namespace gust::test {

namespace fs = std::filesystem;

struct MeasureOptions {
  // NVIC lines to pend, least urgent first: the first at each new deepest
  // point of the thread, each next one at each new deepest point of the
  // handler before it.
  std::vector<uint32_t> lines;
  std::string send;    // bytes for USART1 once its first line is out
  std::string expect;  // what USART1 sends back for them: the run ends soon after
  uint64_t max_steps = 20000;
  uint64_t steps_after_send = 3000;  // at most, once the first line is out and `send` sent
};

struct Measurement {
  uint32_t peak = 0;              // bytes below the initial SP of the lowest word that lost the paint
  uint32_t sp_peak = 0;           // bytes below the initial SP of the lowest SP seen
  uint32_t injected = 0;          // pended lines whose handler was entered right away
  uint32_t max_nesting = 0;       // handlers of `lines` active at once, at most
  std::set<uint32_t> frames;      // exception frames seen: the preempted SP minus the handler's
  bool misaligned_entry = false;  // an interrupt was taken with SP % 8 == 4
  uint64_t steps = 0;
  std::string serial;  // what USART1 sent
};

[[nodiscard]] Result<Measurement> measure_in_qemu(const fs::path& elf, const MeasureOptions& opts);

}  // namespace gust::test
