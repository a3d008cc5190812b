// tests/cxx_test.sh: found only through the node's include_dirs.
#pragma once
#include <cstdint>
inline constexpr uint32_t kBrr = 0x08;
