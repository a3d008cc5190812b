;; Recursion through call_indirect of a slot the function itself fills at run time
;; with table.set (the function's address is only in a descriptor).
;; outsider: refused recursion through console_gust_f3: console_gust_f3 -> console_gust_f3
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/irq" "poll" (func $poll (param i32) (result i32)))
  (type $v (func (result i32)))
  (table 1 funcref)
  (elem declare func $r)
  (func $r (result i32)
    (table.set 0 (i32.const 0) (ref.func $r))
    (i32.add (i32.const 1) (call_indirect (type $v) (i32.const 0))))
  (func (export "uart_init") (param i32 i32)
    (call $write32 (i32.const 8) (i32.const 69))
    (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32)
    (loop $w (br_if $w (i32.eqz (i32.and (call $read32 (i32.const 0)) (i32.const 0x80)))))
    (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32)
    (call $r)))
