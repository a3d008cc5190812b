// Text for an app's console, over any instance's uart-tx-byte (the world's
// generated wrapper, passed as Tx): a C string, and a u32 in decimal. An app
// includes it after its world's header (apps/echo, relay-uart, ticks,
// gateway).
#pragma once
#include <cstdint>

namespace gust::apps::text {
// Internal to each app (one wasm module each), as its own functions were.
namespace {

// A C string, not a std::string_view: wasm32 passes a struct by value
// through the shadow stack.
template <void (*Tx)(uint8_t)>
void print(const char* s) {
  while (*s) Tx(static_cast<uint8_t>(*s++));
}

// Decimal, most significant digit first, without a digit buffer, so that
// the app needs no shadow-stack frame (a local buffer filled in a loop
// builds and audits too, its stores proven by the loop's induction
// variables).
template <void (*Tx)(uint8_t)>
void print_u32(uint32_t v) {
  uint32_t d = 1;
  while (v / d >= 10) d *= 10;
  for (; d; d /= 10) Tx(static_cast<uint8_t>('0' + v / d % 10));
}

}  // namespace
}  // namespace gust::apps::text
