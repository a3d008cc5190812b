;; Red team: one table imported as funcref and as externref. Both are one
;; table: the module could store an externref (any 32-bit value from the
;; host) and call it through the funcref view as a forged descriptor.
;; Refused (linkable mode, the only one with imported tables).
(module
  (import "m" "t" (table $f 1 funcref))
  (import "m" "t" (table $e 1 externref))
  (type $t (func))
  (func (export "forge") (param externref)
    (table.set $e (i32.const 0) (local.get 0))
    (call_indirect $f (type $t) (i32.const 0))))
