// Proof harnesses for the relay's SysTick time base (systick.cpp), run by
// `gust prove` and `gust build --prove` against the module that ships. The
// counter's readings are any values at all (each CVR read is a fresh
// symbolic value, read back from the trace of seam calls).
#include <gust/prove.h>

#include <cstdint>

extern "C" {
GUST_DRIVER_IMPORT("timer_init") void timer_init(uint32_t core_hz);
GUST_DRIVER_IMPORT("timer_now_ms") uint32_t timer_now_ms();
GUST_DRIVER_IMPORT("timer_expired") bool timer_expired(uint32_t deadline_ms);
}

namespace {

constexpr uint32_t CSR = 0x0, RVR = 0x4, CVR = 0x8;
constexpr uint32_t kMask = 0xFFFFFF;

// The value of the last seam call, which must be a read of CVR.
uint32_t last_cvr_read() {
  const uint32_t n = gust_trace_len();
  gust_assert(n > 0 && gust_trace_call(n - 1) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(n - 1) == CVR, 1);
  return gust_trace_value(n - 1) & kMask;
}

}  // namespace

// timer_init programs a free-running 24-bit count at the core clock with the
// interrupt off (CSR = ENABLE | CLKSOURCE, never TICKINT), then over
// TIMER_READINGS readings by timer_now_ms and one by timer_expired, of any
// counter values, the time is exactly the whole milliseconds in the cycles
// the counter went down (modulo 2^24 per reading), and timer_expired agrees
// with it; nothing traps. Each reading is a 64-bit division for the solver:
// 1 + 1 readings take it about a second, 2 + 1 about 35 s on a loaded
// machine, 3 + 1 did not finish in minutes.
#ifndef TIMER_READINGS
#define TIMER_READINGS 1
#endif
// The core clock is the node's, 24 MHz: a symbolic divisor makes every
// reading a nonlinear division, which the solver does not finish.
GUST_PROOF(timer_counts_the_cycles_the_counter_went_down) {
  constexpr uint32_t core_hz = 24000000;
  timer_init(core_hz);
  const uint32_t n = gust_trace_len();
  gust_assert(n == 4, 2);
  gust_assert(gust_trace_call(0) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(0) == RVR && gust_trace_value(0) == kMask,
              3);
  gust_assert(gust_trace_call(1) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(1) == CVR, 4);
  gust_assert(gust_trace_call(2) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(2) == CSR && gust_trace_value(2) == 5, 5);
  constexpr uint32_t per_ms = core_hz / 1000;
  uint32_t last = last_cvr_read();
  uint64_t cycles = 0;
  for (uint32_t i = 0; i < TIMER_READINGS; ++i) {
    const uint32_t ms = timer_now_ms();
    const uint32_t now = last_cvr_read();
    cycles += (last - now) & kMask;
    last = now;
    gust_assert(ms == uint32_t(cycles / per_ms), 6);
  }
  const uint32_t deadline = gust_any_u32();
  const bool expired = timer_expired(deadline);
  const uint32_t now = last_cvr_read();
  cycles += (last - now) & kMask;
  gust_assert(expired == (int32_t(uint32_t(cycles / per_ms) - deadline) >= 0), 7);
  gust_cover(cycles / per_ms >= 1000, 8);
}

// Before timer_init no time passes and the window is not touched.
GUST_PROOF(timer_before_init_reads_nothing) {
  gust_assert(timer_now_ms() == 0 && gust_trace_len() == 0, 10);
}
