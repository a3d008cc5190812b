;; Instantiation before any harness: a harness module's start function and
;; global initialisers run first; its data segments are in memory. The
;; driver is the shipped thin UART driver.
(module
  (import "gust:prove" "assert" (func $assert (param i32 i32)))
  (import "gust:prove" "any-u32" (func $any (result i32)))
  (import "driver" "usart_rx_decide" (func $decide (param i32) (result i32)))
  (memory 1)
  (data (i32.const 16) "\01\02\03\04")
  (global $ready (mut i32) (i32.const 7))
  (global $copy i32 (i32.const 5))
  (func $init (global.set $ready (i32.add (global.get $ready) (i32.const 35))))
  (start $init)
  ;; The old prover never ran the start function: 7, and FAILED.
  (func (export "gust_proof_start_ran")
    (drop (call $decide (i32.const 0)))
    (call $assert (i32.eq (global.get $ready) (i32.const 42)) (i32.const 1)))
  (func (export "gust_proof_data_and_globals") (local $i i32)
    (drop (call $decide (i32.const 0)))
    (local.set $i (i32.and (call $any) (i32.const 3)))
    (call $assert (i32.eq (i32.load8_u offset=16 (local.get $i)) (i32.add (local.get $i) (i32.const 1)))
                  (i32.const 2))
    (call $assert (i32.eq (global.get $copy) (i32.const 5)) (i32.const 3))))
