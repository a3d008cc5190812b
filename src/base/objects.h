// Beneath every layer: what gust reads back from the toolchain's output,
// the symbols and relocations of an object, and a GNU ld map's sizes.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "wasm/error.h"

namespace gust::base {

namespace fs = std::filesystem;

// What gust reads back from objects and images.
struct ObjectFacts {
  std::map<std::string, uint64_t> section_sizes;  // by section name
  std::vector<std::string> undefined;             // undefined symbols referenced by relocations
  std::vector<std::string> defined_globals;
};
[[nodiscard]] Result<ObjectFacts> read_object(const fs::path& file);

// Per-input-file section sizes from a GNU ld map file.
struct MapEntry {
  std::string file, section;
  uint64_t address = 0, size = 0;
};
std::vector<MapEntry> parse_map(const std::string& text);

}  // namespace gust::base
