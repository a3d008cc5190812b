// The receive ring shared by the USART2 RX interrupt handler (the producer)
// and the thread (the consumer), in the driver's linear memory. One writer
// per index: the handler moves head, the thread moves tail; both are
// free-running counts, so head - tail is the number of bytes held and
// index & (kCapacity - 1) the slot. std::atomic (gust builds with
// -matomics) keeps the thread's loads of head in its loops and orders the
// slot's write before head's store; a push to a full ring drops the byte and
// counts it, never overwriting one the thread has not taken.
//
// GUST_RING_MUTANT_* build deliberately wrong rings that the proofs must
// catch (tests/ring_test.cpp); no shipped build defines them.
#pragma once
#include <atomic>
#include <cstdint>

namespace ring {

constexpr uint32_t kCapacity = 256;

// The ring of kCapacity bytes; RingOf<8> is the same code at 8, which the
// full-ring proof fills (256 symbolic pushes are more than the prover
// finishes in a test's time).
template <uint32_t kCapacity>
struct RingOf {
  static_assert((kCapacity & (kCapacity - 1)) == 0, "a power of two: the slot is index & (kCapacity - 1)");
  std::atomic<uint32_t> head{0};     // bytes ever pushed (the handler's)
  std::atomic<uint32_t> tail{0};     // bytes ever popped (the thread's)
  std::atomic<uint32_t> dropped{0};  // bytes a full ring refused (the handler's)
  uint8_t slot[kCapacity] = {};

  // The handler's side: true when the byte went in.
  bool push(uint8_t byte) {
    const uint32_t h = head.load(std::memory_order_relaxed);
    const uint32_t t = tail.load(std::memory_order_acquire);
#if defined(GUST_RING_MUTANT_OVERWRITE)
    // Wrong: a full ring overwrites its oldest byte.
    if (h - t >= kCapacity) tail.store(t + 1, std::memory_order_release);
#elif defined(GUST_RING_MUTANT_ONE_TOO_MANY)
    // Wrong: takes a byte more than it holds.
    if (h - t > kCapacity) {
      dropped.store(dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return false;
    }
#else
    if (h - t >= kCapacity) {
      dropped.store(dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return false;
    }
#endif
    slot[h & (kCapacity - 1)] = byte;
    head.store(h + 1, std::memory_order_release);
    return true;
  }

  // The thread's side: the oldest byte, or -1 when the ring is empty.
  int32_t pop() {
    const uint32_t t = tail.load(std::memory_order_relaxed);
    const uint32_t h = head.load(std::memory_order_acquire);
    if (h == t) return -1;
#ifdef GUST_RING_MUTANT_NEWEST_FIRST
    // Wrong: hands out the newest byte.
    const uint8_t byte = slot[(h - 1) & (kCapacity - 1)];
#else
    const uint8_t byte = slot[t & (kCapacity - 1)];
#endif
    tail.store(t + 1, std::memory_order_release);
    return byte;
  }

  // The k-th oldest byte without taking it, or -1 when the ring holds k or fewer.
  int32_t peek(uint32_t k) const {
    const uint32_t t = tail.load(std::memory_order_relaxed);
    const uint32_t h = head.load(std::memory_order_acquire);
#ifdef GUST_RING_MUTANT_UNCHECKED_PEEK
    // Wrong: no check of k, and the slot unmasked.
    return slot[t + k];
#else
    if (k >= h - t) return -1;
    return slot[(t + k) & (kCapacity - 1)];
#endif
  }

  uint32_t count() const { return head.load(std::memory_order_acquire) - tail.load(std::memory_order_relaxed); }
};

using Ring = RingOf<kCapacity>;

}  // namespace ring
