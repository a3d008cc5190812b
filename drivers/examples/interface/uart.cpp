// Example: a virtual interface. The exports talk to a Transport; which one is
// chosen at run time (the USART, or a closed port when the baud rate is 0),
// so the calls stay virtual: call_indirect in wasm, whose targets gust bounds
// from the table (the functions of that signature) for both stack oracles.
#include <gust/driver-thin.h>

#include <cstdint>

namespace {

namespace mmio = gust::hal::mmio;

class Transport {
 public:
  virtual void send(uint8_t byte) = 0;
  virtual int32_t receive() = 0;  // a byte, -1 when none, -2 on a fault
  virtual bool fired() = 0;

 protected:
  ~Transport() = default;  // never deleted through the interface: no heap
};

class UsartTransport final : public Transport {
 public:
  static constexpr uint32_t SR = 0x00, DR = 0x04, BRR = 0x08, CR1 = 0x0C;
  void open(uint32_t pclk_hz, uint32_t baud) {
    mmio::write32(BRR, (pclk_hz + baud / 2) / baud);
    mmio::write32(CR1, (1u << 13) | (1u << 3) | (1u << 2) | (1u << 5));
  }
  void send(uint8_t byte) override {
    while (!(mmio::read32(SR) & (1u << 7))) {
    }
    mmio::write32(DR, byte);
  }
  int32_t receive() override {
    const uint32_t sr = mmio::read32(SR);
    if (!(sr & 0x2F)) return -1;
    const uint32_t dr = mmio::read32(DR);
    return (sr & 0xF) ? -2 : int32_t(dr & 0xFF);
  }
  bool fired() override { return gust::hal::irq::poll(0); }
};

// What the driver is before uart_init, or after uart_init(.., 0): a port
// that sends nothing and never receives.
class ClosedTransport final : public Transport {
 public:
  void send(uint8_t) override {}
  int32_t receive() override { return -1; }
  bool fired() override { return false; }
};

UsartTransport usart;
ClosedTransport closed;
Transport* port = &closed;  // constant-initialised: no constructor runs

}  // namespace

extern "C" {

void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) {
    port = &closed;
    return;
  }
  usart.open(pclk_hz, baud);
  port = &usart;
}

void uart_tx_byte(uint8_t byte) { port->send(byte); }
int32_t uart_rx() { return port->receive(); }
bool uart_rx_fired() { return port->fired(); }
}
