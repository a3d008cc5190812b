;; A table imported from gust:hal: call_indirect through it would jump to
;; whatever words the symbol names, bridge code included.
;; world: driver-thin
;; violations: 1
;; expect: import 1 "gust:hal/irq" "lines": a table import: only functions cross the seam; and interface irq has no function "lines" (it has poll, enable); found (table 4 funcref)
(module
  (type $void (func))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/irq" "lines" (table 4 funcref))
  (func (export "uart_init") (param i32 i32) (call_indirect (type $void) (i32.const 0)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
