;; An app that imports gust:drivers/uart without naming the instance.
(module
  (import "gust:drivers/uart" "uart-tx-byte" (func $tx (param i32)))
  (func (export "run")
    (call $tx (i32.const 65))))
