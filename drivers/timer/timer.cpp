// SysTick millisecond timer, thin seam (wit: driver-timer): the SysTick
// exception's handler is wasm (irq_handler_0; the chip grants exception 15 as
// the systick window's one line and the node's vector entry gust_exc_15 calls
// the handler), and counts milliseconds since timer_init; timeouts and busy
// delays compare against that count across its 2^32 wrap.
#include <gust/driver-timer.h>

#include <atomic>

#include "systick.h"

using namespace systick;

namespace {
std::atomic<uint32_t> ms{0};  // the handler's one writer; the thread reads it
}  // namespace

extern "C" {

// A 1 ms SysTick period from the core clock, its exception on; the count
// restarts at 0. A core clock no 24-bit reload serves leaves SysTick off.
GUST_EXPORT("timer_init") void timer_init(uint32_t core_hz) {
  const uint32_t reload = systick_reload(core_hz);
  if (reload == 0) return;
  gust_hal_mmio__write32(CTRL, 0);  // stopped while it is set up
  gust_hal_mmio__write32(LOAD, reload);
  gust_hal_mmio__write32(VAL, 0);  // the first period a whole one
  ms.store(0, std::memory_order_relaxed);
  gust_hal_mmio__write32(CTRL, CTRL_CLKSOURCE | CTRL_TICKINT | CTRL_ENABLE);
}

// The SysTick exception: one more millisecond. The exception clears itself
// (SysTick has no pending flag to acknowledge), so no register is touched.
GUST_EXPORT("irq_handler_0") void irq_handler_0() {
  ms.store(ms.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

GUST_EXPORT("timer_now_ms") uint32_t timer_now_ms() { return ms.load(std::memory_order_relaxed); }

GUST_EXPORT("timer_expired") bool timer_expired(uint32_t deadline_ms) {
  return timer_expired_at(timer_now_ms(), deadline_ms);
}

// Waits at least `ms` milliseconds (and less than one more), in steps under
// 2^31 ms so that every deadline is one timer_expired tells from the past.
// The count only moves with the SysTick exception: before timer_init, or
// with interrupts masked, a delay never ends.
GUST_EXPORT("timer_delay_ms") void timer_delay_ms(uint32_t delay) {
  constexpr uint32_t kStep = 1u << 30;
  for (;;) {
    const uint32_t step = delay > kStep ? kStep : delay;
    // + 1: the current millisecond is already partly gone.
    const uint32_t deadline = timer_now_ms() + step + (step != 0);
    while (!timer_expired(deadline)) {
    }
    if (delay <= kStep) return;
    delay -= kStep;
  }
}

// The pure decisions and the count itself, for the proofs and the tests (no
// node calls these: the build prunes them from the image).
GUST_EXPORT("timer_expired_at") bool timer_expired_at_export(uint32_t now, uint32_t deadline) {
  return timer_expired_at(now, deadline);
}
GUST_EXPORT("timer_set_ms") void timer_set_ms(uint32_t v) { ms.store(v, std::memory_order_relaxed); }
}
