;; Red team: an import that names another instance's bridge. Instance names
;; used to nest (console, console_x) and imports were mangled by replacing
;; ':' and '/' with '_', so instance console importing "x_gust_hal_mmio"
;; "read32" bound to console_x_gust_hal_mmio__read32, the bridge function
;; that reads instance console_x's registers. Now only a WIT-shaped import
;; ("ns:pkg/iface") gets a readable symbol; this one is escaped
;; (<prefix>gust_i_<hex>_<hex>) and stays in its own instance's namespace.
(module
  (import "x_gust_hal_mmio" "read32" (func $read32 (param i32) (result i32)))
  (func (export "peek") (result i32) (call $read32 (i32.const 0))))
