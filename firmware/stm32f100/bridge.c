/* The bridge's shared trap code: where every wasm trap ends. The node's
 * generated gust_trap picks the policy its manifest names (on_trap): halt,
 * with the granted interrupt lines disabled, or reset, with the trap kept in
 * a record that survives the system reset and is reported at the next boot.
 * Register addresses: ARM DDI0337 (Cortex-M3 TRM) and RM0041. */
#include "bridge_uart.h"

#define SCB_AIRCR (*(volatile uint32_t*)0xE000ED0Cu) /* application interrupt and reset control */
#define AIRCR_VECTKEY (0x05FAu << 16)                /* a write without the key is ignored */
#define AIRCR_PRIGROUP (7u << 8)                     /* kept: the priority grouping */
#define AIRCR_SYSRESETREQ (1u << 2)
#define SR_TC (1u << 6) /* USART: the last frame has left the shift register */

/* After reset the core runs from HSI (8 MHz) with no prescaler on either APB,
 * the clock the app also assumes; 115200 baud, 8N1. */
#define REPORT_PCLK_HZ 8000000u
#define REPORT_BAUD 115200u

/* The record a reset keeps. Its section is placed in SRAM outside .data and
 * .bss (see the linker script), so boot neither copies nor zeroes it; the
 * magic and the check word tell a kept record from what SRAM holds at power
 * on. */
#define TRAP_RECORD_MAGIC 0x67757374u /* "gust" */
static volatile struct {
  uint32_t magic, code, at, check;
} gust_trap_record __attribute__((section(".bss.gust.noinit")));

static uint32_t record_check(uint32_t code, uint32_t at) { return ~(TRAP_RECORD_MAGIC ^ code ^ at); }

void gust_trap_halt(unsigned code) {
  __asm volatile("cpsid i" ::: "memory");
  /* The clear-enables the caller wrote complete before the core sleeps. */
  __asm volatile("dsb\n\tisb" ::: "memory");
  for (;;) __asm volatile("wfi" ::"r"(code)); /* the code stays in a register for a debugger */
}

void gust_trap_reset(unsigned code, uint32_t return_address) {
  __asm volatile("cpsid i" ::: "memory");
  /* The call site: the 4-byte BL before the return address (Thumb bit off). */
  const uint32_t at = (return_address & ~1u) - 4u;
  gust_trap_record.code = code;
  gust_trap_record.at = at;
  gust_trap_record.check = record_check(code, at);
  gust_trap_record.magic = TRAP_RECORD_MAGIC;
  __asm volatile("dsb" ::: "memory"); /* the record is in SRAM before the reset */
  SCB_AIRCR = AIRCR_VECTKEY | (SCB_AIRCR & AIRCR_PRIGROUP) | AIRCR_SYSRESETREQ;
  __asm volatile("dsb" ::: "memory");
  for (;;) {
  }
}

static const char* trap_meaning(uint32_t code) {
  switch (code) {
#define GUST_TRAP_CASE(c, name, msg) \
  case c:                            \
    return msg;
    GUST_TRAPS(GUST_TRAP_CASE)
#undef GUST_TRAP_CASE
    default:
      return "unknown trap code";
  }
}

static void report_put(uint32_t usart, const char* s) {
  for (; *s; ++s) {
    while (!(USART_SR(usart) & SR_TXE)) {
    }
    USART_DR(usart) = (uint8_t)*s;
  }
}

/* "gust: trap CODE (MEANING) at 0xADDR before reset", once, on the console
 * USART, which is left off again for its driver. */
void gust_trap_report(uint32_t usart) {
  const uint32_t code = gust_trap_record.code, at = gust_trap_record.at;
  const int kept = gust_trap_record.magic == TRAP_RECORD_MAGIC && gust_trap_record.check == record_check(code, at);
  gust_trap_record.magic = 0;
  if (!kept) return;
  char num[11], hex[9];
  char* p = num + sizeof num;
  *--p = 0;
  uint32_t v = code;
  do *--p = (char)('0' + v % 10);
  while (v /= 10);
  for (int i = 0; i < 8; ++i) hex[i] = "0123456789ABCDEF"[(at >> (28 - 4 * i)) & 15];
  hex[8] = 0;
  USART_BRR(usart) = (REPORT_PCLK_HZ + REPORT_BAUD / 2) / REPORT_BAUD;
  USART_CR1(usart) = CR1_UE | CR1_TE;
  report_put(usart, "gust: trap ");
  report_put(usart, p);
  report_put(usart, " (");
  report_put(usart, trap_meaning(code));
  report_put(usart, ") at 0x");
  report_put(usart, hex);
  report_put(usart, " before reset\r\n");
  while (!(USART_SR(usart) & SR_TC)) {
  }
  USART_CR1(usart) = 0;
}
