// The relay node's app, in wasm (world gust:apps/relay): a banner on the
// console, then every byte received on the link copied to the console. Both
// instances are the same thin UART driver binary, on USART1 and USART2.
#include <gust/app-relay.h>

#include <cstdint>

#include "../text.h"

#ifndef GUST_BANNER
#define GUST_BANNER "gust"
#endif

namespace console = gust::apps::console;
namespace link = gust::apps::link;

namespace {

constexpr auto& print = gust::apps::text::print<console::uart_tx_byte>;

constexpr uint32_t kPclkHz = 8000000;  // HSI after reset, no PLL
constexpr uint32_t kBaud = 115200;

}  // namespace

extern "C" GUST_EXPORT("run") void run() {
  console::uart_init(kPclkHz, kBaud);
  link::uart_init(kPclkHz, kBaud);
  print(GUST_BANNER "\r\n");
  for (;;) {
    // Polled: the link's receive register is read whether or not its line fired.
    for (int32_t c; (c = link::uart_rx()) != -1;)
      if (c >= 0) console::uart_tx_byte(static_cast<uint8_t>(c));
  }
}
