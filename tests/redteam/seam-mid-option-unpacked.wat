;; A mid driver importing uart-byte.rx with the canonical ABI's flattening of
;; option<u8> (discriminant, payload): two results where the bridge returns
;; one packed i32 (the byte, or -1).
;; world: driver-mid
;; violations: 1
;; expect: import 1 "gust:hal/uart-byte" "rx": wrong type: a multi-value result cannot cross the seam; expected (func (result i32)), found (func (result i32 i32))
(module
  (import "gust:hal/uart-byte" "tx" (func $tx (param i32)))
  (import "gust:hal/uart-byte" "rx" (func $rx (result i32 i32)))
  (import "gust:hal/uart-byte" "rx-ready" (func $ready (result i32)))
  (func (export "uart_init") (param i32 i32))
  (func (export "uart_tx_byte") (param i32) (call $tx (local.get 0)))
  (func (export "uart_rx") (result i32) (call $rx) (drop))
  (func (export "uart_rx_fired") (result i32) (call $ready)))
