;; Round to nearest, ties to even, through the image's soft-float helpers
;; (firmware/softfloat). The first case is issue 10's: libgcc's __aeabi_dadd
;; gives -0x1.fffffffe3e80fp+62 (exponents 33 apart, opposite signs, a one-bit
;; left normalisation).
(module
  (func (export "f64.add") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
  (func (export "f64.sub") (param f64 f64) (result f64) (f64.sub (local.get 0) (local.get 1)))
  (func (export "f64.mul") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "f64.div") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
  (func (export "f64.sqrt") (param f64) (result f64) (f64.sqrt (local.get 0)))
  (func (export "f32.add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "f32.demote") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  (func (export "f64.from_i64") (param i64) (result f64) (f64.convert_i64_s (local.get 0)))
  (func (export "f32.from_u64") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
)
(assert_return (invoke "f64.add" (f64.const -0x1p63) (f64.const 1885324804)) (f64.const -0x1.fffffffe3e80ep+62))
(assert_return (invoke "f64.sub" (f64.const 1885324804) (f64.const 0x1p63)) (f64.const -0x1.fffffffe3e80ep+62))
;; ties: kept when even, rounded up when odd
(assert_return (invoke "f64.add" (f64.const 1) (f64.const 0x1p-53)) (f64.const 1))
(assert_return (invoke "f64.add" (f64.const 0x1.0000000000001p0) (f64.const 0x1p-53)) (f64.const 0x1.0000000000002p0))
(assert_return (invoke "f32.add" (f32.const 1) (f32.const 0x1p-24)) (f32.const 1))
(assert_return (invoke "f32.add" (f32.const 0x1.000002p0) (f32.const 0x1p-24)) (f32.const 0x1.000004p0))
(assert_return (invoke "f32.demote" (f64.const 0x1.000001p0)) (f32.const 1))
(assert_return (invoke "f32.demote" (f64.const 0x1.000003p0)) (f32.const 0x1.000004p0))
;; a subnormal result, rounded once
(assert_return (invoke "f64.mul" (f64.const 0x1.8p-1070) (f64.const 0x1p-4)) (f64.const 0x0.0000000000002p-1022))
(assert_return (invoke "f64.div" (f64.const 1) (f64.const 3)) (f64.const 0x1.5555555555555p-2))
(assert_return (invoke "f64.sqrt" (f64.const 2)) (f64.const 0x1.6a09e667f3bcdp+0))
(assert_return (invoke "f64.from_i64" (i64.const 0x7fffffffffffffff)) (f64.const 0x1p63))
(assert_return (invoke "f32.from_u64" (i64.const -1)) (f32.const 0x1p64))
;; NaNs: an invalid operation gives the canonical NaN, a NaN operand an arithmetic one
(assert_return (invoke "f64.sub" (f64.const inf) (f64.const inf)) (f64.const nan:canonical))
(assert_return (invoke "f64.add" (f64.const nan:0x4) (f64.const 1)) (f64.const nan:arithmetic))
(assert_return (invoke "f64.sqrt" (f64.const -1)) (f64.const nan:canonical))
