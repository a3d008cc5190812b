;; read32 declared with two results: the second comes from a register the
;; bridge never sets (r1 after the call), so the driver reads bridge state.
;; world: driver-thin
;; violations: 1
;; expect: import 0 "gust:hal/mmio" "read32": wrong type: a multi-value result cannot cross the seam; expected (func (param i32) (result i32)), found (func (param i32) (result i32 i32))
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32 i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (call $read32 (i32.const 4)) (i32.add))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
