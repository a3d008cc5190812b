;; uart_rx_fired not exported, and uart_rx a global of that name: the app
;; would link its calls to a missing or a data symbol.
;; world: driver-thin
;; violations: 2
;; expect: export "uart_rx": a global, not a function; expected (func (result i32)), found (global i32)
;; expect: export "uart_rx_fired": missing: world driver-thin declares it, and the native side calls it; expected (func (result i32))
(module
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (global (export "uart_rx") i32 (i32.const 0))
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0))))
