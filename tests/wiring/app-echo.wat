;; A minimal app of world gust:apps/echo: init the console, send one byte.
(module
  (import "console" "uart-init" (func $init (param i32 i32)))
  (import "console" "uart-tx-byte" (func $tx (param i32)))
  (func (export "run")
    (call $init (i32.const 8000000) (i32.const 115200))
    (call $tx (i32.const 65))))
