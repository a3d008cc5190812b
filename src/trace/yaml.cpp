// Reading YAML with locations: the one loader and the key-by-key map reader
// that the schema and the artifact parser share.
#include "trace/yaml.h"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <fstream>
#include <regex>

namespace gust::trace::yaml {

Location location(const std::string& file, const YAML::Mark& mark) {
  // yaml-cpp counts from 0, and a node built without a mark has -1.
  return {file, mark.line < 0 ? 0 : mark.line + 1, mark.column < 0 ? 0 : mark.column + 1};
}

Location location(const std::string& file, const YAML::Node& node) {
  return node.IsDefined() ? location(file, node.Mark()) : Location{file, 0, 0};
}

void add(Diagnostics& d, Severity s, Location at, std::string id, std::string kind, std::string message) {
  d.push_back({s, std::move(at), std::move(id), std::move(kind), std::move(message)});
}

// The id of the artifact a line is in, read from the raw text: for YAML that
// does not parse, there is nothing else to read it from.
static std::string last_id_before(const fs::path& file, int line) {
  std::ifstream in(file);
  static const std::regex kId(R"(^\s*(- )?id:\s*([^\s#]+))");
  std::string text, id;
  std::smatch m;
  for (int n = 1; n <= line && std::getline(in, text); ++n)
    if (std::regex_search(text, m, kId)) id = m[2];
  return id;
}

std::optional<YAML::Node> load(const fs::path& file, Diagnostics& problems) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAllFromFile(file.string());
  } catch (const YAML::BadFile&) {
    add(problems, Severity::Error, {file.string(), 0, 0}, "", "parse", "cannot read the file");
    return std::nullopt;
  } catch (const YAML::DeepRecursion& e) {
    add(problems, Severity::Error, location(file.string(), e.mark), "", "parse",
        "YAML does not parse: nested deeper than the parser's limit of " + std::to_string(e.depth()));
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    // e.msg is the parser's reason without the position, which the location
    // carries; the id is the last one the text names before it, if any.
    Location at = location(file.string(), e.mark);
    add(problems, Severity::Error, at, last_id_before(file, at.line), "parse", "YAML does not parse: " + e.msg);
    return std::nullopt;
  }
  if (docs.size() > 1) {
    add(problems, Severity::Error, location(file.string(), docs[1]), "", "parse",
        "more than one YAML document (one per file)");
    return std::nullopt;
  }
  return docs.empty() ? YAML::Node() : docs[0];
}

const char* shape_name(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "a scalar";
}

MapReader::MapReader(const YAML::Node& map, std::string file, Diagnostics& problems, std::string id, std::string what,
                     std::string kind)
    : map_(map),
      file_(std::move(file)),
      problems_(problems),
      id_(std::move(id)),
      what_(std::move(what)),
      kind_(std::move(kind)) {
  std::map<std::string, Location> seen;
  for (const auto& kv : map_) {
    const YAML::Node& key = kv.first;
    Location at = location(file_, key);
    if (!key.IsScalar()) {
      add(problems_, Severity::Error, at, id_, kind_.empty() ? "shape" : kind_,
          "a key of the " + what_ + " must be a plain word, not " + shape_name(key));
      continue;
    }
    auto [it, fresh] = seen.emplace(key.Scalar(), at);
    if (!fresh)
      add(problems_, Severity::Error, at, id_, kind_.empty() ? "duplicate-key" : kind_,
          "'" + key.Scalar() + "' is given twice in the " + what_ + " (first at line " +
              std::to_string(it->second.line) + ")");
  }
}

YAML::Node MapReader::get(const std::string& key) {
  asked_.insert(key);
  for (const auto& kv : map_)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool MapReader::has(const std::string& key) const {
  for (const auto& kv : map_)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return true;
  return false;
}

Location MapReader::at(const std::string& key) const {
  for (const auto& kv : map_)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return location(file_, kv.first);
  return location(file_, map_);
}

std::string MapReader::str(const std::string& key, bool required) {
  YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required)
      add(problems_, Severity::Error, n.IsDefined() ? at(key) : location(file_, map_), id_,
          kind_.empty() ? "missing-field" : kind_, "the " + what_ + " has no '" + key + "'");
    return "";
  }
  if (!n.IsScalar()) {
    add(problems_, Severity::Error, location(file_, n), id_, kind_.empty() ? "shape" : kind_,
        "'" + key + "' must be a scalar, not " + shape_name(n));
    return "";
  }
  return n.Scalar();
}

std::vector<std::string> MapReader::strs(const std::string& key, bool required) {
  YAML::Node n = get(key);
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) {
    if (required)
      add(problems_, Severity::Error, location(file_, map_), id_, kind_.empty() ? "missing-field" : kind_,
          "the " + what_ + " has no '" + key + "'");
    return out;
  }
  if (!n.IsSequence()) {
    add(problems_, Severity::Error, location(file_, n), id_, kind_.empty() ? "shape" : kind_,
        "'" + key + "' must be a list, not " + shape_name(n));
    return out;
  }
  for (const auto& e : n) {
    if (e.IsScalar())
      out.push_back(e.Scalar());
    else
      add(problems_, Severity::Error, location(file_, e), id_, kind_.empty() ? "shape" : kind_,
          "each of '" + key + "' must be a scalar, not " + shape_name(e));
  }
  return out;
}

bool MapReader::flag(const std::string& key) {
  std::string v = str(key, false);
  if (v.empty() || v == "false") return false;
  if (v == "true") return true;
  add(problems_, Severity::Error, location(file_, get(key)), id_, kind_.empty() ? "shape" : kind_,
      "'" + key + "' must be true or false, not '" + v + "'");
  return false;
}

void MapReader::finish() {
  for (const auto& kv : map_) {
    if (!kv.first.IsScalar() || asked_.count(kv.first.Scalar())) continue;
    add(problems_, Severity::Error, location(file_, kv.first), id_, kind_.empty() ? "unknown-field" : kind_,
        "unknown field '" + kv.first.Scalar() + "' in the " + what_);
  }
}

}  // namespace gust::trace::yaml
