// A thin-seam UART driver with the stack shapes that escaped the old oracle
// (issue 9), one per define; the stack tests build it into nodes and check
// that the oracle now sees each, and that QEMU never measures deeper.
//   STACK_SELF    self-recursion: a decimal printer that recurses before it prints
//   STACK_MUTUAL  mutual recursion that the inliner folds into self-recursion
//   STACK_BLX     repeated calls in one block, lowered to `ldr rX, =f; blx rX`
//   STACK_HELPER  a 64-bit division, a call into libgcc (__aeabi_uldivmod)
//   STACK_TABLE   calls through a table of function pointers (call_indirect)
//   STACK_VIRTUAL a virtual interface with a shallow and a deeper writer, and a
//                 much deeper function of another signature in the same table
//   STACK_VCYCLE  the same, the deeper writer calling through the interface again
//   STACK_VSIG    the deep function called, itself calling through the interface:
//                 a cycle only if any table function could be the target
#include <gust/driver-thin.h>

#include "../../drivers/uart-thin/usart.h"

using namespace usart;

namespace {

void tx(uint32_t byte) {
  while (!(gust_hal_mmio__read32(SR) & SR_TXE)) {
  }
  gust_hal_mmio__write32(DR, byte & 0xFF);
}

uint32_t sent = 0;

#if defined(STACK_SELF)
// Not a tail call: the digit goes out after the deeper ones, so the
// recursion survives clang's and LLVM's optimisers.
void put_decimal(uint32_t v) {
  if (v >= 10) put_decimal(v / 10);
  tx('0' + v % 10);
}
#elif defined(STACK_MUTUAL)
void put_even(uint32_t n);
void put_odd(uint32_t n) {
  if (n) put_even(n - 1);
  tx('o');
}
void put_even(uint32_t n) {
  if (n) put_odd(n - 1);
  tx('e');
}
#elif defined(STACK_TABLE)
// Register writers reached only through the table: the dissolved
// call_indirect loads the target from the table's descriptors.
__attribute__((noinline)) void write_checked(uint32_t reg, uint32_t v) {
  gust_hal_mmio__write32(reg, v);
  if (gust_hal_mmio__read32(reg) != v) gust_hal_mmio__write32(reg, v);
}
__attribute__((noinline)) void set_brr(uint32_t v) { gust_hal_mmio__write32(BRR, v); }
__attribute__((noinline)) void set_cr1(uint32_t v) { write_checked(CR1, v); }
void (*volatile writers[2])(uint32_t) = {set_brr, set_cr1};
#elif defined(STACK_VIRTUAL) || defined(STACK_VCYCLE) || defined(STACK_VSIG)
// put(reg, value) through an interface: call_indirect of (this, reg, value) -> ().
struct Writer {
  virtual void put(uint32_t reg, uint32_t v) = 0;

 protected:
  ~Writer() = default;
};
Writer* volatile chosen[2];  // read at run time: the calls stay virtual
struct Plain final : Writer {
  void put(uint32_t reg, uint32_t v) override { gust_hal_mmio__write32(reg, v); }
};
// A chain of calls that are not tail calls: each level keeps a frame.
__attribute__((noinline)) uint32_t mix4(uint32_t a, uint32_t b, uint32_t c) {
  return gust_hal_mmio__read32(a & 0x1C) * b + c;
}
__attribute__((noinline)) uint32_t mix3(uint32_t a, uint32_t b, uint32_t c) { return mix4(a, b, c) ^ mix4(c, a, b); }
__attribute__((noinline)) uint32_t mix2(uint32_t a, uint32_t b, uint32_t c) { return mix3(a, b, c) + mix3(b, c, a); }
__attribute__((noinline)) uint32_t mix1(uint32_t a, uint32_t b, uint32_t c) { return mix2(a, b, c) - mix2(c, b, a); }
struct Checked final : Writer {
  void put(uint32_t reg, uint32_t v) override {
    gust_hal_mmio__write32(reg, v);
    if (mix4(reg, v, 1) == 0x5A5A5A5A) gust_hal_mmio__write32(reg, v);
#if defined(STACK_VCYCLE)
    if (v == '#') chosen[1]->put(reg, v - 1);  // through the interface again, to itself
#endif
  }
};
Plain plain;
Checked checked;
// Of another signature, (a, b, c) -> result, and much deeper: in the table
// (a pointer the driver holds), reached by no call of its signature
// (STACK_VIRTUAL), or called directly and calling through the interface
// itself (STACK_VSIG).
__attribute__((noinline)) uint32_t deep(uint32_t a, uint32_t b, uint32_t c) {
#if defined(STACK_VSIG)
  chosen[c & 1]->put(0x1C, a);
#endif
  return mix1(a, b, c) + mix1(b, c, a) + 1;
}
uint32_t (*volatile hook)(uint32_t, uint32_t, uint32_t) = deep;
#endif

}  // namespace

extern "C" {

GUST_EXPORT("uart_init") void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
#if defined(STACK_TABLE)
  writers[0]((pclk_hz + baud / 2) / baud);
  writers[1](CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE);
  return;
#elif defined(STACK_VIRTUAL) || defined(STACK_VCYCLE) || defined(STACK_VSIG)
  chosen[0] = &plain;
  chosen[1] = &checked;
  sent += hook == nullptr;                          // a volatile read: deep stays in the table, called by nothing
#if defined(STACK_VSIG)
  if (baud == 1) sent = deep(pclk_hz, baud, sent);  // never, on the echo node; the oracle counts it
#endif
#elif defined(STACK_HELPER)
  // USARTDIV rounded, in 64 bits as a careless driver might write it.
  const uint64_t div = (uint64_t(pclk_hz) * 16 + uint64_t(baud) * 8) / (uint64_t(baud) * 16);
  gust_hal_mmio__write32(BRR, uint32_t(div));
#else
  gust_hal_mmio__write32(BRR, (pclk_hz + baud / 2) / baud);
#endif
#if defined(STACK_BLX)
  // Four calls to one import in one block: at minsize LLVM keeps its address
  // in a register and calls through it.
  gust_hal_mmio__write32(CR1, 0);
  gust_hal_mmio__write32(0x10, 0);  // CR2: one stop bit
  gust_hal_mmio__write32(0x14, 0);  // CR3: no flow control
#endif
  gust_hal_mmio__write32(CR1, CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE);
}

// '#' prints how many bytes went out so far, the recursive way.
GUST_EXPORT("uart_tx_byte") void uart_tx_byte(uint8_t byte) {
#if defined(STACK_SELF)
  if (byte == '#') return put_decimal(sent);
#elif defined(STACK_MUTUAL)
  if (byte == '#') return put_even(sent & 7);
#endif
  ++sent;
#if defined(STACK_VIRTUAL) || defined(STACK_VCYCLE) || defined(STACK_VSIG)
  while (!(gust_hal_mmio__read32(SR) & SR_TXE)) {
  }
  chosen[byte & 1]->put(DR, byte);  // odd bytes through the deeper writer
  return;
#endif
  tx(byte);
}

GUST_EXPORT("uart_rx") int32_t uart_rx() {
  usart_rx_action action = usart_rx_decide(gust_hal_mmio__read32(SR));
  if (action == USART_RX_NONE) return UART_RX_EMPTY;
  uint32_t dr = gust_hal_mmio__read32(DR);
  if (action == USART_RX_ERROR) return UART_RX_FAULT;
  return static_cast<int32_t>(dr & 0xFF);
}

GUST_EXPORT("uart_rx_fired") bool uart_rx_fired() { return gust_hal_irq__poll(0); }
}
