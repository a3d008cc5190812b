;; An app that reaches for a register window itself.
(module
  (import "gust:hal/mmio" "write32" (func $w (param i32 i32)))
  (func (export "run")
    (call $w (i32.const 4) (i32.const 65))))
