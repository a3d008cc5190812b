// tests/cxx_test.sh: built only with the node's include_dirs and defines and
// the driver's own cxxflags (tests/cxx/flags/ holds the header).
#include <gust/driver-thin.h>

#include "flags_config.h"

#ifndef GUST_TEST_NODE_DEFINE
#error "the node's defines did not reach the driver"
#endif
#if GUST_TEST_DRIVER_DEFINE != 3
#error "the driver's defines did not reach it"
#endif

extern "C" {
void uart_init(uint32_t pclk, uint32_t baud) {
  if (baud) gust::hal::mmio::write32(kBrr, (pclk + baud / 2) / baud);
  gust::hal::mmio::write32(0x0C, (1u << 13) | (1u << 3) | (1u << 2) | (1u << 5));
}
void uart_tx_byte(uint8_t b) {
  while (!(gust::hal::mmio::read32(0x00) & (1u << 7))) {
  }
  gust::hal::mmio::write32(0x04, b);
}
int32_t uart_rx() {
  const uint32_t sr = gust::hal::mmio::read32(0x00);
  if (!(sr & 0x2F)) return -1;
  const uint32_t dr = gust::hal::mmio::read32(0x04);
  return (sr & 0xF) ? -2 : int32_t(dr & 0xFF);
}
bool uart_rx_fired() { return gust::hal::irq::poll(0); }
}
