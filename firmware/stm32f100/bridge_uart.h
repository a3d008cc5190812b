/* The bridge for the mid and fat seams: here the bridge owns the USART, so
 * this is native driver code, and trusted. Register offsets and bits: RM0041
 * section 23.6. The node's generated bridge file expands one macro per
 * driver instance. */
#ifndef GUST_BRIDGE_UART_H
#define GUST_BRIDGE_UART_H
#include "bridge.h"

#define USART_SR(base) (*(volatile uint32_t*)((base) + 0x00u))
#define USART_DR(base) (*(volatile uint32_t*)((base) + 0x04u))
#define USART_BRR(base) (*(volatile uint32_t*)((base) + 0x08u))
#define USART_CR1(base) (*(volatile uint32_t*)((base) + 0x0Cu))
#define SR_ERRORS 0x0Fu /* PE FE NE ORE */
#define SR_RXNE (1u << 5)
#define SR_TXE (1u << 7)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_RXNEIE (1u << 5)
#define CR1_TXEIE (1u << 7)
#define CR1_UE (1u << 13)

/* uart-byte (mid seam): polled bytes; the error flags seen with the last
 * byte are kept for the driver's error policy. */
#define GUST_UART_BYTE(inst, base)                                                  \
  static uint8_t inst##_rx_errors;                                                  \
  void inst##_gust_hal_uart_byte__init(uint32_t pclk_hz, uint32_t baud) {           \
    USART_BRR(base) = (pclk_hz + baud / 2) / baud;                                  \
    USART_CR1(base) = CR1_UE | CR1_TE | CR1_RE;                                     \
  }                                                                                 \
  void inst##_gust_hal_uart_byte__tx(uint8_t byte) {                                \
    while (!(USART_SR(base) & SR_TXE)) {                                            \
    }                                                                               \
    USART_DR(base) = byte;                                                          \
  }                                                                                 \
  int32_t inst##_gust_hal_uart_byte__rx(void) {                                     \
    uint32_t sr = USART_SR(base);                                                   \
    if (!(sr & (SR_RXNE | SR_ERRORS))) return -1;                                   \
    inst##_rx_errors = (uint8_t)(sr & SR_ERRORS); /* read SR then DR clears them */ \
    return (int32_t)(USART_DR(base) & 0xFFu);                                       \
  }                                                                                 \
  uint8_t inst##_gust_hal_uart_byte__rx_errors(void) { return inst##_rx_errors; }   \
  uint32_t inst##_gust_hal_uart_byte__rx_ready(void) { return (USART_SR(base) & SR_RXNE) != 0; }

/* uart-block (fat seam): a ring each way, filled and drained by the USART
 * interrupt. Sizes are powers of two; head and tail run free and are masked.
 * Block addresses are wasm addresses in the instance's memory, checked
 * against its size before any byte moves. */
#define GUST_UART_BLOCK(inst, base, irqn, tx_size, rx_size)                                            \
  _Static_assert(((tx_size) & ((tx_size)-1)) == 0 && ((rx_size) & ((rx_size)-1)) == 0,                 \
                 "ring sizes are powers of two");                                                      \
  extern uint8_t inst##_gust_memory[];                                                                 \
  extern const uint32_t inst##_gust_memory__bytes;                                                     \
  static uint8_t inst##_tx_ring[tx_size], inst##_rx_ring[rx_size];                                     \
  static volatile uint32_t inst##_tx_head, inst##_tx_tail, inst##_rx_head, inst##_rx_tail;             \
  static void inst##_check_block(uint32_t at, uint32_t len) {                                          \
    if (at > inst##_gust_memory__bytes || len > inst##_gust_memory__bytes - at)                        \
      gust_trap(GUST_TRAP_MEMORY_OOB);                                                                 \
  }                                                                                                    \
  /* Moves the next byte out when DR is free, from thread or interrupt: the   */                       \
  /* interrupt is masked so the two never pop the same byte. Bytes left wait */                        \
  /* for TXEIE, which the kick arms.                                          */                       \
  static void inst##_tx_kick(void) {                                                                   \
    __asm volatile("cpsid i" ::: "memory");                                                            \
    if (inst##_tx_tail != inst##_tx_head && (USART_SR(base) & SR_TXE)) {                               \
      USART_DR(base) = inst##_tx_ring[inst##_tx_tail % (tx_size)];                                     \
      ++inst##_tx_tail;                                                                                \
    }                                                                                                  \
    if (inst##_tx_tail != inst##_tx_head)                                                              \
      USART_CR1(base) |= CR1_TXEIE;                                                                    \
    else                                                                                               \
      USART_CR1(base) &= ~CR1_TXEIE;                                                                   \
    __asm volatile("cpsie i" ::: "memory");                                                            \
  }                                                                                                    \
  void inst##_gust_hal_uart_block__init(uint32_t pclk_hz, uint32_t baud) {                             \
    USART_BRR(base) = (pclk_hz + baud / 2) / baud;                                                     \
    USART_CR1(base) = CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;                                           \
  }                                                                                                    \
  void inst##_gust_hal_uart_block__write(uint32_t data, uint32_t len) {                                \
    inst##_check_block(data, len);                                                                     \
    for (uint32_t i = 0; i < len; ++i) {                                                               \
      while (inst##_tx_head - inst##_tx_tail == (tx_size)) { /* full: the ISR drains */                \
      }                                                                                                \
      inst##_tx_ring[inst##_tx_head % (tx_size)] = inst##_gust_memory[data + i];                       \
      ++inst##_tx_head;                                                                                \
      inst##_tx_kick();                                                                                \
    }                                                                                                  \
  }                                                                                                    \
  uint32_t inst##_gust_hal_uart_block__read(uint32_t max, uint32_t out) {                              \
    inst##_check_block(out, max);                                                                      \
    uint32_t n = 0;                                                                                    \
    while (n < max && inst##_rx_tail != inst##_rx_head) {                                              \
      inst##_gust_memory[out + n++] = inst##_rx_ring[inst##_rx_tail % (rx_size)];                      \
      ++inst##_rx_tail;                                                                                \
    }                                                                                                  \
    return n;                                                                                          \
  }                                                                                                    \
  void gust_isr_##irqn(void) {                                                                         \
    uint32_t sr = USART_SR(base);                                                                      \
    if (sr & (SR_RXNE | SR_ERRORS)) {                                                                  \
      uint8_t byte = (uint8_t)USART_DR(base);                                                          \
      if (!(sr & SR_ERRORS) && inst##_rx_head - inst##_rx_tail != (rx_size)) {                         \
        inst##_rx_ring[inst##_rx_head % (rx_size)] = byte;                                             \
        ++inst##_rx_head;                                                                              \
      }                                                                                                \
    }                                                                                                  \
    if ((sr & SR_TXE) && (USART_CR1(base) & CR1_TXEIE)) inst##_tx_kick();                              \
  }

#endif
