// Proof harnesses for the thin UART driver, run by `gust prove` against the
// driver module that ships (imports of module "driver" resolve to its
// exports). Every seam read returns any value at all; the trace records each
// seam call in order.
#include <gust/prove.h>

#include "usart.h"

using namespace usart;

extern "C" {
GUST_DRIVER_IMPORT("usart_rx_decide") int32_t driver_usart_rx_decide(uint32_t sr);
GUST_DRIVER_IMPORT("uart_rx") int32_t driver_uart_rx();
GUST_DRIVER_IMPORT("uart_tx_byte") void driver_uart_tx_byte(uint8_t byte);
}

namespace {

bool is_read_of(uint32_t i, uint32_t offset) {
  return gust_trace_call(i) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(i) == offset;
}

}  // namespace

// For all 2^32 SR values: an error flag (ORE, NE, FE, PE) takes priority
// over RXNE, and the decision is exactly the documented one.
GUST_PROOF(usart_rx_decide_error_priority) {
  const uint32_t sr = gust_any_u32();
  const int32_t action = driver_usart_rx_decide(sr);
  if (sr & SR_ERRORS)
    gust_assert(action == USART_RX_ERROR, 1);
  else if (sr & SR_RXNE)
    gust_assert(action == USART_RX_DATA, 2);
  else
    gust_assert(action == USART_RX_NONE, 3);
}

// uart_rx never hands out a data byte when the SR value it read carries an
// error flag, and never reads DR before it has read SR.
GUST_PROOF(uart_rx_no_byte_from_a_corrupted_stream) {
  const int32_t r = driver_uart_rx();
  const uint32_t n = gust_trace_len();
  bool sr_read = false;
  uint32_t sr = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (is_read_of(i, SR) && !sr_read) {
      sr_read = true;
      sr = gust_trace_value(i);
    }
    if (is_read_of(i, DR)) gust_assert(sr_read, 20);  // DR only after SR
  }
  gust_assert(sr_read, 21);
  if (sr & SR_ERRORS) gust_assert(r < 0, 22);  // no data byte from a corrupted stream
  if (r >= 0) gust_assert(r <= 0xFF, 23);
}

// uart_tx_byte writes DR exactly once, with the byte, and only after a read
// of SR that had TXE set. The environment assumption: TXE is set by the
// fourth look at SR (a real USART sets it within one character time).
GUST_PROOF(uart_tx_byte_waits_for_txe) {
  // Any byte: as a u8 parameter it reaches the driver zero-extended (the
  // wasm and AAPCS calling conventions both make that the caller's duty).
  const uint8_t byte = uint8_t(gust_any_u32());
  gust_assume_read32(SR, 3, SR_TXE, SR_TXE);
  driver_uart_tx_byte(byte);
  const uint32_t n = gust_trace_len();
  uint32_t dr_writes = 0;
  bool txe_seen = false;
  for (uint32_t i = 0; i < n; ++i) {
    if (is_read_of(i, SR) && (gust_trace_value(i) & SR_TXE)) txe_seen = true;
    if (gust_trace_call(i) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(i) == DR) {
      ++dr_writes;
      gust_assert(txe_seen, 30);                     // only after TXE
      gust_assert(gust_trace_value(i) == byte, 31);  // the byte itself
    }
  }
  gust_assert(dr_writes == 1, 32);  // exactly once
}
