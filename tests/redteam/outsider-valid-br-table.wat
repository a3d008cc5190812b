;; A valid driver: a br_table over four cases, which LLVM lowers to TBB with the
;; index copied to another register (one the calls of case 0 keep), the
;; original bounds-checked, and a case value made between the check and the
;; TBB. It builds: the audit's data flow carries the bound to the copy. The
;; index is the data register's value, so that a test picks the case.
;; outsider: builds
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/irq" "poll" (func $poll (param i32) (result i32)))
  (func $r (param i32) (result i32)
    (block $d (block $3 (block $2 (block $1 (block $0
      (br_table $0 $1 $2 $3 $d (local.get 0)))
      (return (i32.sub (call $read32 (i32.const 4))
                       (i32.rotl (call $read32 (i32.const 8)) (i32.const 5)))))
      (return (i32.const 22)))
      (return (i32.const 33)))
      (return (i32.const 44)))
    (i32.mul (call $read32 (i32.const 12)) (local.get 0)))
  (func (export "uart_init") (param i32 i32)
    (call $write32 (i32.const 8) (i32.const 69))
    (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32)
    (loop $w (br_if $w (i32.eqz (i32.and (call $read32 (i32.const 0)) (i32.const 0x80)))))
    (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32)
    (call $r (call $read32 (i32.const 4)))))
