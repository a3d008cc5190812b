// gust:hal guest bindings, hand-written mirror of wit/gust-hal.wit.
// tests/wit_header_test.cpp checks that both declare the same functions.
//
// Built for wasm32, each function is an import of module "gust:hal/<iface>".
// Built natively (benchmarks, host tests), each is an extern "C" function whose
// name is the symbol gust gives the import when it dissolves the module:
// module and name with every character outside [A-Za-z0-9_] replaced by '_',
// joined by "__" (gust:hal/mmio read32 -> gust_hal_mmio__read32).
#pragma once
#include <stdint.h>

#if defined(__wasm__)
#define GUST_HAL_IMPORT(iface, fn) \
  __attribute__((import_module("gust:hal/" iface), import_name(fn)))
#define GUST_EXPORT(name) __attribute__((export_name(name)))
#else
#define GUST_HAL_IMPORT(iface, fn)
#define GUST_EXPORT(name)
#endif

#ifdef __cplusplus
extern "C" {
#endif

// interface mmio
GUST_HAL_IMPORT("mmio", "read32") uint32_t gust_hal_mmio__read32(uint32_t offset);
GUST_HAL_IMPORT("mmio", "write32") void gust_hal_mmio__write32(uint32_t offset, uint32_t value);
GUST_HAL_IMPORT("mmio", "read8") uint8_t gust_hal_mmio__read8(uint32_t offset);
GUST_HAL_IMPORT("mmio", "write8") void gust_hal_mmio__write8(uint32_t offset, uint8_t value);

// interface irq
GUST_HAL_IMPORT("irq", "poll") bool gust_hal_irq__poll(uint32_t line);
GUST_HAL_IMPORT("irq", "enable") void gust_hal_irq__enable(uint32_t line);

#ifdef __cplusplus
}
#endif
