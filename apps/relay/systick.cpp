// A millisecond time base on SysTick (gust:drivers/timer, world driver-timer),
// the relay node's `clock`: the core's 24-bit down-counter reloaded every
// millisecond of the core clock, read through the granted window, with no
// interrupt (the driver never sets CSR.TICKINT; the bridge traps if anything
// does). Minimal on purpose: the relay needs 300 ms of idle and nothing more;
// a full timer driver (drivers/timer) can take this instance's place with
// the same exports.
//
// timer_now_ms counts the reloads it sees (CSR.COUNTFLAG, which reading CSR
// clears), so it counts every millisecond only while it is called at least
// once a millisecond, as the relay's idle loop does; a longer gap loses
// milliseconds, which makes a wait longer, never shorter. No division but
// timer_init's: a 64-bit one would link libgcc's 756 B __aeabi_uldivmod, and
// a running 32-bit one (free-running count, cycles / cycles per ms) left the
// prover unfinished after 5 minutes on two readings.
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
constexpr uint32_t CSR_COUNTFLAG = 1u << 16;                       // reloaded since CSR was last read
constexpr uint32_t kReloadMax = 0xFFFFFF;                          // RVR is 24 bits

bool running = false;
uint32_t now_ms = 0;

}  // namespace

extern "C" {

GUST_EXPORT("timer_init") void timer_init(uint32_t core_hz) {
  const uint32_t per_ms = core_hz / 1000;
  const uint32_t reload = per_ms == 0 ? 0 : per_ms - 1 > kReloadMax ? kReloadMax : per_ms - 1;
  gust_hal_mmio__write32(RVR, reload);
  gust_hal_mmio__write32(CVR, 0);  // any write clears the counter (and COUNTFLAG)
  gust_hal_mmio__write32(CSR, CSR_ENABLE | CSR_CLKSOURCE);
  running = true;
  now_ms = 0;
}

GUST_EXPORT("timer_now_ms") uint32_t timer_now_ms() {
  if (!running) return 0;  // not initialised: no time passes
  const uint32_t csr = gust_hal_mmio__read32(CSR);
#ifdef GUST_TIMER_MUTANT_ANY_CSR  // wrong: counts a millisecond on every reading (tests/relay_node_test.cpp)
  if (csr != 0) ++now_ms;
#else
  if (csr & CSR_COUNTFLAG) ++now_ms;
#endif
  return now_ms;
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
