// The image's memory, not wasm's declared one: memory.grow(0) never fails,
// memory.size counts the region's whole pages (0 for a region under
// 64 KiB), and an access past the region traps even inside the declared
// pages. One module: its harnesses and the functions they prove, whose
// memory is the driver's region.
#include <gust/prove.h>

extern "C" {

__attribute__((noinline)) int32_t grow_by(uint32_t pages) { return __builtin_wasm_memory_grow(0, pages); }
__attribute__((noinline)) uint32_t pages() { return __builtin_wasm_memory_size(0); }
// A byte at a computed address, 0x100 and up: inside the declared pages,
// past a small region.
__attribute__((noinline)) uint32_t peek(uint32_t i) { return *(volatile uint8_t*)(uintptr_t)(0x100 + (i & 0xFF)); }

}  // extern "C"

// False on the image (growing by 0 pages always succeeds); the old prover
// answered every memory.grow with -1 and called this SUCCESSFUL.
GUST_PROOF(grow_zero_fails) { gust_assert(grow_by(0) == -1, 1); }
// True on the image whatever its region.
GUST_PROOF(grow_zero_returns_the_size) { gust_assert(grow_by(0) == int32_t(pages()), 2); }
// The region is placed at its full size: no growth by a page or more.
GUST_PROOF(grow_one_fails) { gust_assert(grow_by(1 + (gust_any_u32() & 7)) == -1, 3); }
// What memory.size says depends on the region: the declared minimum only
// when no node gives one (and the verdict says so).
GUST_PROOF(size_is_the_declared_minimum) { gust_assert(pages() == 2, 4); }
// Traps when the region ends before byte 0x1FF.
GUST_PROOF(peek_in_bounds) { gust_assert(peek(gust_any_u32()) <= 0xFF, 5); }
