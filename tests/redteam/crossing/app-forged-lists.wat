;; World forged-lists (forged/apps.wit): uart-read(64, 16) asks the console
;; to write what it received at offset 16 of the console's own region (its
;; data, its shadow stack), and uart-write(16, 48) to send 48 bytes of the
;; console's region out of its USART.
(module
  (import "console" "uart-init" (func $init (param i32 i32)))
  (import "console" "uart-write" (func $write (param i32 i32)))
  (import "console" "uart-read" (func $read (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run")
    (call $init (i32.const 8000000) (i32.const 115200))
    (drop (call $read (i32.const 64) (i32.const 16)))
    (call $write (i32.const 16) (i32.const 48))))
