// tests/cxx_test.sh: recursion through the shadow stack (an address-taken
// local at every level), whose depth gust cannot bound: the driver needs a
// wasm_stack, and the message says so.
#include <gust/driver-thin.h>

namespace {
__attribute__((noinline)) uint32_t digits(uint32_t v, uint32_t* out) {
  uint32_t here = v % 10;
  if (v >= 10) digits(v / 10, &here);
  *out += here;
  return *out;
}
}  // namespace

extern "C" {
void uart_init(uint32_t pclk, uint32_t baud) {
  uint32_t acc = 0;
  gust::hal::mmio::write32(0x08, digits(pclk / baud, &acc));
}
void uart_tx_byte(uint8_t b) { gust::hal::mmio::write32(0x04, b); }
int32_t uart_rx() { return -1; }
bool uart_rx_fired() { return false; }
}
