;; An import from module x_gust_hal_mmio: mangled by the dissolver, it would
;; name another instance's bridge (instance "console" + "_x_..." is
;; "console_x_gust_hal_mmio__read32", instance "console_x"'s read32). Whatever
;; the mangling, a seam import comes from gust:hal/<interface> or not at all.
;; world: driver-thin
;; violations: 1
;; expect: import 0 "x_gust_hal_mmio" "read32": module "x_gust_hal_mmio" is not an interface of gust:hal (world driver-thin grants gust:hal/mmio, gust:hal/irq); found (func (param i32) (result i32))
(module
  (import "x_gust_hal_mmio" "read32" (func $read32 (param i32) (result i32)))
  (import "gust:hal/mmio" "write32" (func $write32 (param i32 i32)))
  (func (export "uart_init") (param i32 i32) (call $write32 (i32.const 12) (i32.const 0x200c)))
  (func (export "uart_tx_byte") (param i32) (call $write32 (i32.const 4) (local.get 0)))
  (func (export "uart_rx") (result i32) (call $read32 (i32.const 4)))
  (func (export "uart_rx_fired") (result i32) (i32.const 0)))
