// usart_rx_decide checked over all 2^32 SR values against the rule written
// out independently: any of PE, FE, NE, ORE (bits 0-3) means an error, even
// with RXNE (bit 5) set; otherwise RXNE means data; otherwise nothing.
#include <cstdio>

#include "usart.h"

int main() {
  uint64_t mismatches = 0, errors_with_rxne = 0;
  uint32_t first_bad = 0;
  uint32_t sr = 0;
  do {
    const bool error = (sr & 0x1) || (sr & 0x2) || (sr & 0x4) || (sr & 0x8);
    const bool rxne = (sr >> 5) & 1;
    const usart_rx_action want = error ? USART_RX_ERROR : rxne ? USART_RX_DATA : USART_RX_NONE;
    if (usart_rx_decide(sr) != want) {
      if (!mismatches) first_bad = sr;
      ++mismatches;
    }
    errors_with_rxne += error && rxne;
  } while (++sr != 0);
  printf("usart_rx_decide: 4294967296 SR values, %llu with an error flag and RXNE, %llu mismatches\n",
         (unsigned long long)errors_with_rxne, (unsigned long long)mismatches);
  if (mismatches) {
    printf("first mismatch at SR=0x%08x\n", first_bad);
    return 1;
  }
  // A sanity check that the loop saw every value: 15/16 have an error flag, half of those RXNE.
  return errors_with_rxne == 2013265920ull ? 0 : 1;
}
