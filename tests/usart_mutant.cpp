// The swapped-priority mutant of usart_rx_decide, built natively, for the
// test that checks the prover's counterexample against an exhaustive run.
#define GUST_MUTANT_SWAP_PRIORITY
#include "usart.h"

int32_t mutant_usart_rx_decide(uint32_t sr) { return usart_rx_decide(sr); }
