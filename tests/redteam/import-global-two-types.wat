;; Found by fuzzing: one global imported twice with different types. Both
;; imports are one symbol, so the lowering read an i64 from a 4-byte global
;; and aborted with "lowering produced invalid IR". A module whose imports
;; cannot all link is refused, naming both imports and their offsets.
(module
  (import "env" "g" (global $a i32))
  (import "env" "g" (global $b i64))
  (func (export "sum") (result i64)
    (i64.add (i64.extend_i32_u (global.get $a)) (global.get $b))))
