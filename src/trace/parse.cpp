// The first stage of `gust trace`: the artifact files (rivet's format, a list
// under `artifacts:`) parsed into a Store, every entry kept that can be read
// and every problem reported at its file:line:column.
#include <algorithm>
#include <set>
#include <tuple>

#include "trace/yaml.h"

namespace gust::trace {

std::string Location::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Info:
      return "info";
  }
  return "?";
}

std::string Diagnostic::str() const {
  std::string s = at.str() + ": " + severity_name(severity) + ": ";
  if (!id.empty()) s += id + ": ";
  s += message;
  if (!kind.empty()) s += " [" + kind + "]";
  return s;
}

size_t count(const Diagnostics& d, Severity s) {
  return size_t(std::count_if(d.begin(), d.end(), [s](const Diagnostic& x) { return x.severity == s; }));
}

void sort(Diagnostics& d) {
  std::stable_sort(d.begin(), d.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.at.file, a.at.line, a.at.column) < std::tie(b.at.file, b.at.line, b.at.column);
  });
}

const Value* Artifact::field(const std::string& name) const {
  for (const auto& [n, v] : fields)
    if (n == name) return &v;
  return nullptr;
}

std::vector<std::string> Artifact::list(const std::string& name) const {
  std::vector<std::string> out;
  if (const Value* v = field(name)) {
    if (v->shape == Value::Shape::Scalar) out.push_back(v->scalar);
    for (const auto& [s, at] : v->items) out.push_back(s);
  }
  return out;
}

const Artifact* Store::find(const std::string& id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &artifacts[it->second];
}

Result<std::vector<fs::path>> collect_files(const std::vector<fs::path>& inputs, const fs::path& skip) {
  std::vector<fs::path> out;
  std::error_code ec;
  const fs::path skip_canon = skip.empty() ? fs::path() : fs::weakly_canonical(skip, ec);
  auto keep = [&](const fs::path& p) {
    if (!skip_canon.empty() && fs::weakly_canonical(p, ec) == skip_canon) return;
    out.push_back(p);
  };
  for (const auto& in : inputs) {
    if (fs::is_directory(in, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto ext = it->path().extension();
        if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) found.push_back(it->path());
      }
      if (ec) return Error::make(Error::Kind::Input, "cannot read the folder: " + ec.message(), in.string());
      std::sort(found.begin(), found.end());
      for (const auto& f : found) keep(f);
    } else if (fs::exists(in, ec)) {
      keep(in);
    } else {
      return Error::make(Error::Kind::Input, "no such file or folder", in.string());
    }
  }
  return out;
}

namespace {

struct Parser {
  const Schema& schema;
  Diagnostics& problems;
  Store& store;
  std::string file;

