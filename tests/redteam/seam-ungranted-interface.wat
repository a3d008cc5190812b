;; A thin driver importing the fat seam's uart-block: the node grants a thin
;; instance its register window and lines only, so an import of another
;; interface would reach bridge code (and a ring) the node never gave it.
;; world: driver-thin
;; violations: 1
;; expect: import 1 "gust:hal/uart-block" "write": interface uart-block is not granted to world driver-thin (it grants gust:hal/mmio, gust:hal/irq); found (func (param i32 i32))
(module
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/uart-block" "write" (func $write (param i32 i32)))
  (memory 1)
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32)
    (i32.store8 (i32.const 0) (local.get 0))
    (call $write (i32.const 0) (i32.const 1)))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
