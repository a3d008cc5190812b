// The fuzz targets' contracts, shared by the libFuzzer binaries
// (tests/fuzz/fuzz_*.cpp, .ci/fuzz) and by the regression test that replays
// the kept inputs without a fuzzer (tests/limits_fuzz_test.cpp). Each
// returns nothing when the input was handled as gust promises (accepted, or
// refused with a located error), or what broke the promise; a crash, a
// sanitizer report or an abort inside gust breaks it too.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace gust::fuzz {

// decode, validate and dissolve a wasm binary: a rejection names an offset
// (dissolve's target limits may name none).
std::optional<std::string> wasm_module(const uint8_t* data, size_t size);

// The text as a chip description and as a node manifest: a rejection names
// the file, and file:line:column unless it is about the whole file.
std::optional<std::string> manifest(const uint8_t* data, size_t size);

// The text as a WIT package, then every world bound for both sides: a
// rejection names file:line:column, or the file for a whole-file one.
std::optional<std::string> wit(const uint8_t* data, size_t size);

}  // namespace gust::fuzz
