;; A data segment that reaches past the region the node sizes (memory = 16):
;; it would overwrite what the linker places after the region (another
;; instance's memory, the bridge's latches).
;; outsider: refused data segment [8, 40) lies outside the 16-byte memory region
;; driver-key: memory = 16
(module
  (import "gust:hal/mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (import "gust:hal/irq" "poll" (func $poll (param i32) (result i32)))
  (memory 1)
  (data (i32.const 8) "0123456789abcdef0123456789abcdef")
  (func (export "uart_init") (param i32 i32))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (i32.load (i32.const 8)))
  (func (export "uart_rx_fired") (result i32) (call $poll (i32.const 0))))
