/* Boot for the STM32F100 (Cortex-M3): the vector table and the reset handler.
 * Every interrupt line has a weak handler gust_isr_<n>; the node's generated
 * bridge file overrides the lines it grants to drivers. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
void gust_priorities_init(void);
void gust_bridge_init(void);
int main(void);

void gust_reset(void) {
  /* First of all, the levels the manifest declares (generated with the
   * bridge): no line is enabled before, so none fires at another level. */
  gust_priorities_init();
  /* .data: copy the initial values from flash; .bss: zero. */
  uint32_t *src = &_sidata, *dst = &_sdata;
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  /* Clocks and granted lines; under on_trap = "reset", also the report of a
   * trap that reset the chip, so it is out before the app starts. */
  gust_bridge_init();
  main();
  for (;;) __asm volatile("wfi");
}

/* Faults and unclaimed interrupts stop here, visibly, in a debugger. */
void gust_default_isr(void) {
  for (;;) __asm volatile("bkpt #1");
}

#define WEAK_ISR(n) void gust_isr_##n(void) __attribute__((weak, alias("gust_default_isr")));
WEAK_ISR(systick)
#define ISR10(t)                                                                                           \
  WEAK_ISR(t##0)                                                                                           \
  WEAK_ISR(t##1) WEAK_ISR(t##2) WEAK_ISR(t##3) WEAK_ISR(t##4) WEAK_ISR(t##5) WEAK_ISR(t##6) WEAK_ISR(t##7) \
      WEAK_ISR(t##8) WEAK_ISR(t##9)
WEAK_ISR(0)
WEAK_ISR(1) WEAK_ISR(2) WEAK_ISR(3) WEAK_ISR(4) WEAK_ISR(5) WEAK_ISR(6) WEAK_ISR(7) WEAK_ISR(8) WEAK_ISR(9) ISR10(1)
    ISR10(2) ISR10(3) ISR10(4) ISR10(5) WEAK_ISR(60)

#define V(n) gust_isr_##n,
#define V10(t) V(t##0) V(t##1) V(t##2) V(t##3) V(t##4) V(t##5) V(t##6) V(t##7) V(t##8) V(t##9)

    /* The Cortex-M vector table: initial SP, the 15 system exceptions, then the
     * STM32F100's 61 interrupt lines (RM0041 table 53). */
    __attribute__((section(".isr_vector"), used)) void (*const gust_vectors[16 + 61])(void) = {
        (void (*)(void)) & _estack,
        gust_reset,
        gust_default_isr, /* NMI */
        gust_default_isr, /* HardFault */
        gust_default_isr, /* MemManage */
        gust_default_isr, /* BusFault */
        gust_default_isr, /* UsageFault */
        0,
        0,
        0,
        0,
        gust_default_isr, /* SVCall */
        gust_default_isr, /* DebugMonitor */
        0,
        gust_default_isr, /* PendSV */
        gust_isr_systick, /* SysTick: the bridge's when a node grants it (GUST_SYSTICK_TRAPS) */
        V(0) V(1) V(2) V(3) V(4) V(5) V(6) V(7) V(8) V(9) V10(1) V10(2) V10(3) V10(4) V10(5) V(60)};
