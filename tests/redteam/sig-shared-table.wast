;; Red team: call_indirect through a table that instances share. Each
;; instance's image defines the signature objects it uses; the spec runner
;; links every later image's to the first image's, as a firmware image's
;; COMDAT groups do, so one address compare is exact across instances: equal
;; signatures pass whoever filled the slot, and the two signatures whose old
;; 32-bit ids collided (see sig-hash-collision.wat) trap.
(module $owner
  (type $victim_t (func (param f32 i32 f32 f64 i64 f64 i64) (result i32)))
  (table (export "table") 2 funcref)
  (func $victim (type $victim_t) (local.get 1))
  (elem (i32.const 0) $victim)
  (func (export "call") (param i32) (result i32)
    (call_indirect (type $victim_t)
      (f32.const 1) (i32.const 42) (f32.const 3) (f64.const 4) (i64.const 5) (f64.const 6) (i64.const 7)
      (local.get 0))))
(register "owner" $owner)

(module $caller
  (type $victim_t (func (param f32 i32 f32 f64 i64 f64 i64) (result i32)))
  (type $forged_t (func (param i64 f32 f64 i32 f32 f32 i64 f64)))
  (import "owner" "table" (table 2 funcref))
  (func $own (type $victim_t) (i32.add (local.get 1) (i32.const 1)))
  (elem (i32.const 1) $own)
  (func (export "honest") (param i32) (result i32)
    (call_indirect (type $victim_t)
      (f32.const 1) (i32.const 42) (f32.const 3) (f64.const 4) (i64.const 5) (f64.const 6) (i64.const 7)
      (local.get 0)))
  (func (export "forged") (param i32)
    (call_indirect (type $forged_t)
      (i64.const 1) (f32.const 2) (f64.const 3) (i32.const 4) (f32.const 5) (f32.const 6) (i64.const 7)
      (f64.const 8) (local.get 0))))

;; The owner's function through the caller's signature object, and back.
(assert_return (invoke $caller "honest" (i32.const 0)) (i32.const 42))
(assert_return (invoke $caller "honest" (i32.const 1)) (i32.const 43))
(assert_return (invoke $owner "call" (i32.const 1)) (i32.const 43))
(assert_trap (invoke $caller "forged" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke $caller "forged" (i32.const 1)) "indirect call type mismatch")

;; A third instance, the same table.
(module $third
  (type $victim_t (func (param f32 i32 f32 f64 i64 f64 i64) (result i32)))
  (type $forged_t (func (param i64 f32 f64 i32 f32 f32 i64 f64)))
  (import "owner" "table" (table 2 funcref))
  (func (export "call") (param i32) (result i32)
    (call_indirect (type $victim_t)
      (f32.const 1) (i32.const 7) (f32.const 3) (f64.const 4) (i64.const 5) (f64.const 6) (i64.const 7)
      (local.get 0)))
  (func (export "forged") (param i32)
    (call_indirect (type $forged_t)
      (i64.const 1) (f32.const 2) (f64.const 3) (i32.const 4) (f32.const 5) (f32.const 6) (i64.const 7)
      (f64.const 8) (local.get 0))))
(assert_return (invoke $third "call" (i32.const 0)) (i32.const 7))
(assert_return (invoke $third "call" (i32.const 1)) (i32.const 8))
(assert_trap (invoke $third "forged" (i32.const 1)) "indirect call type mismatch")
