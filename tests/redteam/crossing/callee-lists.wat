;; A hostile callee of world driver-thin-lists (gust:drivers/uart-lists):
;; uart_read claims as many result bytes as its USART's data register reads
;; (the test's device model sets it: 64, 65, 2^32 - 1, ...), whatever `max`
;; was; it writes none. uart_write and uart_read record what the adapter
;; handed them at offsets 0..15 of their own memory, for the test to read.
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "uart_init") (param i32 i32))
  (func (export "uart_tx_byte") (param i32))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32) (i32.const 0))
  (func (export "uart_write") (param i32 i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.store (i32.const 4) (local.get 1)))
  (func (export "uart_read") (param i32 i32) (result i32)
    (i32.store (i32.const 8) (local.get 0))
    (i32.store (i32.const 12) (local.get 1))
    (call $read32 (i32.const 4)))
  (data (i32.const 0) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff"))
