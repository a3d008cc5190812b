// Example: a constexpr table. The receive decision for every combination of
// the four error flags and RXNE is computed at compile time into a
// std::array, checked by static_assert, and looked up at run time; the baud
// divisors of the usual rates at the reset clock are a second table, with
// the division kept for any other rate.
#include <gust/driver-thin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace {

namespace mmio = gust::hal::mmio;

constexpr uint32_t SR = 0x00, DR = 0x04, BRR = 0x08, CR1 = 0x0C;
constexpr uint32_t SR_RXNE = 1u << 5, SR_TXE = 1u << 7;
constexpr uint32_t CR1_ENABLE = (1u << 13) | (1u << 3) | (1u << 2) | (1u << 5);  // UE TE RE RXNEIE

enum Action : uint8_t { None, Data, Error };

// Index: SR bits 0..3 (the error flags) and bit 4 for RXNE (SR bit 5).
constexpr std::array<Action, 32> kDecide = [] {
  std::array<Action, 32> t{};
  for (unsigned i = 0; i < t.size(); ++i) t[i] = (i & 0xF) ? Error : (i & 0x10) ? Data : None;
  return t;
}();
static_assert(kDecide[0] == None && kDecide[0x10] == Data && kDecide[0x11] == Error && kDecide[0x08] == Error);

constexpr uint32_t kResetClock = 8000000;
constexpr std::array<std::pair<uint32_t, uint16_t>, 4> kDivisors = [] {
  std::array<std::pair<uint32_t, uint16_t>, 4> t{{{9600, 0}, {19200, 0}, {57600, 0}, {115200, 0}}};
  for (auto& [baud, div] : t) div = uint16_t((kResetClock + baud / 2) / baud);
  return t;
}();
static_assert(kDivisors[3].second == 69);

uint32_t divisor(uint32_t pclk_hz, uint32_t baud) {
  if (pclk_hz == kResetClock)
    for (const auto& [b, div] : kDivisors)
      if (b == baud) return div;
  return (pclk_hz + baud / 2) / baud;
}

}  // namespace

extern "C" {

void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  mmio::write32(BRR, divisor(pclk_hz, baud));
  mmio::write32(CR1, CR1_ENABLE);
}

void uart_tx_byte(uint8_t byte) {
  while (!(mmio::read32(SR) & SR_TXE)) {
  }
  mmio::write32(DR, byte);
}

int32_t uart_rx() {
  const uint32_t sr = mmio::read32(SR);
  const Action a = kDecide[(sr & 0xF) | ((sr & SR_RXNE) >> 1)];
  if (a == None) return -1;
  const uint32_t dr = mmio::read32(DR);
  return a == Error ? -2 : int32_t(dr & 0xFF);
}

bool uart_rx_fired() { return gust::hal::irq::poll(0); }
}
