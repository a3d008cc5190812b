// libFuzzer entry for the WIT parser and gust bind: aborts, so that the fuzzer
// keeps the input, whenever the contract of targets.h is broken.
#include <cstdio>
#include <cstdlib>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto broken = gust::fuzz::wit(data, size)) {
    fprintf(stderr, "%s\n", broken->c_str());
    abort();
  }
  return 0;
}
