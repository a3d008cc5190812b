// The traceability matrix: each requirement against the designs that satisfy
// it, the verifications that cover it, their tests and each test's result,
// and the requirements nothing covers; as Markdown, a self-contained HTML
// page, or JSON.
#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "trace/trace.h"

namespace gust::trace {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Worse outcomes rank higher: a failure anywhere is the verdict.
int rank(Outcome o) {
  switch (o) {
    case Outcome::Passed:
      return 0;
    case Outcome::Unknown:
    case Outcome::PassedOrSkipped:
      return 1;
    case Outcome::Skipped:
      return 2;
    case Outcome::NotRun:
      return 3;
    case Outcome::Failed:
      return 4;
  }
  return 4;
}

Outcome worst(Outcome a, Outcome b) { return rank(a) >= rank(b) ? a : b; }

std::string verdict_text(const MatrixRow& r) {
  if (!r.covered) return r.children.empty() ? "not covered" : "via derived";
  return outcome_name(r.verdict);
}

// The rows that derive from nothing among the rows head sections; every
// other row appears under each ancestor, depth first.
struct Sections {
  std::vector<const MatrixRow*> heads;
  std::map<std::string, std::vector<const MatrixRow*>> below;
  std::vector<const MatrixRow*> uncovered;
};

Sections sections(const Matrix& m) {
  Sections s;
  for (const auto& r : m.rows) {
    if (r.parent.empty()) s.heads.push_back(&r);
    if (!r.covered && r.children.empty()) s.uncovered.push_back(&r);
  }
  std::set<std::string> placed;
  auto place = [&](const MatrixRow* h) {
    std::set<std::string> seen{h->id};
    placed.insert(h->id);
    std::function<void(const MatrixRow&)> walk = [&](const MatrixRow& r) {
      for (const auto& c : r.children) {
        const MatrixRow* child = m.find(c);
        if (!child || !seen.insert(c).second) continue;
        placed.insert(c);
        s.below[h->id].push_back(child);
        walk(*child);
      }
    };
    walk(*h);
  };
  for (const auto* h : s.heads) place(h);
  // Rows in a cycle of derivations have parents but no head above them: each
  // cycle is headed by its first member, so that no row goes missing.
  for (const auto& r : m.rows)
    if (!placed.count(r.id)) {
      s.heads.push_back(&r);
      place(&r);
    }
  return s;
}

struct Counts {
  size_t rows = 0, passed = 0, failing = 0, unproven = 0, uncovered = 0;
};

Counts counts(const std::vector<const MatrixRow*>& rows) {
  Counts c;
  for (const auto* r : rows) {
    if (!r->covered && !r->children.empty()) continue;  // covered through what derives from it
    ++c.rows;
    if (!r->covered)
      ++c.uncovered;
    else if (r->verdict == Outcome::Passed)
      ++c.passed;
    else if (r->verdict == Outcome::Failed || r->verdict == Outcome::NotRun)
      ++c.failing;
    else
      ++c.unproven;
  }
  return c;
}

std::string counts_text(const Counts& c) {
  return std::to_string(c.rows) + " requirements: " + std::to_string(c.passed) + " verified by passing tests, " +
         std::to_string(c.failing) + " with a failing test, " + std::to_string(c.unproven) +
         " verified without a passing result (skipped or no result), " + std::to_string(c.uncovered) +
         " not covered by any verification.";
}

std::string md(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|')
      o += "\\|";
    else if (c == '<')
      o += "&lt;";  // GitHub's Markdown would take it for a tag and hide it
    else if (c == '>')
      o += "&gt;";
    else if (c == '\n')
      o += ' ';
    else
      o += c;
  }
  while (!o.empty() && o.back() == ' ') o.pop_back();
  return o;
}

