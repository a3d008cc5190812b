// The fuzz targets' contracts (see targets.h).
#include "targets.h"

#include <regex>
#include <vector>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "wasm/module.h"
#include "wit/wit.h"

namespace gust::fuzz {

namespace {

// A text error's location: the file, then :line:column unless `whole_file`.
std::optional<std::string> located(const Error& e, const std::string& file, const char* stage) {
  static const std::regex line_col(R"(.*:[0-9]+:[0-9]+)");
  if (e.where.rfind(file, 0) != 0) return std::string(stage) + " rejected without naming the file: " + e.str();
  if (e.where != file && !std::regex_match(e.where, line_col))
    return std::string(stage) + " rejected without a line and column: " + e.str();
  return std::nullopt;
}

}  // namespace

std::optional<std::string> wasm_module(const uint8_t* data, size_t size) {
  auto m = wasm::decode(std::vector<uint8_t>(data, data + size));
  if (!m) {
    if (!m.error().offset) return "decode rejected without an offset: " + m.error().str();
    return std::nullopt;
  }
  if (auto v = wasm::validate(*m); !v) {
    if (!v.error().offset) return "validate rejected without an offset: " + v.error().str();
    return std::nullopt;
  }
  dissolve::Options o;
  o.memory_max_bytes = 1 << 20;
  o.table_growth = 16;
  o.linkable = size % 2;  // both memory and table models, deterministically per input
  auto out = dissolve::dissolve(*m, o);
  if (!out && out.error().kind != Error::Kind::Limit && !out.error().offset)
    return "dissolve rejected without an offset: " + out.error().str();
  return std::nullopt;
}

std::optional<std::string> manifest(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.toml";
  if (auto chip = compose::load_chip(file, &text); !chip)
    if (auto bad = located(chip.error(), file, "load_chip")) return bad;
  if (auto node = compose::load_node(file, &text); !node)
    if (auto bad = located(node.error(), file, "load_node")) return bad;
  return std::nullopt;
}

std::optional<std::string> wit(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.wit";
  auto pkg = wit::parse(text, file);
  if (!pkg) return located(pkg.error(), file, "parse");
  for (const auto& w : pkg->worlds)
    for (bool host : {false, true})
      if (auto header = wit::bind(*pkg, w.name, host, file); !header)
        if (auto bad = located(header.error(), file, "bind")) return bad;
  return std::nullopt;
}

}  // namespace gust::fuzz
