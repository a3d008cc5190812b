// The echo node's app with byte buffers (world gust:apps/echo-lists): the
// banner and the prompt each one uart-write call, and what arrives read in
// blocks of up to 16 bytes with uart-read and written back with uart-write.
// Each list crosses into the console instance's region as a copy, both
// ranges checked (gust build's wiring adapters); compare apps/echo, which
// calls uart-tx-byte once per byte.
#include <gust/app-echo-lists.h>

#include <cstdint>
#include <span>

#ifndef GUST_BANNER
#define GUST_BANNER "gust"
#endif

namespace console = gust::apps::console;

namespace {

constexpr uint32_t kPclkHz = 8000000;  // HSI after reset, no PLL
constexpr uint32_t kBaud = 115200;

template <size_t N>
void print(const char (&s)[N]) {
  console::uart_write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s), N - 1));
}

struct Console {
  Console() {
    console::uart_init(kPclkHz, kBaud);
    print(GUST_BANNER "\r\n");
  }
};
Console the_console;

uint8_t block[16];

}  // namespace

extern "C" GUST_EXPORT("run") void run() {
  print("echo: ready\r\n");
  for (;;) {
    if (!console::uart_rx_fired()) continue;
    for (std::span<uint8_t> got; !(got = console::uart_read(sizeof block, std::span<uint8_t>(block))).empty();)
      console::uart_write(got);
  }
}