std::string html(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

const MatrixRow* Matrix::find(const std::string& id) const {
  for (const auto& r : rows)
    if (r.id == id) return &r;
  return nullptr;
}

Matrix build_matrix(const Store& store, const Schema& schema, const TestResults* results, std::string results_from) {
  Matrix m;
  m.title = schema.description.empty() ? schema.name : schema.description;
  m.results_from = std::move(results_from);
  const MatrixSpec& spec = schema.matrix;
  for (const auto& type : spec.rows)
    for (const auto& a : store.artifacts)
      if (a.type == type) m.rows.push_back({a.id, a.type, a.title, a.status, {}, {}, {}, Outcome::Unknown, false, {}});
  auto is_row = [&](const std::string& id) { return m.find(id) != nullptr; };
  for (auto& r : m.rows) {
    const Artifact* self = store.find(r.id);
    for (const auto& l : self->links)
      if (!spec.derived_by.empty() && l.type == spec.derived_by && is_row(l.target) && r.parent.empty())
        r.parent = l.target;
    for (const auto& a : store.artifacts)
      for (const auto& l : a.links) {
        if (l.target != r.id) continue;
        if (!spec.designed_by.empty() && l.type == spec.designed_by && !contains(r.designs, a.id))
          r.designs.push_back(a.id);
        if (!spec.derived_by.empty() && l.type == spec.derived_by && is_row(a.id) && !contains(r.children, a.id))
          r.children.push_back(a.id);
        if (l.type != spec.verified_by) continue;
        if (std::any_of(r.verifications.begin(), r.verifications.end(),
                        [&](const MatrixVerification& v) { return v.id == a.id; }))
          continue;
        MatrixVerification v{a.id, a.title, {}, {}, Outcome::Unknown};
        if (const Value* method = a.field("method"); method && method->shape == Value::Shape::Scalar)
          v.method = method->scalar;
        Outcome verdict = Outcome::Passed;
        for (const auto& [name, at] : tests_of(a, schema)) {
          TestResult res;
          if (results)
            if (auto it = results->find(name); it != results->end()) res = it->second;
          v.tests.push_back({name, res});
          verdict = worst(verdict, res.outcome);
        }
        v.verdict = v.tests.empty() ? Outcome::Unknown : verdict;
        r.verifications.push_back(std::move(v));
      }
    r.covered = !r.verifications.empty();
    r.verdict = r.covered ? Outcome::Passed : Outcome::NotRun;
    for (const auto& v : r.verifications) r.verdict = worst(r.verdict, v.verdict);
  }
  return m;
}

std::string matrix_markdown(const Matrix& m) {
  Sections s = sections(m);
  std::vector<const MatrixRow*> all;
  for (const auto& r : m.rows) all.push_back(&r);
  std::string o = "# Traceability matrix\n\n" + md(m.title) + "\n\nTest results: " + m.results_from + ". " +
                  counts_text(counts(all)) + "\n";
  // A cell per verification: how many tests ended how, naming every test
  // that did not pass; the names of all of them follow under Verifications.
  auto summary = [](const MatrixVerification& v) {
    std::map<Outcome, std::vector<std::string>> by;
    for (const auto& t : v.tests) by[t.result.outcome].push_back("`" + md(t.name) + "`");
    std::vector<std::string> parts;
    for (const auto& [outcome, names] : by)
      parts.push_back(std::to_string(names.size()) + " " + outcome_name(outcome) +
                      (outcome == Outcome::Passed ? "" : ": " + join(names, ", ")));
    return v.id + ": " + join(parts, "; ");
  };
  std::string head_id;  // the section's head: rows derived from it need not say so
  auto row = [&](const MatrixRow& r) {
    std::vector<std::string> ver;
    for (const auto& v : r.verifications) ver.push_back(summary(v));
    return "| " + r.id + (r.parent.empty() || r.parent == head_id ? "" : " (from " + r.parent + ")") + " | " +
           md(r.title) + " | " + r.status + " | " + join(r.designs, ", ") + " | " + join(ver, "<br>") + " | " +
           verdict_text(r) + " |\n";
  };
  const std::string head =
      "| requirement | title | status | design | verified by (tests) | verdict |\n"
      "| --- | --- | --- | --- | --- | --- |\n";
  for (const auto* h : s.heads) {
    head_id = h->id;
    o += "\n## " + h->id + ": " + md(h->title) + " (" + h->type + ", " + h->status + ")\n\n";
    const auto& below = s.below[h->id];
    if (!below.empty() && s.heads.size() > 1) o += counts_text(counts(below)) + "\n\n";
    o += head + row(*h);
    for (const auto* r : below) o += row(*r);
  }
  o += "\n## Not covered\n\n";
  if (s.uncovered.empty()) o += "Every requirement is covered by a verification.\n";
  for (const auto* r : s.uncovered) o += "- " + r->id + " (" + r->type + ", " + r->status + "): " + md(r->title) + "\n";
  o += "\n## Verifications\n\n";
  std::set<std::string> listed;
  for (const auto& r : m.rows)
    for (const auto& v : r.verifications) {
      if (!listed.insert(v.id).second) continue;
      std::vector<std::string> t;
      for (const auto& x : v.tests) t.push_back("`" + md(x.name) + "` " + outcome_name(x.result.outcome));
      o += "- " + v.id + (v.method.empty() ? "" : " (" + v.method + ")") + ": " + join(t, ", ") + "\n";
    }
  return o;
}

std::string matrix_html(const Matrix& m) {
  Sections s = sections(m);
  std::vector<const MatrixRow*> all;
  for (const auto& r : m.rows) all.push_back(&r);
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Traceability matrix</title>\n"
      "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:90em}table{border-collapse:collapse;"
      "width:100%;margin-bottom:2em}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}"
      "th{background:#eee}code{font-size:12px}.passed{background:#dfd}.failed,.did-not-run{background:#fdd}"
      ".skipped,.no-result{background:#ffd}.not-covered{background:#fdd;font-weight:bold}.via-derived{color:#666}"
      "</style></head><body>\n<h1>Traceability matrix</h1>\n<p>" +
      html(m.title) + "</p>\n<p>Test results: " + html(m.results_from) + ". " + html(counts_text(counts(all))) +
      "</p>\n";
  auto cls = [](const std::string& t) {
    std::string c;
    for (char ch : t) c += ch == ' ' ? '-' : ch;
    return c;
  };
  std::string head_id;
  auto row = [&](const MatrixRow& r) {
    std::string v, t;
    for (const auto& x : r.verifications) {
      v += "<div>" + html(x.id) + (x.method.empty() ? "" : " (" + html(x.method) + ")") + "</div>";
      for (const auto& test : x.tests) {
        const std::string out = outcome_name(test.result.outcome);
        t += "<div class=\"" + cls(out) + "\"><code>" + html(test.name) + "</code> " + out +
             (test.result.detail.empty() ? "" : " <small>" + html(test.result.detail) + "</small>") +
             (test.result.when.empty() ? "" : " <small>(" + html(test.result.when) + ")</small>") + "</div>";
      }
    }
    const std::string verdict = verdict_text(r);
    return "<tr id=\"" + html(r.id) + "\"><td>" + html(r.id) +
           (r.parent.empty() || r.parent == head_id ? "" : " <small>(from " + html(r.parent) + ")</small>") +
           "</td><td>" + html(r.title) + "</td><td>" + html(r.status) + "</td><td>" + html(join(r.designs, ", ")) +
           "</td><td>" + v + "</td><td>" + t + "</td><td class=\"" + cls(verdict) + "\">" + verdict + "</td></tr>\n";
  };
  const std::string head =
      "<table><tr><th>requirement</th><th>title</th><th>status</th><th>design</th><th>verified by</th>"
      "<th>tests</th><th>verdict</th></tr>\n";
  for (const auto* h : s.heads) {
    head_id = h->id;
    o += "<h2>" + html(h->id) + ": " + html(h->title) + " (" + html(h->type) + ", " + html(h->status) + ")</h2>\n";
    const auto& below = s.below[h->id];
    if (!below.empty() && s.heads.size() > 1) o += "<p>" + html(counts_text(counts(below))) + "</p>\n";
    o += head + row(*h);
    for (const auto* r : below) o += row(*r);
    o += "</table>\n";
  }
  o += "<h2>Not covered</h2>\n<ul>\n";
  if (s.uncovered.empty()) o += "<li>Every requirement is covered by a verification.</li>\n";
  for (const auto* r : s.uncovered)
    o += "<li><a href=\"#" + html(r->id) + "\">" + html(r->id) + "</a> (" + html(r->type) + ", " + html(r->status) +
         "): " + html(r->title) + "</li>\n";
  return o + "</ul>\n</body></html>\n";
}

std::string matrix_json(const Matrix& m) {
  nlohmann::json j;
  j["title"] = m.title;
  j["results_from"] = m.results_from;
  j["rows"] = nlohmann::json::array();
  for (const auto& r : m.rows) {
    nlohmann::json row = {{"id", r.id},
                          {"type", r.type},
                          {"title", r.title},
                          {"status", r.status},
                          {"parent", r.parent},
                          {"designs", r.designs},
                          {"children", r.children},
                          {"covered", r.covered},
                          {"verdict", verdict_text(r)}};
    row["verifications"] = nlohmann::json::array();
    for (const auto& v : r.verifications) {
      nlohmann::json jv = {
          {"id", v.id}, {"title", v.title}, {"method", v.method}, {"verdict", outcome_name(v.verdict)}};
      jv["tests"] = nlohmann::json::array();
      for (const auto& t : v.tests)
        jv["tests"].push_back({{"name", t.name},
                               {"result", outcome_name(t.result.outcome)},
                               {"detail", t.result.detail},
                               {"when", t.result.when}});
      row["verifications"].push_back(jv);
    }
    j["rows"].push_back(row);
  }
  return j.dump(2) + "\n";
}

}  // namespace gust::trace
