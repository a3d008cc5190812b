// Proof harnesses for the interrupt-driven receiver (uart.cpp, ring.h), run
// by `gust prove` and `gust build --prove` against the module that ships.
// Bytes and choices are any values at all; the sequences are bounded, and
// written out (not looped) so that --unwind bounds nothing here.
#include <gust/prove.h>

#include <utility>

#include "../uart-thin/usart.h"
#include "ring.h"

extern "C" {
GUST_DRIVER_IMPORT("ring_push") uint32_t ring_push(uint32_t byte);
GUST_DRIVER_IMPORT("ring_pop") int32_t ring_pop();
GUST_DRIVER_IMPORT("ring_peek") int32_t ring_peek(uint32_t k);
GUST_DRIVER_IMPORT("ring_count") uint32_t ring_count();
GUST_DRIVER_IMPORT("ring_dropped") uint32_t ring_dropped();
GUST_DRIVER_IMPORT("ring8_push") uint32_t ring8_push(uint32_t byte);
GUST_DRIVER_IMPORT("ring8_pop") int32_t ring8_pop();
GUST_DRIVER_IMPORT("ring8_count") uint32_t ring8_count();
GUST_DRIVER_IMPORT("ring8_dropped") uint32_t ring8_dropped();
GUST_DRIVER_IMPORT("irq_handler_0") void irq_handler_0();
GUST_DRIVER_IMPORT("uart_rx") int32_t uart_rx();
GUST_DRIVER_IMPORT("uart_overrun") uint32_t uart_overrun();
GUST_DRIVER_IMPORT("uart_errors") uint32_t uart_errors();
}

namespace {

constexpr uint32_t kCap = ring::kCapacity;

uint8_t any_byte() {
  const uint32_t v = gust_any_u32();
  gust_assume(v < 256);
  return uint8_t(v);
}

// f(0), f(1), ..., f(N - 1), written out.
template <typename F, size_t... I>
void repeat(F&& f, std::index_sequence<I...>) {
  (f(I), ...);
}
template <size_t N, typename F>
void repeat(F&& f) {
  repeat(f, std::make_index_sequence<N>{});
}

// The harness's own model of what the ring must hold, oldest first.
struct Model {
  uint8_t bytes[kCap + 8];
  uint32_t first = 0, n = 0;
};

}  // namespace

// Count within capacity, FIFO order and peek, over any interleaving of
// INTERLEAVED_OPS pushes and pops (each op's kind and byte are any values):
// every pop returns exactly the model's oldest byte (-1 when empty), the
// count is the model's and never above the capacity, peek(k) for any k is
// then the model's k-th byte or -1, and no operation traps.
#ifndef INTERLEAVED_OPS
#define INTERLEAVED_OPS 6
#endif
GUST_PROOF(ring_fifo_interleaved) {
  Model m;
  repeat<INTERLEAVED_OPS>([&](size_t) {
    if (gust_any_u32() & 1) {
      const uint8_t b = any_byte();
      gust_assert(ring_push(b) == 1, 1);  // never full within these few ops
      m.bytes[m.first + m.n++] = b;
    } else {
      const int32_t got = ring_pop();
      if (m.n == 0) {
        gust_assert(got == -1, 2);
      } else {
        gust_assert(got == m.bytes[m.first], 3);
        ++m.first;
        --m.n;
      }
    }
    const uint32_t c = ring_count();
    gust_assert(c == m.n && c <= kCap, 4);
  });
  const uint32_t k = gust_any_u32();
  const int32_t p = ring_peek(k);
  gust_assert(k < m.n ? p == m.bytes[m.first + k] : p == -1, 5);
  gust_assert(ring_dropped() == 0, 6);
  gust_cover(m.n >= 3, 7);
}

// A full ring: kSmall pushes of any bytes fill it; the next push of any
// byte is refused and counted, the count stays at the capacity, and the
// bytes come out unchanged and in order (none overwritten), then -1; after
// that a push goes in again. On ring::RingOf<8>, the same code as the 256-byte
// receive ring at 8 bytes: filling the 256-byte one symbolically takes the
// prover longer than a test may (its full behaviour is RingEmu's on the
// emulated core).
GUST_PROOF(ring_full_drops_never_overwrites) {
  constexpr uint32_t kSmall = 8;
  Model m;
  repeat<kSmall>([&](size_t i) {
    m.bytes[i] = any_byte();
    gust_assert(ring8_push(m.bytes[i]) == 1, 10);
  });
  gust_assert(ring8_count() == kSmall, 11);
  gust_assert(ring8_push(any_byte()) == 0, 12);
  gust_assert(ring8_dropped() == 1 && ring8_count() == kSmall, 13);
  repeat<kSmall>([&](size_t i) { gust_assert(ring8_pop() == m.bytes[i], 14); });
  gust_assert(ring8_pop() == -1 && ring8_count() == 0, 15);
  const uint8_t b = any_byte();
  gust_assert(ring8_push(b) == 1 && ring8_pop() == b, 16);
}

// The handler on any SR and DR, HANDLER_CALLS times: it never traps; a byte
// goes into the ring exactly when SR had RXNE or ORE and no PE, FE or NE,
// and it is DR's low byte (read from the trace of seam calls); the thread
// pops them in order; overruns and errors count what they say.
#ifndef HANDLER_CALLS
#define HANDLER_CALLS 2
#endif
GUST_PROOF(ring_handler_drains_dr) {
  using namespace usart;
  Model m;
  uint32_t ore = 0, bad = 0;
  repeat<HANDLER_CALLS>([&](size_t) {
    const uint32_t before = gust_trace_len();
    irq_handler_0();
    const uint32_t after = gust_trace_len();
    gust_assert(after > before && gust_trace_call(before) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(before) == SR, 20);
    const uint32_t sr = gust_trace_value(before);
    if (!(sr & (SR_RXNE | SR_ORE))) {
      gust_assert(after == before + 1, 21);  // only SR read: DR untouched
      return;
    }
    gust_assert(
        after == before + 2 && gust_trace_call(before + 1) == GUST_SEAM_MMIO_READ32 && gust_trace_arg(before + 1) == DR,
        22);
    if (sr & SR_ORE) ++ore;
    if (sr & (SR_PE | SR_FE | SR_NE)) {
      ++bad;
      return;
    }
    m.bytes[m.n++] = uint8_t(gust_trace_value(before + 1));
  });
  gust_assert(ring_count() == m.n, 23);
  for (uint32_t i = 0; i < m.n; ++i) gust_assert(uart_rx() == m.bytes[i], 24);
  gust_assert(uart_rx() == -1, 25);
  gust_assert(uart_overrun() == ore && uart_errors() == bad, 26);
  gust_cover(m.n == HANDLER_CALLS, 27);
}
