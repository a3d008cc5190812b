// The relay node's app, in wasm (world gust:apps/ccsds-relay): every packet
// the `rx` instance frames from what USART2 receives, one line on the
// console (USART1), and after 300 ms without a received byte (the `clock`
// instance, on SysTick) the counts. It moves bytes from the receive ring to
// the framer, both in `rx` where their proofs hold, and prints; the native
// side of the node is the bridge and boot only.
#include <gust/app-ccsds-relay.h>

#include <cstdint>

#ifndef GUST_BANNER
#define GUST_BANNER "gust-relay"
#endif

namespace console = gust::apps::console;
namespace rx = gust::apps::rx;
namespace timer = gust::apps::clock;

namespace {

constexpr uint32_t kPclkHz = 8000000;   // HSI after reset, no PLL
constexpr uint32_t kCoreHz = 24000000;  // SysTick's count rate (QEMU's stm32vldiscovery core clock)
constexpr uint32_t kConsoleBaud = 115200, kLinkBaud = 1500000;
constexpr uint32_t kIdleMs = 300;
enum : uint32_t { kNone = 0, kGood = 1, kBadCrc = 2 };  // ccsds-poll's events (apps/relay/ccsds.h)

void put(char c) { console::uart_tx_byte(static_cast<uint8_t>(c)); }
void print(const char* s) {
  while (*s) put(*s++);
}
// Digits without a buffer: a local array would live on the shadow stack.
void print_dec(uint32_t v) {
  uint32_t p = 1;
  while (v / p >= 10) p *= 10;
  for (; p != 0; p /= 10) put(static_cast<char>('0' + v / p % 10));
}
char hex_digit(uint32_t n) { return static_cast<char>(n < 10 ? '0' + n : 'a' + (n - 10)); }
void print_hex3(uint32_t v) {
  print("0x");
  put(hex_digit(v >> 8 & 15));
  put(hex_digit(v >> 4 & 15));
  put(hex_digit(v & 15));
}

void report_packets() {
  for (uint32_t e; (e = rx::ccsds_poll()) != kNone;) {
    print("pkt apid=");
    print_hex3(rx::ccsds_apid());
    print(" seq=");
    print_dec(rx::ccsds_seq());
    print(" len=");
    print_dec(rx::ccsds_len());
    print(e == kGood ? " ok\r\n" : " bad-crc\r\n");
  }
}

void report_counts() {
  print("ccsds: ok=");
  print_dec(rx::ccsds_ok());
  print(" bad=");
  print_dec(rx::ccsds_bad());
  print(" resync=");
  print_dec(rx::ccsds_resync());
  print(" overrun=");
  print_dec(rx::uart_overrun());
  print("\r\n");
}

}  // namespace

extern "C" GUST_EXPORT("run") void run() {
  console::uart_init(kPclkHz, kConsoleBaud);
  rx::uart_init(kPclkHz, kLinkBaud);
  timer::timer_init(kCoreHz);
  print(GUST_BANNER "\r\n");
  bool reported = true;  // nothing received yet: nothing to report
  bool idle = false;     // idle_since holds when the ring last ran dry
  uint32_t idle_since = 0;
  for (;;) {
    const int32_t c = rx::uart_rx();
    if (c >= 0) {
      while (!rx::ccsds_push(static_cast<uint32_t>(c))) report_packets();
      report_packets();
      idle = reported = false;
      continue;
    }
    if (reported) continue;
    if (!idle) {
      idle_since = timer::timer_now_ms();
      idle = true;
    } else if (timer::timer_expired(idle_since + kIdleMs)) {
      report_counts();
      reported = true;
    }
  }
}
