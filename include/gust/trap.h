/* Trap codes: what gust_trap(code) is called with. One table for the
 * dissolver (C++), the bridge (C) and the spec runner. */
#ifndef GUST_TRAP_H
#define GUST_TRAP_H

/* GUST_TRAP(code, name, message) */
#define GUST_TRAPS(X)                                          \
  X(1, UNREACHABLE, "unreachable")                             \
  X(2, DIV_ZERO, "integer divide by zero")                     \
  X(3, INT_OVERFLOW, "integer overflow")                       \
  X(4, MEMORY_OOB, "out of bounds memory access")              \
  X(5, TABLE_OOB, "undefined element")                         \
  X(6, NULL_REF, "uninitialized element")                      \
  X(7, SIG_MISMATCH, "indirect call type mismatch")            \
  X(8, BAD_CONVERSION, "invalid conversion to integer")        \
  X(9, TABLE_ACCESS_OOB, "out of bounds table access")         \
  X(10, MMIO_WINDOW, "mmio offset outside the granted window") \
  X(11, IRQ_LINE, "irq line not granted to this instance")     \
  X(12, UNALIGNED_ATOMIC, "unaligned atomic")                  \
  X(13, LIST_TOO_LONG, "list longer than the wiring's transfer buffer")

enum gust_trap_code {
#define GUST_TRAP_ENUM(code, name, msg) GUST_TRAP_##name = code,
  GUST_TRAPS(GUST_TRAP_ENUM)
#undef GUST_TRAP_ENUM
};

#ifdef __cplusplus
extern "C"
#endif
    __attribute__((noreturn)) void
    gust_trap(unsigned code);

#endif
