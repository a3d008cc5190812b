// The timer node's app, in wasm (world gust:apps/ticks): a banner on the
// console, then `tick K` every 100 ms, counted by the `tick` instance's
// SysTick handler, a busy delay, and a last line saying whether the
// milliseconds seen add up.
#include <gust/app-ticks.h>

#include <cstdint>

#ifndef GUST_BANNER
#define GUST_BANNER "gust"
#endif

namespace console = gust::apps::console;
namespace tick = gust::apps::tick;

namespace {

constexpr uint32_t kPclkHz = 8000000;  // HSI after reset, no PLL
constexpr uint32_t kCoreHz = 8000000;  // the core runs from the same HSI
constexpr uint32_t kBaud = 115200;
constexpr uint32_t kTicks = 5;
constexpr uint32_t kPeriodMs = 100;
constexpr uint32_t kDelayMs = 50;

void print(const char* s) {
  while (*s) console::uart_tx_byte(static_cast<uint8_t>(*s++));
}

// Decimal, most significant digit first, without a digit buffer, so that the
// app needs no shadow-stack frame (a local buffer filled in a loop builds and
// audits too, its stores proven by the loop's induction variables).
void print_u32(uint32_t v) {
  uint32_t d = 1;
  while (v / d >= 10) d *= 10;
  for (; d; d /= 10) console::uart_tx_byte(static_cast<uint8_t>('0' + v / d % 10));
}

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
