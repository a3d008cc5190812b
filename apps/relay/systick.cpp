// A millisecond time base on SysTick (gust:drivers/timer, world driver-timer),
// the relay node's `clock`: the core's 24-bit down-counter free-running at
// the core clock, read through the granted window, with no interrupt (the
// driver never sets CSR.TICKINT; the bridge traps if anything does). Minimal
// on purpose: the relay needs 300 ms of idle and nothing more; a full timer
// driver (drivers/timer) can take this instance's place with the same
// exports.
//
// timer_now_ms adds the cycles the counter went down since its last call, so
// it is right as long as it is called at least once per counter period
// (2^24 cycles: 699 ms at 24 MHz); a longer gap loses whole periods, which
// shifts every later reading alike and so never shortens a measured wait.
#include <gust/abi.h>

#include <cstdint>

extern "C" {
GUST_IMPORT("gust:hal/mmio", "read32") uint32_t gust_hal_mmio__read32(uint32_t offset);
GUST_IMPORT("gust:hal/mmio", "write32") void gust_hal_mmio__write32(uint32_t offset, uint32_t value);
}

namespace {

// SysTick's registers (ARMv7-M ARM B3.3), relative to the window at 0xE000E010.
constexpr uint32_t CSR = 0x0, RVR = 0x4, CVR = 0x8;
constexpr uint32_t CSR_ENABLE = 1u << 0, CSR_CLKSOURCE = 1u << 2;  // the core clock; TICKINT (bit 1) stays 0
constexpr uint32_t kCounterMask = 0xFFFFFF;                        // 24 bits

uint32_t cycles_per_ms = 0;  // 0 until timer_init
uint32_t last_count = 0;     // CVR at the last reading
uint64_t cycles = 0;         // counted since timer_init (2^64 cycles: 24,000 years at 24 MHz)

}  // namespace

extern "C" {

GUST_EXPORT("timer_init") void timer_init(uint32_t core_hz) {
  cycles_per_ms = core_hz >= 1000 ? core_hz / 1000 : 1;
  gust_hal_mmio__write32(RVR, kCounterMask);
  gust_hal_mmio__write32(CVR, 0);  // any write clears the counter (and COUNTFLAG)
  gust_hal_mmio__write32(CSR, CSR_ENABLE | CSR_CLKSOURCE);
  last_count = gust_hal_mmio__read32(CVR) & kCounterMask;
  cycles = 0;
}

GUST_EXPORT("timer_now_ms") uint32_t timer_now_ms() {
  if (cycles_per_ms == 0) return 0;  // not initialised: no time passes
  const uint32_t count = gust_hal_mmio__read32(CVR) & kCounterMask;
#ifdef GUST_TIMER_MUTANT_NO_WRAP  // wrong: a reading past the wrap adds ~2^32 cycles (tests/relay_node_test.cpp)
  cycles += last_count - count;
#else
  cycles += (last_count - count) & kCounterMask;  // it counts down, and wraps at 2^24
#endif
  last_count = count;
  return uint32_t(cycles / cycles_per_ms);
}

GUST_EXPORT("timer_expired") bool timer_expired(uint32_t deadline_ms) {
  return int32_t(timer_now_ms() - deadline_ms) >= 0;
}

GUST_EXPORT("timer_delay_ms") void timer_delay_ms(uint32_t ms) {
  const uint32_t deadline = timer_now_ms() + ms;
  while (!timer_expired(deadline)) {
  }
}
}
