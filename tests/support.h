// Helpers shared by the tests: hand-assembled wasm binaries and the thin
// driver built the way gust build builds it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace gust::test {

namespace fs = std::filesystem;

using Bytes = std::vector<uint8_t>;

// "\0asm" version 1.
Bytes header();
// A section: id, LEB128 size, payload.
Bytes section(uint8_t id, const Bytes& payload);
Bytes cat(std::initializer_list<Bytes> parts);
// A module of one function of type `type` (a type-section entry such as
// {0x60, 0, 1, 0x7F}) whose code entry is `body` (locals and instructions).
Bytes one_function(const Bytes& type, const Bytes& body);

// A fresh folder under the build tree for one test's files.
fs::path scratch(const std::string& name);
// The project's source root.
fs::path source_root();
// drivers/uart-thin/uart.cpp compiled to wasm (once per process).
const fs::path& thin_driver_wasm();
Bytes read_file(const fs::path& p);

}  // namespace gust::test
