// gust:prove, the harness side of `gust prove` (like Kani's kani:: API).
// A harness is an exported function named gust_proof_*; it drives the
// shipped driver through imports of module "driver", and states properties
// over nondeterministic inputs and the ordered trace of seam calls.
#pragma once
#include <stdint.h>

#define GUST_PROVE_IMPORT(fn) __attribute__((import_module("gust:prove"), import_name(fn)))
// A function of the driver under proof: resolved to the shipped module's export.
#define GUST_DRIVER_IMPORT(fn) __attribute__((import_module("driver"), import_name(fn)))
#define GUST_PROOF(name) extern "C" __attribute__((export_name("gust_proof_" #name))) void gust_proof_##name()

// What a trace entry records.
enum gust_seam_call : uint32_t {
  GUST_SEAM_MMIO_READ32 = 1,
  GUST_SEAM_MMIO_WRITE32 = 2,
  GUST_SEAM_MMIO_READ8 = 3,
  GUST_SEAM_MMIO_WRITE8 = 4,
  GUST_SEAM_IRQ_POLL = 5,
  GUST_SEAM_IRQ_ENABLE = 6,
};

extern "C" {
// Any u32 at all: the prover considers every value.
GUST_PROVE_IMPORT("any-u32") uint32_t gust_any_u32();
// Considers only the executions where cond holds from here on.
GUST_PROVE_IMPORT("assume") void gust_assume(bool cond);
// A property: fails, with a counterexample, if some execution breaks it.
// Each gust_assert must be reached by some execution, or the harness is
// VACUOUS.
GUST_PROVE_IMPORT("assert") void gust_assert(bool cond, uint32_t id);
// A demand that a situation is reachable: some execution the assumptions
// allow gets here with cond true, or the harness is VACUOUS.
GUST_PROVE_IMPORT("cover") void gust_cover(bool cond, uint32_t id);

// The seam calls made so far, in order. Each read returns a fresh value. An
// index past the end fails the harness on that execution.
GUST_PROVE_IMPORT("trace-len") uint32_t gust_trace_len();
GUST_PROVE_IMPORT("trace-call") uint32_t gust_trace_call(uint32_t i);    // a gust_seam_call
GUST_PROVE_IMPORT("trace-arg") uint32_t gust_trace_arg(uint32_t i);      // offset, or irq line
GUST_PROVE_IMPORT("trace-value") uint32_t gust_trace_value(uint32_t i);  // read or written value

// An environment assumption about the hardware: from the `after`-th read of
// `offset` on (counting from 0), (value & mask) == expect. "TXE is set by the
// fourth look" keeps a polling loop within the unwinding bound, and says so.
// Its arguments must each have one value; an expected value with bits
// outside its mask, or one that contradicts an earlier assume-read32 of the
// same offset, is an ERROR: no hardware satisfies it.
GUST_PROVE_IMPORT("assume-read32")
void gust_assume_read32(uint32_t offset, uint32_t after, uint32_t mask, uint32_t expect);
}
