/* The thin bridge: gust's whole trusted code on the device. Each seam
 * operation of wit/gust-hal.wit is one function per driver instance, with the
 * instance's window and lines fixed at compile time. The node's generated file
 * (bridge_node.c) expands these macros once per granted peripheral.
 * Register addresses: ARM DDI0337 (Cortex-M3 TRM) and RM0041. */
#ifndef GUST_BRIDGE_H
#define GUST_BRIDGE_H
#include <stdint.h>

#include "gust/trap.h"

#define NVIC_ISER ((volatile uint32_t*)0xE000E100u) /* set-enable, 1 bit per line */
#define NVIC_ICER ((volatile uint32_t*)0xE000E180u) /* clear-enable */
#define RCC_BASE 0x40021000u

static inline void nvic_enable(uint32_t irqn) { NVIC_ISER[irqn >> 5] = 1u << (irqn & 31); }
static inline void nvic_disable(uint32_t irqn) { NVIC_ICER[irqn >> 5] = 1u << (irqn & 31); }
static inline void rcc_enable(uint32_t reg, uint32_t bit) { *(volatile uint32_t*)(RCC_BASE + reg) |= 1u << bit; }

/* The trap policies (bridge.c); the node's generated gust_trap calls one.
 * halt: after gust_trap has disabled the granted lines, interrupts masked
 * and the core asleep.
 * reset: the code and the call site kept across a system reset, reported by
 * gust_trap_report on the console USART at `usart` from gust_bridge_init. */
__attribute__((noreturn)) void gust_trap_halt(unsigned code);
__attribute__((noreturn)) void gust_trap_reset(unsigned code, uint32_t return_address);
void gust_trap_report(uint32_t usart);

/* mmio: a window of `size` bytes at `base`, size a power of two. An offset is
 * rejected unless it lies inside the window and is aligned to the access:
 * for a 32-bit access, off & ~(size - 4) is zero exactly when off < size and
 * off % 4 == 0. */
#define GUST_MMIO_WINDOW(inst, base, size)                                  \
  _Static_assert(((size) & ((size)-1)) == 0 && (size) >= 4, "window size"); \
  uint32_t inst##_gust_hal_mmio__read32(uint32_t off) {                     \
    if (off & ~((size)-4u)) gust_trap(GUST_TRAP_MMIO_WINDOW);               \
    return *(volatile uint32_t*)((base) + off);                             \
  }                                                                         \
  void inst##_gust_hal_mmio__write32(uint32_t off, uint32_t value) {        \
    if (off & ~((size)-4u)) gust_trap(GUST_TRAP_MMIO_WINDOW);               \
    *(volatile uint32_t*)((base) + off) = value;                            \
  }                                                                         \
  uint8_t inst##_gust_hal_mmio__read8(uint32_t off) {                       \
    if (off & ~((size)-1u)) gust_trap(GUST_TRAP_MMIO_WINDOW);               \
    return *(volatile uint8_t*)((base) + off);                              \
  }                                                                         \
  void inst##_gust_hal_mmio__write8(uint32_t off, uint8_t value) {          \
    if (off & ~((size)-1u)) gust_trap(GUST_TRAP_MMIO_WINDOW);               \
    *(volatile uint8_t*)((base) + off) = value;                             \
  }

/* irq, split phase: the handler latches the line and masks it in the NVIC,
 * so it cannot fire again until poll() has seen it. poll() clears the latch
 * and unmasks the line. Because the line stays masked while latched, the
 * latch has one writer at a time and needs no lock. */
#define GUST_IRQ_LINES(inst, count, ...)                        \
  static const uint8_t inst##_irq_lines[count] = {__VA_ARGS__}; \
  static volatile uint8_t inst##_irq_latch[count];              \
  uint32_t inst##_gust_hal_irq__poll(uint32_t line) {           \
    if (line >= (count)) gust_trap(GUST_TRAP_IRQ_LINE);         \
    if (!inst##_irq_latch[line]) return 0;                      \
    inst##_irq_latch[line] = 0;                                 \
    nvic_enable(inst##_irq_lines[line]);                        \
    return 1;                                                   \
  }                                                             \
  void inst##_gust_hal_irq__enable(uint32_t line) {             \
    if (line >= (count)) gust_trap(GUST_TRAP_IRQ_LINE);         \
    nvic_enable(inst##_irq_lines[line]);                        \
  }

/* The interrupt handler for NVIC line `irqn`, granted as `line` of `inst`. */
#define GUST_IRQ_HANDLER(inst, line, irqn) \
  void gust_isr_##irqn(void) {             \
    nvic_disable(irqn);                    \
    inst##_irq_latch[line] = 1;            \
  }

/* The interrupt handler for NVIC line `irqn` when the driver exports one for
 * its `line` (irq_handler_<line>): the vector entry calls the dissolved
 * handler, nothing latched or masked. The handler clears the cause in its
 * window (reading USART DR clears RXNE); irq.poll on this line stays false. */
#define GUST_IRQ_WASM_HANDLER(inst, line, irqn) \
  void inst##_irq_handler_##line(void);         \
  void gust_isr_##irqn(void) { inst##_irq_handler_##line(); }

/* SysTick granted to `inst` as a window (no line): its exception is no
 * line of the instance, so a driver that set CSR.TICKINT traps here, under
 * the node's trap policy, instead of reaching gust_default_isr. */
#define GUST_SYSTICK_TRAPS(inst) \
  void gust_isr_systick(void) { gust_trap(GUST_TRAP_IRQ_LINE); }

#endif
