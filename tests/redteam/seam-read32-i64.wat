;; read32 declared with an i64 offset: the bridge takes the offset from r0
;; alone, so the high word the driver computed in r1 is silently dropped and
;; the offset the bridge checks is not the one the driver meant.
;; world: driver-thin
;; violations: 1
;; expect: import 0 "gust:hal/mmio" "read32": wrong type; expected (func (param i32) (result i32)), found (func (param i64) (result i32))
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i64) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (call $read32 (i64.const 0x100000004)))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
