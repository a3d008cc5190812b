;; A driver that imports another instance's export (console's uart-tx-byte)
;; by the instance's name, as an app would: a driver's imports are its
;; seam's capabilities only.
(module
  (import "console" "uart-tx-byte" (func $tx (param i32)))
  (import "gust:drivers/uart" "uart-tx-byte" (func $tx2 (param i32)))
  (func (export "uart_init") (param i32 i32) (call $tx (i32.const 33)) (call $tx2 (i32.const 33)))
  (func (export "uart_tx_byte") (param i32))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
