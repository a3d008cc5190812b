// The schema's checks over a parsed Store: types, statuses, fields, links,
// rules; and the binding of each verification to tests that ctest lists and,
// with results, that pass.
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>

#include "trace/yaml.h"

namespace gust::trace {

namespace {

using yaml::add;

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool is_list_type(const std::string& t) { return t.rfind("list<", 0) == 0; }

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  strtod(s.c_str(), &end);
  return end && *end == '\0';
}

struct Checker {
  const Store& store;
  const Schema& schema;
  Diagnostics& problems;
  // For each artifact, who links to it: (source index, link type).
  std::map<std::string, std::vector<std::pair<size_t, std::string>>> backlinks;

  void value_ok(const Artifact& a, const FieldSpec& spec, const std::string& v, const Location& at) {
    if (!spec.allowed.empty() && !contains(spec.allowed, v))
      add(problems, Severity::Error, at, a.id, "bad-value",
          "'" + v + "' is not an allowed value of '" + spec.name + "' (" + join(spec.allowed) + ")");
    if (spec.type == "number" && !is_number(v))
      add(problems, Severity::Error, at, a.id, "bad-value", "'" + spec.name + "' must be a number, not '" + v + "'");
    if (spec.type == "path" || spec.type == "list<path>") {
      std::error_code ec;
      if (v.empty() || !fs::exists(schema.root / v, ec))
        add(problems, Severity::Error, at, a.id, "bad-value",
            "'" + spec.name + "' names '" + v + "', which does not exist (paths are relative to " +
                schema.root.string() + ", the schema's root)");
    }
  }

  void field(const Artifact& a, const TypeSpec& t, const std::string& name, const Value& v) {
    const FieldSpec* spec = t.field(name);
    if (!spec) {
      std::vector<std::string> known;
      for (const auto& f : t.fields) known.push_back(f.name);
      add(problems, Severity::Error, v.at, a.id, "unknown-field",
          "unknown field '" + name + "' for type '" + t.name + "'" +
              (known.empty() ? " (it has no fields)" : " (known: " + join(known) + ")"));
      return;
    }
    const bool list = is_list_type(spec->type);
    const Value::Shape want = list                      ? Value::Shape::List
                              : spec->type == "mapping" ? Value::Shape::Map
                                                        : Value::Shape::Scalar;
    if (v.shape != want) {
      const char* what = want == Value::Shape::List  ? "a list of scalars"
                         : want == Value::Shape::Map ? "a mapping of scalars"
                                                     : "a scalar";
      add(problems, Severity::Error, v.at, a.id, "bad-value",
          "'" + name + "' is " + spec->type + ", so it must be " + what);
      return;
    }
    if (want == Value::Shape::Scalar) value_ok(a, *spec, v.scalar, v.value_at);
    if (want == Value::Shape::List) {
      if (v.items.empty() && spec->required)
        add(problems, Severity::Error, v.at, a.id, "missing-field", "'" + name + "' is required and is empty");
      for (const auto& [item, at] : v.items) value_ok(a, *spec, item, at);
    }
  }

  void base_values(const Artifact& a) {
    auto check = [&](const char* key, const std::string& v) {
      const FieldSpec* f = schema.base_field(key);
      auto at = a.key_at.find(key);
      if (f && !f->allowed.empty() && !v.empty() && !contains(f->allowed, v))
        add(problems, Severity::Error, at == a.key_at.end() ? a.at : at->second, a.id, "bad-value",
            "'" + v + "' is not an allowed " + key + " (" + join(f->allowed) + ")");
    };
    check("status", a.status);
    check("type", a.type);
  }

