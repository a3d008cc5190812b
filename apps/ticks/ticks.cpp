// The timer node's app, in wasm (world gust:apps/ticks): a banner on the
// console, then `tick K` every 100 ms, counted by the `tick` instance's
// SysTick handler, a busy delay, and a last line saying whether the
// milliseconds seen add up.
#include <gust/app-ticks.h>

#include <cstdint>

#include "../text.h"

#ifndef GUST_BANNER
#define GUST_BANNER "gust"
#endif

namespace console = gust::apps::console;
namespace tick = gust::apps::tick;

namespace {

constexpr auto& print = gust::apps::text::print<console::uart_tx_byte>;
constexpr auto& print_u32 = gust::apps::text::print_u32<console::uart_tx_byte>;

constexpr uint32_t kPclkHz = 8000000;  // HSI after reset, no PLL
constexpr uint32_t kCoreHz = 8000000;  // the core runs from the same HSI
constexpr uint32_t kBaud = 115200;
constexpr uint32_t kTicks = 5;
constexpr uint32_t kPeriodMs = 100;
constexpr uint32_t kDelayMs = 50;

struct Console {
  Console() {
    console::uart_init(kPclkHz, kBaud);
    print(GUST_BANNER "\r\n");
  }
};
Console the_console;

}  // namespace

extern "C" GUST_EXPORT("run") void run() {
  tick::timer_init(kCoreHz);
  const uint32_t start = tick::timer_now_ms();
  uint32_t deadline = start;
  for (uint32_t k = 1; k <= kTicks; ++k) {
    deadline += kPeriodMs;
    while (!tick::timer_expired(deadline)) {
    }
    print("tick ");
    print_u32(k);
    print("\r\n");
  }
  tick::timer_delay_ms(kDelayMs);
  const uint32_t elapsed = tick::timer_now_ms() - start;
  // The count first: a watcher stops at the verdict line.
  print("ticks: ");
  print_u32(elapsed);
  print(" ms\r\n");
  print(elapsed >= kTicks * kPeriodMs + kDelayMs ? "ticks: done\r\n" : "ticks: short\r\n");
  for (;;) {
  }
}
