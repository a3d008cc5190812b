// Inside src/trace/: reading YAML through yaml-cpp with every node's location
// kept, so that the schema and the artifacts report file:line:column alike.
#pragma once
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "trace/trace.h"

namespace gust::trace::yaml {

Location location(const std::string& file, const YAML::Mark& mark);
Location location(const std::string& file, const YAML::Node& node);

void add(Diagnostics& d, Severity s, Location at, std::string id, std::string kind, std::string message);

// The one document of a file; nothing, with the problem (kind "parse") in
// `problems`, when the file is unreadable, its YAML does not parse (at the
// parser's line and column) or it holds more than one document.
std::optional<YAML::Node> load(const fs::path& file, Diagnostics& problems);

// "a list", "a mapping", "a string", "nothing": what a node is, for messages.
const char* shape_name(const YAML::Node& n);

// Reads one YAML mapping key by key: each key asked for is known, finish()
// reports the others as unknown; a key given twice is reported at once.
class MapReader {
 public:
  // `kind` is every problem's kind when given ("schema"); otherwise they are
  // missing-field, unknown-field and shape.
  MapReader(const YAML::Node& map, std::string file, Diagnostics& problems, std::string id, std::string what,
            std::string kind = {});

  void set_id(std::string id) { id_ = std::move(id); }
  // The value, or an undefined node when the key is absent.
  YAML::Node get(const std::string& key);
  bool has(const std::string& key) const;
  // A scalar; absent (reported when required) or not a scalar gives "".
  std::string str(const std::string& key, bool required);
  // A list of scalars (a lone scalar is refused, so a typo cannot hide a list).
  std::vector<std::string> strs(const std::string& key, bool required);
  bool flag(const std::string& key);
  Location at(const std::string& key) const;
  // Reports every key not asked for.
  void finish();

 private:
  YAML::Node map_;
  std::string file_;
  Diagnostics& problems_;
  std::string id_;
  std::string what_;  // "artifact", "link", "artifact type", ... for messages
  std::string kind_;
  std::set<std::string> asked_;
};

}  // namespace gust::trace::yaml
