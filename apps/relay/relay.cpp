// The relay node's receive side as one wasm module, the driver instance on
// USART2: the interrupt-driven receiver of drivers/uart-irq (its RX handler,
// which the vector entry calls, and the proven ring) and the CCSDS framer
// (framer.cpp), both compiled into the one module so that the app reaches
// them as <instance>_uart_rx, <instance>_ccsds_push, ... Until the app
// itself is wasm (issue 11), the native app moves bytes from one to the other.
#include "../../drivers/uart-irq/uart.cpp"
#include "framer.cpp"
