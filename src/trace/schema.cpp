// The trace schema (trace/schema.yaml): artifact types with their fields,
// link types with the types they may join, traceability rules with their
// severity, and what the matrix shows. Read and checked here, before any
// artifact is, so that a broken schema is never used.
#include <algorithm>
#include <stdexcept>

#include "trace/yaml.h"

namespace gust::trace {

namespace {

// The keys an artifact entry is built from (Artifact's members); a schema may
// make each required or not, and restrict its values, but not invent others.
const std::vector<std::string> kBaseKeys = {"id", "type", "title", "status", "description", "tags", "links", "fields"};
const std::vector<std::string> kFieldTypes = {"string",  "text", "number",     "list<string>",
                                              "mapping", "path", "list<path>", "list<test>"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct SchemaReader {
  std::string file;
  Diagnostics& problems;
  Schema& schema;

  void error(Location at, const std::string& message) {
    yaml::add(problems, Severity::Error, std::move(at), "", "schema", message);
  }

  FieldSpec field(const YAML::Node& n, const char* what) {
    FieldSpec f;
    f.at = yaml::location(file, n);
    if (!n.IsMap()) {
      error(f.at, std::string("each ") + what + " must be a mapping, not " + yaml::shape_name(n));
      return f;
    }
    yaml::MapReader r(n, file, problems, "", what, "schema");
    f.name = r.str("name", true);
    f.type = r.str("type", false);
    if (f.type.empty()) f.type = "string";
    if (!contains(kFieldTypes, f.type)) error(r.at("type"), "unknown field type '" + f.type + "'");
    f.required = r.flag("required");
    f.description = r.str("description", false);
    f.allowed = r.strs("allowed-values", false);
    r.finish();
    return f;
  }

  std::vector<FieldSpec> fields(const YAML::Node& list, const char* what) {
    std::vector<FieldSpec> out;
    if (!list.IsDefined() || list.IsNull()) return out;
    if (!list.IsSequence()) {
      error(yaml::location(file, list), std::string(what) + "s must be a list");
      return out;
    }
    for (const auto& n : list) {
      FieldSpec f = field(n, what);
      if (f.name.empty()) continue;
      for (const auto& g : out)
        if (g.name == f.name) error(f.at, "field '" + f.name + "' is declared twice");
      out.push_back(std::move(f));
    }
    return out;
  }

  template <class Fn>
  void each(const YAML::Node& list, const std::string& key, Fn fn) {
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      error(yaml::location(file, list), "'" + key + "' must be a list");
      return;
    }
    for (const auto& n : list) {
      if (!n.IsMap()) {
        error(yaml::location(file, n), "each of '" + key + "' must be a mapping, not " + yaml::shape_name(n));
        continue;
      }
      fn(n);
    }
  }

  void header(const YAML::Node& n) {
    if (!n.IsMap()) {
      error(yaml::location(file, n), "'schema' must be a mapping with name, version, description and root");
      return;
    }
    yaml::MapReader r(n, file, problems, "", "schema header", "schema");
    schema.name = r.str("name", true);
    schema.version = r.str("version", true);
    schema.description = r.str("description", false);
    std::string root = r.str("root", false);
    schema.root = (schema.file.parent_path() / (root.empty() ? "." : root)).lexically_normal();
    r.finish();
  }

  void type(const YAML::Node& n) {
    TypeSpec t;
    t.at = yaml::location(file, n);
    yaml::MapReader r(n, file, problems, "", "artifact type", "schema");
    t.name = r.str("name", true);
    t.description = r.str("description", false);
    t.fields = fields(r.get("fields"), "field");
    r.finish();
    if (t.name.empty()) return;
    if (schema.type(t.name)) error(t.at, "artifact type '" + t.name + "' is declared twice");
    schema.types.push_back(std::move(t));
  }

  void link_type(const YAML::Node& n) {
    LinkTypeSpec l;
    l.at = yaml::location(file, n);
    yaml::MapReader r(n, file, problems, "", "link type", "schema");
    l.name = r.str("name", true);
    l.inverse = r.str("inverse", false);
    l.description = r.str("description", false);
    l.sources = r.strs("source-types", false);
    l.targets = r.strs("target-types", false);
    l.acyclic = r.flag("acyclic");
    r.finish();
    if (l.name.empty()) return;
    if (schema.link_type(l.name)) error(l.at, "link type '" + l.name + "' is declared twice");
    schema.link_types.push_back(std::move(l));
  }

  void rule(const YAML::Node& n) {
    Rule u;
    u.at = yaml::location(file, n);
    yaml::MapReader r(n, file, problems, "", "rule", "schema");
    u.name = r.str("name", true);
    u.description = r.str("description", false);
    u.source_type = r.str("source-type", true);
    u.statuses = r.strs("when-status", false);
    bool forward = r.has("required-link"), back = r.has("required-backlink");
    if (forward == back) error(u.at, "a rule needs exactly one of 'required-link' and 'required-backlink'");
    u.backlink = back;
    u.link = r.str(back ? "required-backlink" : "required-link", false);
    if (back && r.has("target-types")) error(r.at("target-types"), "a required-backlink rule names 'from-types'");
    if (forward && r.has("from-types")) error(r.at("from-types"), "a required-link rule names 'target-types'");
    u.other_types = r.strs(back ? "from-types" : "target-types", false);
    if (std::string m = r.str("min", false); !m.empty()) {
      try {
        size_t used = 0;
        u.min = std::stoi(m, &used);
        if (used != m.size() || u.min < 1) throw std::invalid_argument(m);
      } catch (const std::exception&) {
        error(r.at("min"), "'min' must be a whole number of at least 1, not '" + m + "'");
      }
    }
    std::string sev = r.str("severity", true);
    if (sev == "error")
      u.severity = Severity::Error;
    else if (sev == "warning")
      u.severity = Severity::Warning;
    else if (sev == "info")
      u.severity = Severity::Info;
    else if (!sev.empty())
      error(r.at("severity"), "severity must be error, warning or info, not '" + sev + "'");
    r.finish();
    if (u.name.empty()) return;
    for (const auto& v : schema.rules)
      if (v.name == u.name) error(u.at, "rule '" + u.name + "' is declared twice");
    schema.rules.push_back(std::move(u));
  }

  void matrix(const YAML::Node& n) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) {
      error(yaml::location(file, n), "'matrix' must be a mapping");
      return;
    }
    yaml::MapReader r(n, file, problems, "", "matrix", "schema");
    schema.matrix.rows = r.strs("rows", true);
    schema.matrix.verified_by = r.str("verified-by", true);
    schema.matrix.designed_by = r.str("designed-by", false);
    schema.matrix.derived_by = r.str("derived-by", false);
    r.finish();
  }

