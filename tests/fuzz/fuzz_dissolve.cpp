// libFuzzer target over the front and back halves: any input either
// dissolves, or is rejected with an error naming an offset (or, for a
// limit of the target, saying which).
#include <cstdio>
#include <cstdlib>

#include "dissolve/dissolve.h"
#include "wasm/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gust;
  auto m = wasm::decode(std::vector<uint8_t>(data, data + size));
  if (!m) {
    if (!m.error().offset) {
      fprintf(stderr, "decode rejected without an offset: %s\n", m.error().str().c_str());
      abort();
    }
    return 0;
  }
  auto v = wasm::validate(*m);
  if (!v) {
    if (!v.error().offset) {
      fprintf(stderr, "validate rejected without an offset: %s\n", v.error().str().c_str());
      abort();
    }
    return 0;
  }
  dissolve::Options o;
  o.memory_max_bytes = 1 << 20;
  o.table_growth = 16;
  o.linkable = size % 2;  // both memory and table models, deterministically per input
  auto out = dissolve::dissolve(*m, o);
  if (!out && out.error().kind != Error::Kind::Limit && !out.error().offset) {
    fprintf(stderr, "dissolve rejected without an offset: %s\n", out.error().str().c_str());
    abort();
  }
  return 0;
}
