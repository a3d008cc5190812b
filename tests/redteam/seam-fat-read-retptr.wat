;; A fat driver importing uart-block.read with the canonical ABI's
;; return-pointer convention (max, retptr) and no result: the bridge writes
;; the bytes at the second argument and returns their count in r0, which the
;; driver ignores; gust's lowering returns the length.
;; world: driver-fat
;; violations: 1
;; expect: import 1 "gust:hal/uart-block" "read": wrong type; expected (func (param i32 i32) (result i32)), found (func (param i32 i32))
(module
  (import "gust:hal/uart-block" "write" (func $write (param i32 i32)))
  (import "gust:hal/uart-block" "read" (func $read (param i32 i32)))
  (memory 1)
  (func (export "uart_init") (param i32 i32))
  (func (export "uart_tx_byte") (param i32)
    (i32.store8 (i32.const 0) (local.get 0))
    (call $write (i32.const 0) (i32.const 1)))
  (func (export "uart_rx") (result i32) (call $read (i32.const 1) (i32.const 8)) (i32.load8_u (i32.const 8)))
  (func (export "uart_rx_fired") (result i32) (i32.const 1)))
