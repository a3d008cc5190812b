;; An imported global: the old prover read it as 0 and said SUCCESSFUL.
(module
  (import "gust:prove" "assert" (func $assert (param i32 i32)))
  (import "env" "base" (global $base i32))
  (func (export "gust_proof_base_is_zero") (call $assert (i32.eqz (global.get $base)) (i32.const 1))))