  // Every name a link type, rule or the matrix uses is declared.
  void cross_check(const yaml::MapReader& top) {
    auto need_type = [&](const std::string& t, const Location& at) {
      if (!t.empty() && !schema.type(t)) error(at, "unknown artifact type '" + t + "'");
    };
    auto need_link = [&](const std::string& l, const Location& at) {
      if (!l.empty() && !schema.link_type(l)) error(at, "unknown link type '" + l + "'");
    };
    for (const auto& l : schema.link_types) {
      for (const auto& t : l.sources) need_type(t, l.at);
      for (const auto& t : l.targets) need_type(t, l.at);
    }
    for (const auto& u : schema.rules) {
      need_type(u.source_type, u.at);
      need_link(u.link, u.at);
      for (const auto& t : u.other_types) need_type(t, u.at);
    }
    Location m = top.at("matrix");
    for (const auto& t : schema.matrix.rows) need_type(t, m);
    need_link(schema.matrix.verified_by, m);
    need_link(schema.matrix.designed_by, m);
    need_link(schema.matrix.derived_by, m);
    for (const auto& f : schema.base)
      if (!contains(kBaseKeys, f.name))
        error(f.at, "'" + f.name +
                        "' is not an artifact key (they are id, type, title, status, description, tags, "
                        "links and fields; put others under fields)");
    for (const char* k : {"id", "type"}) {
      const FieldSpec* f = schema.base_field(k);
      if (!f || !f->required) error(top.at("base-fields"), std::string("base field '") + k + "' must be required");
    }
  }
};

}  // namespace

const FieldSpec* TypeSpec::field(const std::string& n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

bool LinkTypeSpec::allows(const std::string& from, const std::string& to) const {
  return (sources.empty() || contains(sources, from)) && (targets.empty() || contains(targets, to));
}

const FieldSpec* Schema::base_field(const std::string& n) const {
  for (const auto& f : base)
    if (f.name == n) return &f;
  return nullptr;
}

const TypeSpec* Schema::type(const std::string& n) const {
  for (const auto& t : types)
    if (t.name == n) return &t;
  return nullptr;
}

const LinkTypeSpec* Schema::link_type(const std::string& n) const {
  for (const auto& l : link_types)
    if (l.name == n) return &l;
  return nullptr;
}

Result<Schema> load_schema(const fs::path& file, Diagnostics& problems) {
  Diagnostics parse;
  auto doc = yaml::load(file, parse);
  if (!doc) return Error::make(Error::Kind::Input, parse[0].message, parse[0].at.str());
  Schema schema;
  schema.file = file;
  SchemaReader sr{file.string(), problems, schema};
  if (!doc->IsMap()) {
    sr.error(yaml::location(file.string(), *doc),
             std::string("a schema is a mapping (schema, base-fields, artifact-types, link-types, "
                         "traceability-rules, matrix), not ") +
                 yaml::shape_name(*doc));
    return schema;
  }
  yaml::MapReader top(*doc, file.string(), problems, "", "schema", "schema");
  sr.header(top.get("schema"));
  if (!top.has("schema")) sr.error({file.string(), 1, 1}, "the schema has no 'schema' header");
  schema.base = sr.fields(top.get("base-fields"), "base field");
  sr.each(top.get("artifact-types"), "artifact-types", [&](const YAML::Node& n) { sr.type(n); });
  sr.each(top.get("link-types"), "link-types", [&](const YAML::Node& n) { sr.link_type(n); });
  sr.each(top.get("traceability-rules"), "traceability-rules", [&](const YAML::Node& n) { sr.rule(n); });
  sr.matrix(top.get("matrix"));
  top.finish();
  sr.cross_check(top);
  return schema;
}

}  // namespace gust::trace
