// How a gust driver's source marks its seam imports and its exports: wasm
// import and export attributes when built for wasm32, nothing in a native
// build (tests, benchmarks), which links against the same symbol names.
// Included by every header `gust bind` generates.
#pragma once

#if defined(__wasm__)
#define GUST_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define GUST_EXPORT(name) __attribute__((export_name(name)))
#else
#define GUST_IMPORT(module, name)
#define GUST_EXPORT(name)
#endif
