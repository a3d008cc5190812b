;; A driver of world driver-spi (thin seam, gust:drivers/spi): the registers
;; only, enough to be an instance of the wrong interface for a uart import.
(module
  (import "gust:hal/mmio" "write32" (func $w (param i32 i32)))
  (import "gust:hal/mmio" "read32" (func $r (param i32) (result i32)))
  (func (export "spi_init") (param i32 i32) (call $w (i32.const 0) (local.get 0)))
  (func (export "spi_select") (param i32))
  (func (export "spi_transfer_byte") (param i32) (result i32)
    (call $w (i32.const 12) (local.get 0))
    (call $r (i32.const 12)))
  (func (export "spi_transfer") (param i32 i32 i32 i32) (result i32) (local.get 1))
  (memory 1))
