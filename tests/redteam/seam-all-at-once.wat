;; Four faults in one module: every one is reported, in module order, not
;; only the first.
;; world: driver-thin
;; violations: 4
;; expect: import 0 "gust:hal/mmio" "read32": wrong type: a reference type cannot cross the seam; expected (func (param i32) (result i32)), found (func (param externref) (result i32))
;; expect: import 1 "gust:hal/uart-byte" "tx": interface uart-byte is not granted to world driver-thin (it grants gust:hal/mmio, gust:hal/irq); found (func (param i32))
;; expect: import 2 "gust:hal/irq" "poll": a memory import: only functions cross the seam; expected (func (param i32) (result i32)), found (memory 1 1)
;; expect: export "uart_tx_byte": missing: world driver-thin declares it, and the native side calls it; expected (func (param i32))
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param externref) (result i32)))
  (import "gust:hal/uart-byte" "tx" (func $tx (param i32)))
  (import "gust:hal/irq" "poll" (memory 1 1))
  (func (export "uart_init") (param i32 i32) (call $tx (local.get 0)))
  (func (export "uart_rx") (result i32) (call $read32 (ref.null extern)))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
