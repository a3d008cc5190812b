;; A module with a start function proven as its own driver: gust build
;; refuses such a module (the firmware runs no start function), so the
;; prover says ERROR rather than prove what the image never does.
(module
  (import "gust:prove" "assert" (func $assert (param i32 i32)))
  (global $ready (mut i32) (i32.const 0))
  (func $init (global.set $ready (i32.const 1)))
  (start $init)
  (func (export "gust_proof_ready") (call $assert (global.get $ready) (i32.const 1))))
