// tests/cxx_test.sh: a clang error, which gust must show at this file's line.
#include <gust/driver-thin.h>

extern "C" void uart_init(uint32_t, uint32_t) { this_is_not_declared = 1; }
