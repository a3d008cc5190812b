;; A memory imported from gust:hal: the bridge shares no memory with a
;; driver; the dissolver would link it to whatever symbol the name mangles to.
;; world: driver-thin
;; violations: 1
;; expect: import 1 "gust:hal/mmio" "window": a memory import: only functions cross the seam; and interface mmio has no function "window" (it has read32, write32, read8, write8); found (memory 1)
(module
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/mmio" "window" (memory 1))
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32) (i32.store (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (i32.load (i32.const 4)))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
