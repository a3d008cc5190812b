;; Seam imports the WIT does not lower to: mmio.read32 with an i64 result,
;; and an interface the world does not import. Each is an ERROR, never a
;; havocked value.
(module
  (import "gust:prove" "assert" (func $assert (param i32 i32)))
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i64)))
  (import "gust:hal/uart-byte" "rx-ready" (func $ready (result i32)))
  (func (export "gust_proof_wide_read")
    (call $assert (i64.ne (call $read32 (i32.const 0)) (i64.const -1)) (i32.const 1)))
  (func (export "gust_proof_ungranted_interface")
    (call $assert (i32.le_u (call $ready) (i32.const 1)) (i32.const 2))))
