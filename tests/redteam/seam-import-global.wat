;; A mutable global imported under the name of a seam function: read32's
;; symbol is the bridge's code, so global.set would write over it (or over
;; whatever the symbol resolves to). Only functions cross the seam.
;; world: driver-thin
;; violations: 1
;; expect: import 1 "gust:hal/mmio" "read32": a global import: only functions cross the seam; expected (func (param i32) (result i32)), found (global (mut i32))
(module
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/mmio" "read32" (global $g (mut i32)))
  (func (export "uart_init") (param i32 i32) (global.set $g (local.get 0)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (global.get $g))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
