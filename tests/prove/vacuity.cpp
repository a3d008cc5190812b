// Harnesses over the shipped thin UART driver whose assumptions leave no
// execution, or leave some out unnoticed: each must be VACUOUS or an ERROR,
// or at least report what its assumptions cut, never a silent SUCCESSFUL.
#include <gust/prove.h>

#include "../../drivers/uart-thin/usart.h"

using namespace usart;

extern "C" {
GUST_DRIVER_IMPORT("uart_tx_byte") void driver_uart_tx_byte(uint8_t byte);
GUST_DRIVER_IMPORT("usart_rx_decide") int32_t driver_usart_rx_decide(uint32_t sr);
}

namespace {

uint32_t dr_writes() {
  uint32_t n = 0;
  for (uint32_t i = 0; i < gust_trace_len(); ++i)
    n += gust_trace_call(i) == GUST_SEAM_MMIO_WRITE32 && gust_trace_arg(i) == DR;
  return n;
}

uint32_t sr_reads() {
  uint32_t n = 0;
  for (uint32_t i = 0; i < gust_trace_len(); ++i)
    n += gust_trace_call(i) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(i) == SR;
  return n;
}

}  // namespace

// No x is below 5 and above 10: no execution at all.
GUST_PROOF(contradictory_assume) {
  const uint32_t x = gust_any_u32();
  gust_assume(x < 5 && x > 10);
  gust_assume_read32(SR, 3, SR_TXE, SR_TXE);
  driver_uart_tx_byte(uint8_t(x));
  gust_assert(dr_writes() == 2, 1);  // false, and never checked
}

// TXE set and clear from the first read on: no hardware does both.
GUST_PROOF(contradictory_read_assumptions) {
  gust_assume_read32(SR, 0, SR_TXE, SR_TXE);
  gust_assume_read32(SR, 2, SR_TXE | SR_RXNE, SR_RXNE);
  driver_uart_tx_byte(0x41);
  gust_assert(dr_writes() == 1, 2);
}

// An expected value with a bit its mask does not cover can never be read.
GUST_PROOF(expected_value_outside_its_mask) {
  gust_assume_read32(SR, 3, SR_TXE, SR_TXE | SR_RXNE);
  driver_uart_tx_byte(0x41);
  gust_assert(dr_writes() == 1, 3);
}

// A slip that cuts only the executions where SR is read a fourth time: the
// verdict stays SUCCESSFUL over three paths, and the report says one was cut.
GUST_PROOF(slip_cuts_the_fourth_read) {
  gust_assume_read32(SR, 3, SR_TXE, SR_TXE);
  driver_uart_tx_byte(uint8_t(gust_any_u32()));
  gust_assume(gust_trace_len() <= 4);  // meant: at most 4 reads of SR
  gust_assert(dr_writes() == 1, 4);
}

// The same slip, with a cover that demands the fourth read: VACUOUS.
GUST_PROOF(slip_with_a_cover) {
  gust_assume_read32(SR, 3, SR_TXE, SR_TXE);
  driver_uart_tx_byte(uint8_t(gust_any_u32()));
  gust_assume(gust_trace_len() <= 4);
  gust_cover(sr_reads() == 4, 10);
  gust_assert(dr_writes() == 1, 5);
}

// Without the slip the cover is hit and the proof stands.
GUST_PROOF(fourth_read_covered) {
  gust_assume_read32(SR, 3, SR_TXE, SR_TXE);
  driver_uart_tx_byte(uint8_t(gust_any_u32()));
  gust_cover(sr_reads() == 4, 11);
  gust_assert(dr_writes() == 1, 6);
}

// No SR makes the decision 7: the assertion is never reached.
GUST_PROOF(unreachable_assertion) {
  const uint32_t sr = gust_any_u32();
  if (driver_usart_rx_decide(sr) == 7) gust_assert(sr == 0, 7);
}

// Proves nothing about the driver: it never calls it.
GUST_PROOF(never_calls_the_driver) { gust_assert((gust_any_u32() | 1) != 0, 8); }
