;; A driver of world driver-timer whose SysTick handler (irq_handler_0) traps
;; (unreachable), and which enables SysTick with TICKINT in timer_init: the
;; exception enters the driver's handler, whose trap must be the node's
;; policy's, not a lockup. timer_now_ms returns its count.
(module
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "timer_init") (param i32)
    (call $write32 (i32.const 4) (i32.const 7999))
    (call $write32 (i32.const 0) (i32.const 7)))
  (func (export "timer_now_ms") (result i32) (i32.load (i32.const 0)))
  (func (export "timer_expired") (param i32) (result i32) (i32.const 0))
  (func (export "timer_delay_ms") (param i32))
  (func (export "irq_handler_0") unreachable))