  Value value(const YAML::Node& key, const YAML::Node& n) {
    Value v;
    v.at = yaml::location(file, key);
    v.value_at = yaml::location(file, n);
    if (n.IsScalar()) {
      v.shape = Value::Shape::Scalar;
      v.scalar = n.Scalar();
    } else if (n.IsSequence()) {
      v.shape = Value::Shape::List;
      for (const auto& e : n) {
        if (!e.IsScalar()) {
          v.shape = Value::Shape::Other;
          break;
        }
        v.items.emplace_back(e.Scalar(), yaml::location(file, e));
      }
    } else if (n.IsMap()) {
      v.shape = Value::Shape::Map;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
          v.shape = Value::Shape::Other;
          break;
        }
        v.entries.emplace_back(kv.first.Scalar(), kv.second.Scalar());
      }
    }
    return v;
  }

  bool required(const char* key) const {
    const FieldSpec* f = schema.base_field(key);
    return f && f->required;
  }
  bool declared(const char* key) const { return schema.base_field(key) != nullptr; }

  void links(Artifact& a, const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsSequence()) {
      yaml::add(problems, Severity::Error, yaml::location(file, n), a.id, "shape",
                std::string("'links' must be a list of {type, target}, not ") + yaml::shape_name(n));
      return;
    }
    for (const auto& e : n) {
      Location at = yaml::location(file, e);
      if (!e.IsMap()) {
        yaml::add(problems, Severity::Error, at, a.id, "shape",
                  std::string("a link is a mapping {type, target}, not ") + yaml::shape_name(e));
        continue;
      }
      yaml::MapReader r(e, file, problems, a.id, "link");
      Link l{r.str("type", true), r.str("target", true), at};
      r.finish();
      if (!l.type.empty() && !l.target.empty()) a.links.push_back(std::move(l));
    }
  }

  void fields(Artifact& a, const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      yaml::add(problems, Severity::Error, yaml::location(file, n), a.id, "shape",
                std::string("'fields' must be a mapping, not ") + yaml::shape_name(n));
      return;
    }
    yaml::MapReader r(n, file, problems, a.id, "fields");  // reports a key given twice
    for (const auto& kv : n)
      if (kv.first.IsScalar()) a.fields.emplace_back(kv.first.Scalar(), value(kv.first, kv.second));
  }

  void artifact(const YAML::Node& n) {
    Artifact a;
    a.at = yaml::location(file, n);
    if (!n.IsMap()) {
      yaml::add(problems, Severity::Error, a.at, "", "shape",
                std::string("an artifact is a mapping (id, type, title, ...), not ") + yaml::shape_name(n));
      return;
    }
    // The id first, so that a problem the reader finds at once (a key given
    // twice) already names the artifact.
    const YAML::Node& entry = n;
    const std::string early_id = entry["id"] && entry["id"].IsScalar() ? entry["id"].Scalar() : "";
    yaml::MapReader r(n, file, problems, early_id, "artifact");
    if (declared("id")) a.id = r.str("id", required("id"));
    r.set_id(a.id);
    if (declared("type")) {
      a.type = r.str("type", required("type"));
      a.type_at = yaml::location(file, r.get("type"));
    }
    if (declared("title")) a.title = r.str("title", required("title"));
    if (declared("status")) a.status = r.str("status", required("status"));
    if (declared("description")) a.description = r.str("description", required("description"));
    if (declared("tags")) a.tags = r.strs("tags", required("tags"));
    if (declared("links")) {
      if (required("links") && !r.has("links"))
        yaml::add(problems, Severity::Error, a.at, a.id, "missing-field", "the artifact has no 'links'");
      links(a, r.get("links"));
    }
    if (declared("fields")) fields(a, r.get("fields"));
    for (const auto& kv : n)
      if (kv.first.IsScalar()) a.key_at.emplace(kv.first.Scalar(), yaml::location(file, kv.second));
    r.finish();
    if (a.id.empty()) return;  // reported; nothing could link to it
    if (const Artifact* first = store.find(a.id)) {
      yaml::add(problems, Severity::Error, a.at, a.id, "duplicate-id",
                "duplicate id '" + a.id + "' (first defined at " + first->at.str() + ")");
      return;
    }
    store.by_id.emplace(a.id, store.artifacts.size());
    store.artifacts.push_back(std::move(a));
  }

  void parse(const YAML::Node& doc) {
    if (!doc.IsMap()) {
      yaml::add(problems, Severity::Error,
                doc.IsDefined() && !doc.IsNull() ? yaml::location(file, doc) : Location{file, 1, 1}, "", "shape",
                std::string("an artifact file is a mapping with an 'artifacts:' list, not ") + yaml::shape_name(doc));
      return;
    }
    yaml::MapReader top(doc, file, problems, "", "artifact file");
    YAML::Node list = top.get("artifacts");
    top.finish();
    if (!list.IsDefined()) {
      yaml::add(problems, Severity::Error, yaml::location(file, doc), "", "missing-field",
                "the file has no 'artifacts:' list");
      return;
    }
    if (!list.IsSequence()) {
      yaml::add(problems, Severity::Error, yaml::location(file, list), "", "shape",
                std::string("'artifacts' must be a list, not ") + yaml::shape_name(list));
      return;
    }
    for (const auto& n : list) artifact(n);
  }
};

}  // namespace

Store load_artifacts(const std::vector<fs::path>& files, const Schema& schema, Diagnostics& problems) {
  Store store;
  for (const auto& f : files) {
    store.files.push_back(f);
    auto doc = yaml::load(f, problems);
    if (!doc) continue;
    Parser p{schema, problems, store, f.string()};
    p.parse(*doc);
  }
  return store;
}

}  // namespace gust::trace
