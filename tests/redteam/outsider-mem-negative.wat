;; A store at address -4: just below the region if the address were signed.
;; outsider: trap 4
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/irq" "poll" (func $poll (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "abcdefgh")
  (func (export "uart_init") (param i32 i32)
    (call $write32 (i32.const 8) (i32.const 69))
    (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32)
    (loop $w (br_if $w (i32.eqz (i32.and (call $read32 (i32.const 0)) (i32.const 0x80)))))
    (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32)
    (i32.store (i32.const -4) (i32.const 7)) (i32.const 0)))
