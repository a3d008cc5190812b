;; An app of world echo-lists whose adapters the test calls directly on the
;; emulated core with hostile (ptr, len) and (max, out) pairs. Its 128 bytes
;; of data give it a region of at least 128 bytes, so a 65-byte list lies
;; inside it and meets the length check.
(module
  (import "console" "uart-init" (func $init (param i32 i32)))
  (import "console" "uart-write" (func $write (param i32 i32)))
  (import "console" "uart-read" (func $read (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run")
    (call $init (i32.const 8000000) (i32.const 115200))
    (call $write (i32.const 0) (i32.const 16))
    (drop (call $read (i32.const 64) (i32.const 64))))
  (data (i32.const 0) "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
  (data (i32.const 64) "ghijklmnopqrstuvghijklmnopqrstuvghijklmnopqrstuvghijklmnopqrstuv"))