  void links(const Artifact& a) {
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& l : a.links) {
      const LinkTypeSpec* lt = schema.link_type(l.type);
      if (!lt) {
        std::vector<std::string> known;
        for (const auto& k : schema.link_types) known.push_back(k.name);
        add(problems, Severity::Error, l.at, a.id, "unknown-link-type",
            "unknown link type '" + l.type + "' (known: " + join(known) + ")");
      }
      const Artifact* target = store.find(l.target);
      if (!target) {
        add(problems, Severity::Error, l.at, a.id, "dangling-link",
            "'" + l.type + "' link to '" + l.target + "', which no artifact defines");
        continue;
      }
      if (target == &a) {
        add(problems, Severity::Error, l.at, a.id, "link-not-allowed", "'" + l.type + "' link to itself");
        continue;
      }
      if (!seen.emplace(l.type, l.target).second)
        add(problems, Severity::Warning, l.at, a.id, "duplicate-link",
            "'" + l.type + "' link to '" + l.target + "' is given twice");
      if (lt && schema.type(a.type) && schema.type(target->type) && !lt->allows(a.type, target->type))
        add(problems, Severity::Error, l.at, a.id, "link-not-allowed",
            "a '" + l.type + "' link may not go from " + a.type + " to " + target->type + " (" + l.target +
                "); the schema allows " + (lt->sources.empty() ? "any type" : join(lt->sources, " or ")) + " -> " +
                (lt->targets.empty() ? "any type" : join(lt->targets, " or ")));
    }
  }

  void artifact(const Artifact& a) {
    const TypeSpec* t = schema.type(a.type);
    if (!t && !a.type.empty()) {
      std::vector<std::string> known;
      for (const auto& k : schema.types) known.push_back(k.name);
      add(problems, Severity::Error, a.type_at, a.id, "unknown-type",
          "unknown type '" + a.type + "' (known: " + join(known) + ")");
    }
    base_values(a);
    if (t) {
      for (const auto& [name, v] : a.fields) field(a, *t, name, v);
      for (const auto& spec : t->fields)
        if (spec.required && !a.field(spec.name))
          add(problems, Severity::Error, a.at, a.id, "missing-field",
              "a " + t->name + " needs fields." + spec.name +
                  (spec.description.empty() ? "" : " (" + spec.description + ")"));
    }
    links(a);
  }

  int count(const Artifact& a, const Rule& r) {
    int n = 0;
    if (!r.backlink) {
      for (const auto& l : a.links) {
        if (l.type != r.link) continue;
        const Artifact* t = store.find(l.target);
        if (t && t != &a && (r.other_types.empty() || contains(r.other_types, t->type))) ++n;
      }
      return n;
    }
    auto it = backlinks.find(a.id);
    if (it == backlinks.end()) return 0;
    std::set<size_t> from;  // one source linking twice counts once
    for (const auto& [src, type] : it->second)
      if (type == r.link && (r.other_types.empty() || contains(r.other_types, store.artifacts[src].type)))
        from.insert(src);
    return int(from.size());
  }

  void rule(const Rule& r) {
    for (const auto& a : store.artifacts) {
      if (a.type != r.source_type) continue;
      if (!r.statuses.empty() && !contains(r.statuses, a.status)) continue;
      int n = count(a, r);
      if (n >= r.min) continue;
      std::string others = r.other_types.empty() ? "artifact" : join(r.other_types, " or ");
      std::string need = r.min == 1 ? "" : " (" + std::to_string(n) + " of the " + std::to_string(r.min) + " needed)";
      std::string msg = r.backlink ? "no '" + r.link + "' link to it from any " + others + need
                                   : "no '" + r.link + "' link to any " + others + need;
      if (!r.statuses.empty()) msg += ", which its status '" + a.status + "' needs";
      if (!r.description.empty()) msg += ": " + r.description;
      add(problems, r.severity, a.at, a.id, r.name, msg);
    }
  }

