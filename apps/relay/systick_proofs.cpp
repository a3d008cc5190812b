// Proof harnesses for the relay's SysTick time base (systick.cpp), run by
// `gust prove` and `gust build --prove` against the module that ships. Every
// CSR reading is any value at all (read back from the trace of seam calls).
#include <gust/prove.h>

#include <cstdint>

extern "C" {
GUST_DRIVER_IMPORT("timer_init") void timer_init(uint32_t core_hz);
GUST_DRIVER_IMPORT("timer_now_ms") uint32_t timer_now_ms();
GUST_DRIVER_IMPORT("timer_expired") bool timer_expired(uint32_t deadline_ms);
}

namespace {

constexpr uint32_t CSR = 0x0, RVR = 0x4, CVR = 0x8;
constexpr uint32_t kCountFlag = 1u << 16;

// The value of the last seam call, which must be a read of CSR.
uint32_t last_csr_read() {
  const uint32_t n = gust_trace_len();
  gust_assert(n > 0 && gust_trace_call(n - 1) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(n - 1) == CSR, 1);
  return gust_trace_value(n - 1);
}

}  // namespace

// timer_init at any core clock reloads the counter every millisecond of it
// (RVR = core_hz / 1000 - 1, within its 24 bits) with the interrupt off
// (CSR = ENABLE | CLKSOURCE, never TICKINT); then over TIMER_READINGS
// readings of any CSR values timer_now_ms counts exactly the readings with
// COUNTFLAG set, each reading once, timer_expired agrees with it for any
// deadline, and nothing traps.
#ifndef TIMER_READINGS
#define TIMER_READINGS 4
#endif
GUST_PROOF(timer_counts_the_reloads_it_sees) {
  const uint32_t core_hz = gust_any_u32();
  timer_init(core_hz);
  gust_assert(gust_trace_len() == 3, 2);
  const uint32_t per_ms = core_hz / 1000;
  const uint32_t reload = per_ms == 0 ? 0 : per_ms - 1 > 0xFFFFFF ? 0xFFFFFF : per_ms - 1;
  gust_assert(gust_trace_call(0) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(0) == RVR && gust_trace_value(0) == reload,
              3);
  gust_assert(gust_trace_call(1) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(1) == CVR, 4);
  gust_assert(gust_trace_call(2) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(2) == CSR && gust_trace_value(2) == 5, 5);
  uint32_t ms = 0;
  for (uint32_t i = 0; i < TIMER_READINGS; ++i) {
    const uint32_t before = gust_trace_len();
    const uint32_t got = timer_now_ms();
    gust_assert(gust_trace_len() == before + 1, 6);
    if (last_csr_read() & kCountFlag) ++ms;
    gust_assert(got == ms, 7);
  }
  const uint32_t deadline = gust_any_u32();
  const bool expired = timer_expired(deadline);
  if (last_csr_read() & kCountFlag) ++ms;
  gust_assert(expired == (int32_t(ms - deadline) >= 0), 8);
  gust_cover(ms == TIMER_READINGS + 1, 9);
  gust_cover(expired, 10);
}

// Before timer_init no time passes and the window is not touched.
GUST_PROOF(timer_before_init_reads_nothing) { gust_assert(timer_now_ms() == 0 && gust_trace_len() == 0, 20); }
