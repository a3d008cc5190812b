// Example: a ring buffer class template. Every look at the USART drains the
// received byte into a Ring<uint8_t, 16>, so bytes that arrive while the
// driver transmits are kept, and uart_rx hands them out in order; the ring's
// storage is a std::array in the driver's zero-initialised globals.
#include <gust/driver-thin.h>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace {

namespace mmio = gust::hal::mmio;

// A single-producer single-consumer ring of N (a power of two) values.
template <typename T, size_t N>
class Ring {
  static_assert(std::has_single_bit(N), "N is a power of two, so an index wraps with a mask");

 public:
  bool push(T v) {
    if (size() == N) return false;
    slots_[head_++ & (N - 1)] = v;
    return true;
  }
  std::optional<T> pop() {
    if (head_ == tail_) return std::nullopt;
    return slots_[tail_++ & (N - 1)];
  }
  size_t size() const { return size_t(head_ - tail_); }

 private:
  std::array<T, N> slots_{};
  uint32_t head_ = 0, tail_ = 0;  // free-running; their difference is the fill
};

constexpr uint32_t SR = 0x00, DR = 0x04, BRR = 0x08, CR1 = 0x0C;
constexpr uint32_t SR_ERRORS = 0xF, SR_RXNE = 1u << 5, SR_TXE = 1u << 7;

Ring<uint8_t, 16> received;
bool fault = false;

// One look at SR: a good byte goes into the ring, a corrupted one is drained
// and remembered as a fault.
void poll_receiver() {
  const uint32_t sr = mmio::read32(SR);
  if (!(sr & (SR_ERRORS | SR_RXNE))) return;
  const uint8_t byte = uint8_t(mmio::read32(DR));
  if ((sr & SR_ERRORS) || !received.push(byte)) fault = true;
}

}  // namespace

extern "C" {

void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  mmio::write32(BRR, (pclk_hz + baud / 2) / baud);
  mmio::write32(CR1, (1u << 13) | (1u << 3) | (1u << 2) | (1u << 5));
}

void uart_tx_byte(uint8_t byte) {
  while (!(mmio::read32(SR) & SR_TXE)) poll_receiver();
  mmio::write32(DR, byte);
  poll_receiver();
}

int32_t uart_rx() {
  poll_receiver();
  if (auto b = received.pop()) return *b;
  if (fault) {
    fault = false;
    return -2;
  }
  return -1;
}

bool uart_rx_fired() { return gust::hal::irq::poll(0) || received.size() != 0; }
}
