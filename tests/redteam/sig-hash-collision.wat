;; Red team: call_indirect through a signature whose old 32-bit id collided.
;; gust used to give each signature a 32-bit FNV-1a hash of its parameter
;; bytes, 0xFF, its result bytes, and compared hashes at call_indirect. The
;; two types below hash alike (0x35b0e5f6), so "forged" called the victim
;; with eight arguments it reads as seven of other types, and took an i32
;; result that was never returned. The check now compares signature objects,
;; so "forged" traps with GUST_TRAP_SIG_MISMATCH and "honest" still works.
(module
  (type $victim_t (func (param f32 i32 f32 f64 i64 f64 i64) (result i32)))
  (type $forged_t (func (param i64 f32 f64 i32 f32 f32 i64 f64)))
  (table 1 funcref)
  (elem (i32.const 0) $victim)
  (func $victim (type $victim_t) (local.get 1))
  ;; The slot is written at run time, so the optimiser cannot fold the check.
  (func (export "clear") (table.set 0 (i32.const 0) (ref.null func)))
  (func (export "install") (table.set 0 (i32.const 0) (ref.func $victim)))
  (func (export "forged") (param i32)
    (call_indirect (type $forged_t)
      (i64.const 1) (f32.const 2) (f64.const 3) (i32.const 4) (f32.const 5) (f32.const 6) (i64.const 7)
      (f64.const 8) (local.get 0)))
  (func (export "honest") (param i32) (result i32)
    (call_indirect (type $victim_t)
      (f32.const 1) (i32.const 42) (f32.const 3) (f64.const 4) (i64.const 5) (f64.const 6) (i64.const 7)
      (local.get 0))))
