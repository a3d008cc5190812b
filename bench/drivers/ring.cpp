// Kernel: a byte ring buffer (push and pop), the shape of every UART driver's
// software FIFO. Power-of-two size, free-running indices.
#include <gust/driver-thin.h>

namespace {
constexpr uint32_t kSize = 64;
uint8_t buf[kSize];
uint32_t head, tail;
}  // namespace

extern "C" {
GUST_EXPORT("ring_push") bool ring_push(uint8_t byte) {
  if (head - tail == kSize) return false;
  buf[head % kSize] = byte;
  ++head;
  return true;
}

GUST_EXPORT("ring_pop") int32_t ring_pop() {
  if (head == tail) return -1;
  const uint8_t byte = buf[tail % kSize];
  ++tail;
  return byte;
}
}
