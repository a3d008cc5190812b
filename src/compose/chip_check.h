// The chip description's windows, held to what the sandbox needs of them
// (chip_check.cpp); load_chip() refuses a chip that fails, at the peripheral.
#pragma once
#include <string>

#include "compose/compose.h"

namespace gust::compose {

struct WindowProblem {
  std::string peripheral;  // where to point; empty when all is well
  std::string why;
};

// The first window that wraps 2^32, lies on flash, SRAM or the RCC (the
// bridge's clocks), overlaps another window, or reaches into the core's
// system space other than as SysTick's own registers; a core exception
// that two peripherals grant; a clock bit outside the RCC's enable
// registers; more interrupt lines than the core has.
WindowProblem check_windows(const Chip& c);

}  // namespace gust::compose
