;; A thin driver shaped as a UART (world driver-thin, mmio only) that writes
;; `value` at any offset of its window: uart_init(offset, value). The test
;; grants it gpioc, spi1, usart1 or systick and aims at another peripheral's
;; registers (gpioa's CRH under USART1's PA9/PA10, RCC, SPI2, SCB ICSR,
;; NVIC ISPR, STIR): each must trap 10 in the bridge's window check.
;; uart_tx_byte(1) reaches unreachable, so that the dissolved code calls
;; gust_trap and the bridge keeps it out of line (the emulator stops there).
(module
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (func (export "uart_init") (param i32 i32) (call $write32 (local.get 0) (local.get 1)))
  (func (export "uart_tx_byte") (param i32) (if (local.get 0) (then unreachable)))
  (func (export "uart_rx") (result i32) (call $read32 (i32.const 0)))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
