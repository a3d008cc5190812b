// std::atomic in a driver, as gust compiles it (-matomics): the shapes an
// interrupt handler and the thread share. tests/atomics_test.cpp dissolves
// it, runs it on the emulated core and reads its code.
#include <atomic>
#include <cstdint>

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

namespace {
std::atomic<uint32_t> head{0};
std::atomic<uint16_t> half{0};
std::atomic<uint8_t> byte{0};
uint32_t plain_head = 0;  // the same loop without std::atomic, for contrast
}  // namespace

EXPORT(head_get) uint32_t head_get() { return head.load(); }
EXPORT(head_set) void head_set(uint32_t v) { head.store(v); }
EXPORT(head_add) uint32_t head_add(uint32_t v) { return head.fetch_add(v); }
EXPORT(head_sub) uint32_t head_sub(uint32_t v) { return head.fetch_sub(v); }
EXPORT(head_and) uint32_t head_and(uint32_t v) { return head.fetch_and(v); }
EXPORT(head_or) uint32_t head_or(uint32_t v) { return head.fetch_or(v); }
EXPORT(head_xor) uint32_t head_xor(uint32_t v) { return head.fetch_xor(v); }
EXPORT(head_xchg) uint32_t head_xchg(uint32_t v) { return head.exchange(v); }
// 1 and the new value stored when head held `expected`, else 0.
EXPORT(head_cas) uint32_t head_cas(uint32_t expected, uint32_t desired) {
  return head.compare_exchange_strong(expected, desired, std::memory_order_seq_cst);
}
EXPORT(half_add) uint32_t half_add(uint32_t v) { return half.fetch_add(uint16_t(v)); }
EXPORT(half_get) uint32_t half_get() { return half.load(); }
EXPORT(byte_add) uint32_t byte_add(uint32_t v) { return byte.fetch_add(uint8_t(v)); }
EXPORT(byte_get) uint32_t byte_get() { return byte.load(); }
EXPORT(fence) void fence() { std::atomic_thread_fence(std::memory_order_seq_cst); }

// The thread's side of a ring: wait until the handler moves head past `seen`.
EXPORT(wait_head) uint32_t wait_head(uint32_t seen) {
  uint32_t h;
  while ((h = head.load(std::memory_order_acquire)) == seen) {
  }
  return h;
}
EXPORT(plain_set) void plain_set(uint32_t v) { plain_head = v; }
EXPORT(wait_plain) uint32_t wait_plain(uint32_t seen) {
  uint32_t h;
  while ((h = plain_head) == seen) {
  }
  return h;
}
