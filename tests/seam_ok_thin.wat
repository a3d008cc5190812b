;; A thin-seam driver that keeps the contract of world driver-thin exactly:
;; the baseline of tests/seam_test.sh, which every tests/redteam/seam-*.wat
;; file breaks in one way. It accepts (gust dissolve --world driver-thin) and
;; is refused by the other worlds, which do not grant mmio or irq.
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/irq" "poll" (func $poll (param i32) (result i32)))
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (call $read32 (i32.const 4)))
  (func (export "uart_rx_fired") (result i32) (call $poll (i32.const 0))))
