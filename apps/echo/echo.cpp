// The echo node's app, in wasm (world gust:apps/echo): a banner on the
// console, then every byte received echoed back. It reaches the USART only
// through the `console` instance's gust:drivers/uart exports; its calls are
// direct calls into that instance's dissolved code, and nothing of it is
// trusted native code.
#include <gust/app-echo.h>

#include <cstdint>

#include "../text.h"

#ifndef GUST_BANNER
#define GUST_BANNER "gust"
#endif

namespace console = gust::apps::console;

namespace {

constexpr auto& print = gust::apps::text::print<console::uart_tx_byte>;

constexpr uint32_t kPclkHz = 8000000;  // HSI after reset, no PLL
constexpr uint32_t kBaud = 115200;

// A global object with a constructor: boot runs it once, after the console
// instance's own initialisation and before run(), so the banner is out
// before the app's entry starts; a constructor run again on every call into
// the app would print it again.
struct Console {
  Console() {
    console::uart_init(kPclkHz, kBaud);
    print(GUST_BANNER "\r\n");
  }
};
Console the_console;

}  // namespace

extern "C" GUST_EXPORT("run") void run() {
  print("echo: ready\r\n");
  for (;;) {
    if (!console::uart_rx_fired()) continue;
    for (int32_t c; (c = console::uart_rx()) != -1;)
      if (c >= 0) console::uart_tx_byte(static_cast<uint8_t>(c));
  }
}
