;; World forged-handler (forged/apps.wit): the app calls the timer's SysTick
;; handler, an export of the driver that no WIT function of the project grants.
(module
  (import "tick" "timer-init" (func $init (param i32)))
  (import "tick" "irq-handler-0" (func $handler))
  (func (export "run")
    (call $init (i32.const 8000000))
    (call $handler)))
