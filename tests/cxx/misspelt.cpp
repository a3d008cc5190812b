// tests/cxx_test.sh: an export misspelt (uart_tx_bite) and an import of a
// function the seam does not have, both refused before linking, by name.
#include <gust/driver-thin.h>

GUST_IMPORT("gust:hal/mmio", "write16") void write16(uint32_t offset, uint32_t value);

extern "C" {
void uart_init(uint32_t, uint32_t baud) { write16(0x08, baud); }
GUST_EXPORT("uart_tx_bite") void uart_tx_bite(uint8_t b) { gust::hal::mmio::write32(0x04, b); }
int32_t uart_rx() { return -1; }
bool uart_rx_fired() { return false; }
}
