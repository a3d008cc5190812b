;; A hostile app (world echo-lists): one uart-write inside its region, then
;; one of a range past its end, where the console's region or the bridge's
;; data may lie in SRAM. The wiring's adapter must trap (4, out of bounds
;; memory access) before a byte of the second moves.
(module
  (import "console" "uart-init" (func $init (param i32 i32)))
  (import "console" "uart-write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "run")
    (call $init (i32.const 8000000) (i32.const 115200))
    (call $write (i32.const 0) (i32.const 18))
    (call $write (i32.const 0x40) (i32.const 8)))
  (data (i32.const 0) "hostile: in range\n"))
