;; Imports console.blob-write (data: list<u32>) as a list<u8> would lower, (ptr, len).
(module
  (import "console" "blob-write" (func $w (param i32 i32)))
  (memory 1)
  (func (export "run")
    (call $w (i32.const 0) (i32.const 4))))
