// The WIT subset that gust:hal uses: package, interface, world, import and
// export, func, integer types, bool, list, option, result, and comments.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "wasm/error.h"

namespace gust::wit {

struct Type {
  std::string name;         // u8..u64, s8..s64, bool, list, option, result
  std::vector<Type> args;   // list<T>, option<T>, result<T, E>
  std::string str() const;  // back to WIT syntax
};

struct Param {
  std::string name;
  Type type;
};

struct Func {
  std::string name;  // kebab-case, as written
  std::vector<Param> params;
  std::vector<Type> results;  // zero or one
  int line = 0;
};

struct Interface {
  std::string name;
  std::vector<Func> funcs;
};

struct World {
  std::string name;
  std::vector<std::string> imports;  // interface names
  std::vector<Func> exports;         // exported functions
};

struct Package {
  std::string name;  // e.g. gust:hal
  std::vector<Interface> interfaces;
  std::vector<World> worlds;
  const Interface* interface(const std::string& name) const;
  const World* world(const std::string& name) const;
};

// Parses WIT text; errors name file:line:column.
[[nodiscard]] Result<Package> parse(const std::string& text, const std::string& file);
[[nodiscard]] Result<Package> parse_file(const std::filesystem::path& file);

// Generates the guest (driver) or host (bridge) header for a world.
// `file` names the WIT file in messages and in the header's first line.
[[nodiscard]] Result<std::string> bind(const Package& pkg, const std::string& world, bool host,
                                       const std::string& file);

// kebab-case to the snake_case C name: rx-ready -> rx_ready.
std::string c_name(const std::string& kebab);

}  // namespace gust::wit
