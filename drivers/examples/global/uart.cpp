// Example: a global object with a constructor. `console` is constructed once
// at boot, before the app starts (boot calls the instance's _initialize,
// which runs the module's global constructors in order): its constructor
// reads the USART's status register and counts itself. Receiving '?' makes
// the driver report both, "ctors=1 sr=0x..", which a constructor run again
// at every export would turn into a larger count.
#include <gust/driver-thin.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace {

namespace mmio = gust::hal::mmio;

constexpr uint32_t SR = 0x00, DR = 0x04, BRR = 0x08, CR1 = 0x0C;

uint32_t constructions;  // zero-initialised, counted in the region's bss

void send(uint8_t byte) {
  while (!(mmio::read32(SR) & (1u << 7))) {
  }
  mmio::write32(DR, byte);
}

void send(std::string_view text) {
  for (char c : text) send(uint8_t(c));
}

void send_hex(uint32_t v, std::span<const char, 16> digits) {
  send("0x");
  for (int shift = 28; shift >= 0; shift -= 4) send(uint8_t(digits[(v >> shift) & 0xF]));
}

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

class Console {
 public:
  Console() : status_at_boot_(mmio::read32(SR)) { ++constructions; }
  void report() const {
    send("ctors=");
    send(uint8_t('0' + constructions % 10));
    send(" sr=");
    send_hex(status_at_boot_, kHex);
    send("\r\n");
  }

 private:
  uint32_t status_at_boot_;
};

Console console;

}  // namespace

extern "C" {

void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  mmio::write32(BRR, (pclk_hz + baud / 2) / baud);
  mmio::write32(CR1, (1u << 13) | (1u << 3) | (1u << 2) | (1u << 5));
}

void uart_tx_byte(uint8_t byte) { send(byte); }

int32_t uart_rx() {
  const uint32_t sr = mmio::read32(SR);
  if (!(sr & 0x2F)) return -1;
  const uint32_t dr = mmio::read32(DR);
  if (sr & 0xF) return -2;
  if ((dr & 0xFF) == '?') console.report();
  return int32_t(dr & 0xFF);
}

bool uart_rx_fired() { return gust::hal::irq::poll(0); }
}
