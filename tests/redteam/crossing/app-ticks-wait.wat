;; An app of world ticks: starts the console and the timer (timer-shaped.wat
;; enables SysTick with TICKINT), says so, and waits. The first SysTick
;; enters the driver's handler, which traps.
(module
  (import "console" "uart-init" (func $init (param i32 i32)))
  (import "console" "uart-tx-byte" (func $tx (param i32)))
  (import "tick" "timer-init" (func $tinit (param i32)))
  (memory (export "memory") 1)
  (func (export "run")
    (call $init (i32.const 8000000) (i32.const 115200))
    (call $tx (i32.const 0x67)) (call $tx (i32.const 0x6F)) (call $tx (i32.const 0x0A))  ;; "go\n"
    (call $tinit (i32.const 8000000))
    (loop $wait (br $wait))))
