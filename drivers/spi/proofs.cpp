// Proof harnesses for the SPI master (spi.cpp, spi.h), run by `gust prove`
// against the driver module that ships. Every seam read returns any value;
// the trace records each seam call.
#include <gust/prove.h>

#include "spi.h"

using namespace spi;

extern "C" {
GUST_DRIVER_IMPORT("spi_init") void driver_spi_init(uint8_t mode, uint8_t divider);
GUST_DRIVER_IMPORT("spi_transfer_byte") uint8_t driver_spi_transfer_byte(uint8_t byte);
}

// For all modes and dividers: in range, the last CR1 write is master mode
// with CPOL = mode bit 1, CPHA = mode bit 0, BR = divider and SPE clear, and
// nothing else of CR1 set; out of range, nothing is written.
GUST_PROOF(spi_init_cr1_is_exactly_mode_and_divider) {
  const uint8_t mode = uint8_t(gust_any_u32()), divider = uint8_t(gust_any_u32());
  driver_spi_init(mode, divider);
  const uint32_t n = gust_trace_len();
  if (mode > 3 || divider > 7) {
    gust_assert(n == 0, 1);
    return;
  }
  gust_assert(n == 3, 2);
  gust_assert(gust_trace_call(2) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(2) == CR1, 3);
  const uint32_t cr1 = gust_trace_value(2);
  gust_assert(((cr1 & CR1_CPOL) != 0) == ((mode & 2) != 0), 4);
  gust_assert(((cr1 & CR1_CPHA) != 0) == ((mode & 1) != 0), 5);
  gust_assert(((cr1 >> CR1_BR_SHIFT) & 7) == divider, 6);
  gust_assert((cr1 & ~(CR1_CPOL | CR1_CPHA | CR1_MSTR | (7u << CR1_BR_SHIFT))) == 0 && (cr1 & CR1_MSTR), 7);
}

// For every byte and every SR sequence that sets TXE and then RXNE within
// four looks: the transfer never traps, writes DR once with the byte after a
// look at SR with TXE, reads DR only after a look with RXNE, and returns
// the low byte of that DR read.
GUST_PROOF(spi_transfer_returns_the_dr_byte) {
  const uint8_t byte = uint8_t(gust_any_u32());
  gust_assume_read32(SR, 3, SR_TXE | SR_RXNE, SR_TXE | SR_RXNE);
  const uint8_t got = driver_spi_transfer_byte(byte);
  const uint32_t n = gust_trace_len();
  bool txe = false, rxne_after_write = false, written = false;
  uint32_t writes = 0, dr_reads = 0, dr = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t call = gust_trace_call(i), off = gust_trace_arg(i), v = gust_trace_value(i);
    if (call == GUST_SEAM_MMIO_READ32 && off == SR) {
      if (v & SR_TXE) txe = true;
      if (written && (v & SR_RXNE)) rxne_after_write = true;
    }
    if (call == GUST_SEAM_MMIO_WRITE32 && off == DR) {
      gust_assert(txe && v == byte, 10);
      written = true;
      ++writes;
    }
    if (call == GUST_SEAM_MMIO_READ32 && off == DR) {
      gust_assert(rxne_after_write, 11);
      ++dr_reads;
      dr = v;
    }
  }
  gust_assert(writes == 1 && dr_reads == 1, 12);
  gust_assert(got == (dr & 0xFF), 13);
}
