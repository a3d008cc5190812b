// A thin-seam UART driver that needs the runtime helpers (tests/cxx_test.sh):
// 64-bit division and float arithmetic for the baud divisor, a 32-byte
// struct zeroed and a 128-byte struct copied (memset/memcpy in wasm, which
// the dissolver lowers to __aeabi_memclr/memcpy-style native calls), and
// std::find over 32-bit values (wmemchr in gust's runtime).
#include <gust/driver-thin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace {

namespace mmio = gust::hal::mmio;

struct Settings {
  uint32_t words[8];
};
struct Log {
  uint32_t words[32];
};

Settings settings;
Log history, snapshot;
volatile uint32_t wipe_count = 0;
constexpr std::array<uint32_t, 6> kRates = {1200, 2400, 9600, 19200, 57600, 115200};

}  // namespace

extern "C" {

void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0 || std::find(kRates.begin(), kRates.end(), baud) == kRates.end()) return;
  settings = Settings{};  // 32 bytes zeroed
  settings.words[wipe_count & 7] = baud;
  history.words[baud & 31] = pclk_hz;
  snapshot = history;  // 128 bytes copied
  // The divisor three ways, which must agree: 64-bit, float and double.
  const uint64_t scaled = (uint64_t(pclk_hz) << 20) + (uint64_t(baud) << 19);
  const uint32_t by_u64 = uint32_t((scaled / baud) >> 20);
  const float by_float = float(pclk_hz) / float(baud) + 0.5f;
  const double by_double = double(pclk_hz) / double(baud) + 0.5;
  uint32_t div = by_u64;
  if (uint32_t(by_float) != div || uint32_t(by_double) != div) div = snapshot.words[0] | 1;
  mmio::write32(0x08, div);
  mmio::write32(0x0C, (1u << 13) | (1u << 3) | (1u << 2) | (1u << 5));
}

void uart_tx_byte(uint8_t byte) {
  while (!(mmio::read32(0x00) & (1u << 7))) {
  }
  mmio::write32(0x04, byte);
}

int32_t uart_rx() {
  const uint32_t sr = mmio::read32(0x00);
  if (!(sr & 0x2F)) return -1;
  const uint32_t dr = mmio::read32(0x04);
  return (sr & 0xF) ? -2 : int32_t(dr & 0xFF);
}

bool uart_rx_fired() { return gust::hal::irq::poll(0); }
}