  // A requirement that derives, through others, from itself derives from
  // nothing: each cycle of an acyclic link type is reported once, at the
  // link that closes it, with the whole path.
  void cycles(const LinkTypeSpec& lt) {
    enum Mark { White, Grey, Black };
    std::vector<Mark> mark(store.artifacts.size(), White);
    std::vector<size_t> path;
    std::function<void(size_t)> visit = [&](size_t i) {
      mark[i] = Grey;
      path.push_back(i);
      for (const auto& l : store.artifacts[i].links) {
        if (l.type != lt.name) continue;
        auto t = store.by_id.find(l.target);
        if (t == store.by_id.end() || t->second == i) continue;  // dangling and self links are reported apart
        if (mark[t->second] == Grey) {
          std::string chain;
          auto from = std::find(path.begin(), path.end(), t->second);
          for (auto it = from; it != path.end(); ++it) chain += store.artifacts[*it].id + " -> ";
          add(problems, Severity::Error, l.at, store.artifacts[i].id, "link-cycle",
              "'" + lt.name + "' links form a cycle: " + chain + l.target);
        } else if (mark[t->second] == White) {
          visit(t->second);
        }
      }
      path.pop_back();
      mark[i] = Black;
    };
    for (size_t i = 0; i < store.artifacts.size(); ++i)
      if (mark[i] == White) visit(i);
  }

  void run() {
    for (size_t i = 0; i < store.artifacts.size(); ++i)
      for (const auto& l : store.artifacts[i].links) backlinks[l.target].emplace_back(i, l.type);
    for (const auto& a : store.artifacts) artifact(a);
    for (const auto& lt : schema.link_types)
      if (lt.acyclic) cycles(lt);
    for (const auto& r : schema.rules) rule(r);
  }
};

}  // namespace

void validate(const Store& store, const Schema& schema, Diagnostics& problems) {
  Checker c{store, schema, problems, {}};
  c.run();
}

std::vector<std::pair<std::string, Location>> tests_of(const Artifact& a, const Schema& schema) {
  std::vector<std::pair<std::string, Location>> out;
  const TypeSpec* t = schema.type(a.type);
  if (!t) return out;
  for (const auto& spec : t->fields) {
    if (spec.type != "list<test>") continue;
    if (const Value* v = a.field(spec.name); v && v->shape == Value::Shape::List)
      out.insert(out.end(), v->items.begin(), v->items.end());
  }
  return out;
}

void check_tests(const Store& store, const Schema& schema, const TestList& list, const TestResults* results,
                 bool results_are_fresh, Diagnostics& problems) {
  const std::string where = list.build_dir.string();
  for (const auto& a : store.artifacts) {
    auto tests = tests_of(a, schema);
    if (tests.empty()) continue;
    std::set<std::string> seen;
    bool any_passed = false, any_failed = false;
    for (const auto& [name, at] : tests) {
      if (!seen.insert(name).second) {
        add(problems, Severity::Warning, at, a.id, "duplicate-test", "test '" + name + "' is named twice");
        continue;
      }
      if (!list.find(name)) {
        add(problems, Severity::Error, at, a.id, "unknown-test",
            "test '" + name + "' is not among the " + std::to_string(list.tests.size()) + " tests ctest lists in " +
                where);
        any_failed = true;
        continue;
      }
      if (!results) continue;
      auto it = results->find(name);
      const TestResult r = it == results->end() ? TestResult{} : it->second;
      const std::string detail = r.detail.empty() ? "" : " (" + r.detail + ")";
      switch (r.outcome) {
        case Outcome::Passed:
          any_passed = true;
          break;
        case Outcome::Failed:
        case Outcome::NotRun:
          any_failed = true;
          if (results_are_fresh)
            add(problems, Severity::Error, at, a.id, "test-failed",
                "test '" + name + "' " + outcome_name(r.outcome) + detail + ", so this verification fails");
          else
            add(problems, Severity::Warning, at, a.id, "test-failed",
                "test '" + name + "' " + outcome_name(r.outcome) + " in the last ctest run" + detail);
          break;
        case Outcome::Skipped:
          if (results_are_fresh)
            add(problems, Severity::Warning, at, a.id, "test-skipped",
                "test '" + name + "' was skipped" + detail + ": it carries nothing of this verification");
          break;
        case Outcome::Unknown:
        case Outcome::PassedOrSkipped:
          break;
      }
    }
    if (results && results_are_fresh && !any_passed && !any_failed)
      add(problems, Severity::Error, a.at, a.id, "not-verified",
          "none of this verification's tests ran and passed, so nothing carries it");
  }
}

}  // namespace gust::trace
