;; Non-tail recursion whose depth the driver reads at run time (here from the
;; data register), with a node that bounds the function in [stack_bounds].
;; Nothing on the device would hold the driver to that bound, so gust build
;; refuses a bound on a driver's own function, naming the entry.
;; outsider: bound console_gust_f3 = 64
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/irq" "poll" (func $poll (param i32) (result i32)))
  (func $r (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (local.get 0) (i32.rotl (call $r (i32.sub (local.get 0) (i32.const 1))) (i32.const 3))))
      (else (i32.const 0))))
  (func (export "uart_init") (param i32 i32)
    (call $write32 (i32.const 8) (i32.const 69))
    (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32)
    (if (i32.eq (local.get 0) (i32.const 33))
      (then (local.set 0 (i32.and (call $r (call $read32 (i32.const 4))) (i32.const 0x3f)))))
    (loop $w (br_if $w (i32.eqz (i32.and (call $read32 (i32.const 0)) (i32.const 0x80)))))
    (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
