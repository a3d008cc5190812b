;; A thin driver granted systick sets CSR.TICKINT (and ENABLE): SysTick fires
;; into the vector table's gust_default_isr (BKPT), which on QEMU locks the core
;; up ("Lockup: can't escalate 3 to HardFault"), outside the trap policy.
;; outsider: systick
(module
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (func (export "uart_init") (param i32 i32)
    (call $write32 (i32.const 4) (i32.const 1000))
    (call $write32 (i32.const 0) (i32.const 7)))
  (func (export "uart_tx_byte") (param i32))
  (func (export "uart_rx") (result i32) (i32.const -1))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
