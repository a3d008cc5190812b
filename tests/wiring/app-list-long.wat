;; An app (world echo-lists) that passes a list inside its region but longer
;; than the console's transfer buffer (64 bytes): trap 13, list too long.
(module
  (import "console" "uart-init" (func $init (param i32 i32)))
  (import "console" "uart-write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "run")
    (call $init (i32.const 8000000) (i32.const 115200))
    (call $write (i32.const 0) (i32.const 15))
    (call $write (i32.const 0) (i32.const 65)))
  (data (i32.const 0) "long: in range\n")
  (data (i32.const 72) "\00"))
