// The gateway node's app, in wasm (world gust:apps/gateway): a banner on the
// console, the SPI NOR flash's JEDEC ID (command 0x9F) read through `flash`,
// then every line received on the link printed on the console as
// `link: <line>`, every line received on the console sent on the link, and
// every 1000 ms `tick N` on the console with the green LED (PC9) toggled.
#include <gust/app-gateway.h>

#include <cstdint>

#include "../text.h"

#ifndef GUST_BANNER
#define GUST_BANNER "gust"
#endif

namespace console = gust::apps::console;
namespace link = gust::apps::link;
namespace tick = gust::apps::tick;
namespace flash = gust::apps::flash;
namespace leds = gust::apps::leds;

namespace {

constexpr auto& print = gust::apps::text::print<console::uart_tx_byte>;
constexpr auto& print_u32 = gust::apps::text::print_u32<console::uart_tx_byte>;

constexpr uint32_t kPclkHz = 8000000;  // HSI after reset, no PLL
constexpr uint32_t kCoreHz = 8000000;
constexpr uint32_t kBaud = 115200;
constexpr uint32_t kTickMs = 1000;
constexpr uint32_t kLedBlue = 8, kLedGreen = 9;  // PC8, PC9 on the VLDISCOVERY
constexpr uint8_t kGpioOutput = 1;
constexpr uint8_t kJedecId = 0x9F;
constexpr uint32_t kLine = 64;  // longest line kept; the rest of a longer one is dropped

void print_hex8(uint8_t v) {
  const char* hex = "0123456789abcdef";
  console::uart_tx_byte(static_cast<uint8_t>(hex[v >> 4]));
  console::uart_tx_byte(static_cast<uint8_t>(hex[v & 15]));
}

// Both UARTs are enabled before the banner: a host that starts sending on
// the link when the banner appears loses no byte to a USART not yet enabled.
struct Uarts {
  Uarts() {
    link::uart_init(kPclkHz, kBaud);
    console::uart_init(kPclkHz, kBaud);
    print(GUST_BANNER "\r\n");
  }
};
Uarts the_uarts;

// A line received on the link, until its end.
struct LinkLine {
  uint8_t bytes[kLine];
  uint32_t n = 0;
};
LinkLine from_link;

// The JEDEC ID in one buffer transfer: the command, then three bytes
// clocked in while zeros go out (manufacturer, memory type, capacity).
void jedec() {
  flash::spi_init(0, 2);  // mode 0, pclk / 8 = 1 MHz
  const uint8_t command[4] = {kJedecId, 0, 0, 0};
  uint8_t reply[4] = {};
  flash::spi_select(true);
  const std::span<uint8_t> got = flash::spi_transfer(command, sizeof reply, reply);
  flash::spi_select(false);
  print("flash: jedec");
  for (size_t i = 1; i < got.size(); ++i) {
    print(" ");
    print_hex8(got[i]);
  }
  print("\r\n");
}

}  // namespace

extern "C" GUST_EXPORT("run") void run() {
  tick::timer_init(kCoreHz);
  leds::gpio_configure(kLedBlue, kGpioOutput);
  leds::gpio_configure(kLedGreen, kGpioOutput);
  leds::gpio_set(kLedBlue);
  jedec();
  uint32_t seconds = 0, next = tick::timer_now_ms() + kTickMs;
  bool green = false;
  for (;;) {
    for (int32_t c; (c = console::uart_rx()) >= 0;) link::uart_tx_byte(static_cast<uint8_t>(c));
    for (int32_t c; (c = link::uart_rx()) >= 0;) {
      if (c == '\n' || c == '\r') {
        if (from_link.n == 0) continue;
        print("link: ");
        for (uint32_t i = 0; i < from_link.n; ++i) console::uart_tx_byte(from_link.bytes[i]);
        print("\r\n");
        from_link.n = 0;
      } else if (from_link.n < kLine) {
        from_link.bytes[from_link.n++] = static_cast<uint8_t>(c);
      }
    }
    if (tick::timer_expired(next)) {
      next += kTickMs;
      print("tick ");
      print_u32(++seconds);
      print("\r\n");
      green = !green;
      if (green)
        leds::gpio_set(kLedGreen);
      else
        leds::gpio_clear(kLedGreen);
    }
  }
}
