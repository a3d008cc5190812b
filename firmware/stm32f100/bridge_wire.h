/* The wiring's copies between regions: a list<u8> that one instance passes
 * to another (wit gust:drivers/uart-lists) is a (ptr, len) in the caller's
 * linear memory, which the callee cannot address. The node's generated
 * adapters (src/compose/adapters.cpp) call these two, once per list: the
 * caller's range is checked against its region's size and the length
 * against the callee's transfer buffer before any byte moves. */
#ifndef GUST_BRIDGE_WIRE_H
#define GUST_BRIDGE_WIRE_H
#include <stdint.h>

#include "gust/trap.h"

/* [at, at + len) of the caller's region (of `from_bytes` bytes) into the
 * callee's buffer `to` of `room` bytes. */
static inline void gust_wire_copy_in(uint8_t* to, uint32_t room, const uint8_t* from, uint32_t from_bytes, uint32_t at,
                                     uint32_t len) {
  if (at > from_bytes || len > from_bytes - at) gust_trap(GUST_TRAP_MEMORY_OOB);
  if (len > room) gust_trap(GUST_TRAP_LIST_TOO_LONG);
  for (uint32_t i = 0; i < len; ++i) to[i] = from[at + i];
}

/* The callee's result, `len` bytes of its buffer `from`, into [at, at + len)
 * of the caller's region (of `to_bytes` bytes). `room` is what the caller
 * asked for (its buffer holds `max` bytes), at most the callee's buffer. */
static inline void gust_wire_copy_out(uint8_t* to, uint32_t to_bytes, uint32_t at, const uint8_t* from, uint32_t room,
                                      uint32_t len) {
  if (len > room) gust_trap(GUST_TRAP_LIST_TOO_LONG);
  if (at > to_bytes || len > to_bytes - at) gust_trap(GUST_TRAP_MEMORY_OOB);
  for (uint32_t i = 0; i < len; ++i) to[at + i] = from[i];
}

#endif
