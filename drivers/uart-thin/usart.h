// STM32F1 USART register map (RM0041 section 23.6) and the receive decision.
// Shared by the driver, its proofs and the native tests.
#pragma once
#include <stdint.h>

namespace usart {

// Register offsets inside the USART window.
constexpr uint32_t SR = 0x00;
constexpr uint32_t DR = 0x04;
constexpr uint32_t BRR = 0x08;
constexpr uint32_t CR1 = 0x0C;

// SR bits.
constexpr uint32_t SR_PE = 1u << 0;
constexpr uint32_t SR_FE = 1u << 1;
constexpr uint32_t SR_NE = 1u << 2;
constexpr uint32_t SR_ORE = 1u << 3;
constexpr uint32_t SR_RXNE = 1u << 5;
constexpr uint32_t SR_TXE = 1u << 7;
constexpr uint32_t SR_ERRORS = SR_PE | SR_FE | SR_NE | SR_ORE;

// CR1 bits.
constexpr uint32_t CR1_RE = 1u << 2;
constexpr uint32_t CR1_TE = 1u << 3;
constexpr uint32_t CR1_RXNEIE = 1u << 5;
constexpr uint32_t CR1_UE = 1u << 13;

}  // namespace usart

// What one look at SR tells the receiver to do.
enum usart_rx_action : int32_t {
  USART_RX_NONE = 0,   // nothing received
  USART_RX_DATA = 1,   // DR holds a good byte
  USART_RX_ERROR = 2,  // the stream is corrupted: drain DR, hand nothing out
};

// uart_rx results besides a byte 0..255.
constexpr int32_t UART_RX_EMPTY = -1;
constexpr int32_t UART_RX_FAULT = -2;

// An error flag takes priority over RXNE: a byte that arrived with ORE, NE,
// FE or PE set is never handed out.
//
// GUST_MUTANT_SWAP_PRIORITY builds a deliberately wrong mutant (RXNE before
// the error flags) that the proofs must catch; no shipped build defines it.
static inline usart_rx_action usart_rx_decide(uint32_t sr) {
#ifdef GUST_MUTANT_SWAP_PRIORITY
  if (sr & usart::SR_RXNE) return USART_RX_DATA;
#endif
  if (sr & usart::SR_ERRORS) return USART_RX_ERROR;
  if (sr & usart::SR_RXNE) return USART_RX_DATA;
  return USART_RX_NONE;
}
