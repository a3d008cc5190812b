// Proof harnesses for the SysTick timer (timer.cpp, systick.h), run by
// `gust prove` against the driver module that ships. Every seam read
// returns any value; the trace records each seam call in order.
#include <gust/prove.h>

#include "systick.h"

using namespace systick;

extern "C" {
GUST_DRIVER_IMPORT("timer_expired_at") bool driver_timer_expired_at(uint32_t now, uint32_t deadline);
GUST_DRIVER_IMPORT("timer_expired") bool driver_timer_expired(uint32_t deadline);
GUST_DRIVER_IMPORT("timer_now_ms") uint32_t driver_timer_now_ms();
GUST_DRIVER_IMPORT("timer_set_ms") void driver_timer_set_ms(uint32_t v);
GUST_DRIVER_IMPORT("timer_init") void driver_timer_init(uint32_t core_hz);
GUST_DRIVER_IMPORT("irq_handler_0") void driver_irq_handler_0();
}

// For all start times s, delays d < 2^31 and elapsed times t < 2^31, on the
// clock that wraps at 2^32: a deadline set d ms after s has passed at s + t
// exactly when t >= d. Covered: a start, deadline and now on both sides of
// the wrap.
GUST_PROOF(timer_expired_across_the_wrap) {
  const uint32_t s = gust_any_u32(), d = gust_any_u32(), t = gust_any_u32();
  gust_assume(d < 0x80000000u && t < 0x80000000u);
  const uint32_t deadline = s + d, now = s + t;
  gust_cover(deadline < s && now >= deadline, 1);  // the deadline wrapped, then passed
  gust_cover(now < s, 2);                          // now wrapped
  gust_assert(driver_timer_expired_at(now, deadline) == (t >= d), 1);
  // timer_expired reads the handler's count, with the same answer.
  driver_timer_set_ms(now);
  gust_assert(driver_timer_expired(deadline) == (t >= d), 2);
}

// The SysTick handler, for every count it may find: it never traps, touches
// no register, and adds exactly one millisecond (2^32 - 1 wraps to 0).
GUST_PROOF(timer_handler_counts_one_and_never_traps) {
  const uint32_t before = gust_any_u32();
  driver_timer_set_ms(before);
  driver_irq_handler_0();
  gust_assert(gust_trace_len() == 0, 10);
  gust_assert(driver_timer_now_ms() == before + 1, 11);
}

// timer_init, for every core clock: when a 24-bit reload gives a 1 ms period
// (core_hz / 1000 cycles, 2 to 2^24), it writes LOAD = cycles - 1 while the
// counter is stopped, and CTRL = CLKSOURCE | TICKINT | ENABLE last; and the
// count restarts at 0. Otherwise it writes nothing.
GUST_PROOF(timer_init_period_is_one_ms) {
  const uint32_t core_hz = gust_any_u32();
  driver_timer_set_ms(gust_any_u32());
  driver_timer_init(core_hz);
  const uint32_t cycles = core_hz / 1000, n = gust_trace_len();
  if (cycles < 2 || cycles > kLoadMax + 1) {
    gust_assert(n == 0, 20);
    return;
  }
  gust_assert(n == 4, 21);
  gust_assert(gust_trace_call(0) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(0) == CTRL && gust_trace_value(0) == 0,
              22);
  gust_assert(gust_trace_call(1) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(1) == LOAD, 23);
  gust_assert(gust_trace_value(1) == cycles - 1, 24);
  gust_assert(gust_trace_call(3) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(3) == CTRL &&
                  gust_trace_value(3) == (CTRL_CLKSOURCE | CTRL_TICKINT | CTRL_ENABLE),
              25);
  gust_assert(driver_timer_now_ms() == 0, 26);
}
