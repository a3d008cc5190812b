;; A thin-seam driver that exports an interrupt handler for its second line,
;; which USART2's grant (one line) does not have: refused at the build. The
;; rest is what world driver-thin asks of a driver.
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (func (export "uart_init") (param i32 i32))
  (func (export "uart_tx_byte") (param i32))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32) (i32.const 0))
  (func (export "irq_handler_1") (drop (call $read32 (i32.const 4)))))
