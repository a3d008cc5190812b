;; uart_rx exported returning an i64, uart_init taking one parameter: the
;; native app calls them with the WIT's signatures, so it would read r1 as
;; garbage, or the driver would read a baud rate from a register never set.
;; world: driver-thin
;; violations: 2
;; expect: export "uart_init": wrong type; expected (func (param i32 i32)), found (func (param i32))
;; expect: export "uart_rx": wrong type; expected (func (result i32)), found (func (result i64))
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (func (export "uart_init") (param i32) (call $write32 (i32.const 12) (local.get 0)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i64) (i64.extend_i32_u (call $read32 (i32.const 4))))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
