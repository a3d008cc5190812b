;; console.uart-tx-byte imported with an i64 parameter: the WIT lowers u8 to i32.
(module
  (import "console" "uart-tx-byte" (func $tx (param i64)))
  (func (export "run")
    (call $tx (i64.const 65))))
