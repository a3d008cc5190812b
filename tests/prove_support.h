// Helpers for the prover's tests: modules from C++ or wat, the project's
// seam environment, and verdicts by harness name.
#pragma once
#include <string>
#include <vector>

#include "prove/prove.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {

// A source under the project root compiled as gust compiles drivers (with
// --allow-undefined for harnesses), or a .wat through wat2wasm, decoded.
wasm::Module module_from_cpp(const std::string& source, const std::string& tag, std::vector<std::string> flags = {});
wasm::Module module_from_wat(const std::string& source, const std::string& tag);
// The shipped thin UART driver (drivers/uart-thin/uart.cpp), once.
const wasm::Module& shipped_driver();

// The project's WIT and world driver-thin, a 1024-byte window and one line
// (the USART1 grant of nodes/f100-uart-thin.toml); memory as `gust dissolve`.
prove::Options prove_options();

const prove::Verdict& verdict(const std::vector<prove::Verdict>& vs, const std::string& name);

}  // namespace gust::test
