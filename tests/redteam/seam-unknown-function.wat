;; An import of a function mmio does not have: the dissolver would make it
;; the undefined symbol gust_hal_mmio__peek, which a trusted object might
;; define for its own use.
;; world: driver-thin
;; violations: 1
;; expect: import 0 "gust:hal/mmio" "peek": interface mmio has no function "peek" (it has read32, write32, read8, write8); found (func (param i32) (result i32))
(module
  (import "gust:hal/mmio" "peek" (func $peek (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (call $peek (i32.const 4)))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
