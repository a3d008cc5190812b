// A thin-seam UART driver that includes the freestanding C++ standard
// library that issue 16 lists, and uses a piece of each (tests/cxx_test.sh):
// it must build with gust's own flags and echo like the plain driver.
#include <gust/driver-thin.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <new>
#include <numeric>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace {

namespace mmio = gust::hal::mmio;

template <std::unsigned_integral T>
constexpr T low_bits(unsigned n) {
  return n >= std::numeric_limits<T>::digits ? std::numeric_limits<T>::max() : T((T(1) << n) - 1);
}
static_assert(low_bits<uint8_t>(3) == 7 && low_bits<uint32_t>(32) == 0xFFFFFFFF);
static_assert(std::is_trivially_copyable_v<std::array<uint32_t, 4>>);

constexpr auto kRegs = std::make_tuple(uint32_t(0x00), uint32_t(0x04), uint32_t(0x08), uint32_t(0x0C));
constexpr uint32_t SR = std::get<0>(kRegs), DR = std::get<1>(kRegs), BRR = std::get<2>(kRegs),
                   CR1 = std::get<3>(kRegs);

std::atomic<uint32_t> received{0};

// Placement new on static storage: no heap.
struct Stats {
  uint32_t bytes = 0, faults = 0;
};
alignas(Stats) std::byte stats_storage[sizeof(Stats)];
Stats* stats = nullptr;

uint32_t sum(std::span<const uint32_t> values) { return std::accumulate(values.begin(), values.end(), 0u); }

}  // namespace

extern "C" {

void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  stats = new (stats_storage) Stats{};
  mmio::write32(BRR, (pclk_hz + baud / 2) / baud);
  uint32_t cr1 = 0;
  for (unsigned bit : {13u, 3u, 2u, 5u}) cr1 |= 1u << bit;  // UE TE RE RXNEIE
  const std::array<uint32_t, 4> parts{cr1 & 0xFF, cr1 & 0xFF00, 0, 0};
  mmio::write32(CR1, sum(parts));
}

void uart_tx_byte(uint8_t byte) {
  while (!(mmio::read32(SR) & std::bit_cast<uint32_t>(1u << 7))) {
  }
  mmio::write32(DR, byte);
}

int32_t uart_rx() {
  const uint32_t sr = mmio::read32(SR);
  std::optional<uint8_t> byte;
  std::variant<std::monostate, uint8_t, bool> what;
  if (sr & 0x2F) {
    const uint32_t dr = mmio::read32(DR);
    if (sr & 0xF)
      what = true;
    else
      what = uint8_t(dr);
  }
  if (auto* b = std::get_if<uint8_t>(&what)) byte = *b;
  const std::array<uint8_t, 3> ignored{0xFF, 0xFE, 0xFD};
  if (byte && std::find(ignored.begin(), ignored.end(), *byte) == ignored.end()) {
    received.fetch_add(1);
    if (stats) stats->bytes++;
    return *byte;
  }
  if (std::holds_alternative<bool>(what) && stats) stats->faults++;
  return std::holds_alternative<bool>(what) ? -2 : -1;
}

bool uart_rx_fired() { return std::invoke(gust::hal::irq::poll, 0u); }
}
