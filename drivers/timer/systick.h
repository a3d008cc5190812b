// The Cortex-M SysTick timer's registers (ARM DDI0337 8.2.2, "SysTick") and
// the timer driver's pure decisions, shared by the driver, its proofs and the
// tests.
#pragma once
#include <stdint.h>

namespace systick {

// Register offsets inside the SysTick window (0xE000E010).
constexpr uint32_t CTRL = 0x00;   // SYST_CSR
constexpr uint32_t LOAD = 0x04;   // SYST_RVR: 24-bit reload value
constexpr uint32_t VAL = 0x08;    // SYST_CVR: any write clears it (and COUNTFLAG)
constexpr uint32_t CALIB = 0x0C;  // SYST_CALIB

// CTRL bits.
constexpr uint32_t CTRL_ENABLE = 1u << 0;
constexpr uint32_t CTRL_TICKINT = 1u << 1;    // the count reaching 0 raises exception 15
constexpr uint32_t CTRL_CLKSOURCE = 1u << 2;  // 1: the core clock
constexpr uint32_t CTRL_COUNTFLAG = 1u << 16;

constexpr uint32_t kLoadMax = 0x00FFFFFF;

}  // namespace systick

// The reload value for a 1 ms period from a core clock of `core_hz`: the
// counter runs LOAD + 1 cycles per period. 0 when no 24-bit reload gives
// 1 ms (below 2 kHz, or above 16.777216 GHz): the timer then stays off.
//
// GUST_TIMER_MUTANT_RELOAD_OFF_BY_ONE builds a deliberately wrong mutant
// (a period of LOAD cycles, one too short) that the proofs must catch.
static inline uint32_t systick_reload(uint32_t core_hz) {
  const uint32_t cycles = core_hz / 1000;
  if (cycles < 2 || cycles - 1 > systick::kLoadMax) return 0;
#ifdef GUST_TIMER_MUTANT_RELOAD_OFF_BY_ONE
  return cycles;
#endif
  return cycles - 1;
}

// True once `now` has reached `deadline`, both milliseconds on a clock that
// wraps at 2^32: the deadline has passed when now is at most 2^31 - 1 ms
// past it, so a deadline up to 2^31 - 1 ms ahead is told apart from one
// behind, across the wrap.
//
// GUST_TIMER_MUTANT_UNSIGNED_COMPARE builds a mutant comparing the raw
// values, which is wrong across the wrap.
static inline bool timer_expired_at(uint32_t now, uint32_t deadline) {
#ifdef GUST_TIMER_MUTANT_UNSIGNED_COMPARE
  return now >= deadline;
#endif
  return int32_t(now - deadline) >= 0;
}
