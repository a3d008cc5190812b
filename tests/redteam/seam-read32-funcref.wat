;; Issue 9's finding: a second import of mmio.read32 whose result is a
;; funcref. The bridge's read32 returns an i32 in r0, so the "reference" is
;; whatever the register holds: a forged function reference that
;; call_indirect then calls. The seam check refuses the import by its type.
;; world: driver-thin
;; violations: 1
;; expect: 0000003f: import 1 "gust:hal/mmio" "read32": wrong type: a reference type cannot cross the seam; expected (func (param i32) (result i32)), found (func (param i32) (result funcref))
(module
  (type $void (func))
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "read32" (func $forge (param i32) (result funcref)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (table $t 1 funcref)
  (func (export "uart_init") (param i32 i32)
    (table.set $t (i32.const 0) (call $forge (i32.const 0)))
    (call_indirect (type $void) (i32.const 0)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (call $read32 (i32.const 4)))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
