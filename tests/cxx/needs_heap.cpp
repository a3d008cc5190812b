// tests/cxx_test.sh: `new` without a heap, refused at the link with the way out.
#include <gust/driver-thin.h>

struct Port {
  uint32_t base;
};
Port* port;

extern "C" {
void uart_init(uint32_t, uint32_t baud) { port = new Port{baud}; }
void uart_tx_byte(uint8_t b) { gust::hal::mmio::write32(port->base, b); }
int32_t uart_rx() { return -1; }
bool uart_rx_fired() { return false; }
}
