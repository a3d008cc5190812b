;; The smaller audit findings, one harness each, in one module that is its
;; own driver (its mmio import is the seam).
(module
  (import "gust:prove" "assert" (func $assert (param i32 i32)))
  (import "gust:prove" "assume" (func $assume (param i32)))
  (import "gust:prove" "any-u32" (func $any (result i32)))
  (import "gust:prove" "trace-value" (func $trace_value (param i32) (result i32)))
  (import "gust:prove" "assume-read32" (func $assume_read32 (param i32 i32 i32 i32)))
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))

  ;; Two 32-bit factors of a 64-bit semiprime: hard for the solver, so a
  ;; short --solver-timeout leaves it "unknown", which is no proof.
  (func (export "gust_proof_factor") (local $a i64) (local $b i64)
    (local.set $a (i64.extend_i32_u (call $any)))
    (local.set $b (i64.extend_i32_u (call $any)))
    (call $assume (i64.gt_u (local.get $a) (i64.const 1)))
    (call $assume (i64.gt_u (local.get $b) (i64.const 1)))
    (call $assert (i64.ne (i64.mul (local.get $a) (local.get $b)) (i64.const 0xffffffea00000055)) (i32.const 1)))

  ;; A register read at an offset the harness pins by assumption, not by a
  ;; constant: assume-read32 applies to it all the same.
  (func $status (param $reg i32) (result i32) (call $read32 (i32.and (local.get $reg) (i32.const 0x3fc))))
  (func (export "gust_proof_pinned_offset") (local $r i32)
    (local.set $r (call $any))
    (call $assume (i32.eqz (local.get $r)))
    (call $assume_read32 (local.get $r) (i32.const 0) (i32.const 0x80) (i32.const 0x80))
    (call $assert (i32.ne (i32.and (call $status (local.get $r)) (i32.const 0x80)) (i32.const 0)) (i32.const 2)))

  ;; A br_table whose first arm is past the loop bound: its other arm is
  ;; still explored, and fails.
  (func (export "gust_proof_br_table_arms") (local $n i32)
    (block $fail
      (loop $again
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $n) (i32.const 9)))
        (br_table $again $fail (i32.and (call $any) (i32.const 1)))))
    (call $assert (i32.const 0) (i32.const 3)))

  ;; Recursion 70 deep: --unwind bounds it, not a fixed depth of 64.
  (func $depth (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $depth (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func (export "gust_proof_deep_recursion")
    (call $assert (i32.eq (call $depth (i32.const 70)) (i32.const 70)) (i32.const 4)))

  ;; No seam call was made: the trace has no entry 0 to read (the old
  ;; prover read 0 and said SUCCESSFUL).
  (func (export "gust_proof_trace_past_the_end")
    (call $assert (i32.eqz (call $trace_value (i32.const 0))) (i32.const 5))))
