;; A minimal app of world gust:apps/relay: it imports `link` too.
(module
  (import "console" "uart-tx-byte" (func $tx (param i32)))
  (import "link" "uart-rx" (func $rx (result i32)))
  (func (export "run")
    (call $tx (call $rx))))
