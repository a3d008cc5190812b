// `gust trace validate` and `gust trace matrix`: the requirements, designs,
// verifications and findings under trace/ checked against their schema and
// bound to the ctest tests that carry them.
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "base/tools.h"
#include "cli/cli.h"
#include "trace/trace.h"

namespace gust::cli {

namespace {

namespace fs = std::filesystem;

struct TraceArgs {
  std::vector<std::string> paths;
  std::string schema, tests, html;
  bool run = false, json = false;
  int jobs = 2;
};

// The nearest folder at or above the working one that holds trace/schema.yaml,
// named relative to the working folder so that messages stay short.
fs::path trace_home() {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  for (fs::path p = cwd; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / "trace" / "schema.yaml", ec)) return fs::relative(p, cwd, ec);
    if (p == p.parent_path()) break;
  }
  return ".";
}

// Everything both subcommands need: the schema, the artifacts, the checks,
// and the tests with their results when a build folder is given.
struct Loaded {
  trace::Schema schema;
  trace::Store store;
  trace::Diagnostics problems;       // schema, parse and rule problems
  trace::Diagnostics test_problems;  // the binding to ctest
  std::optional<trace::TestList> tests;
  std::optional<trace::TestResults> results;
  bool fresh = false;
  std::string results_from = "no test results (no --tests BUILD_DIR)";
  std::optional<Error> fatal;
};

Loaded load(const TraceArgs& a) {
  Loaded l;
  const fs::path home = trace_home();
  const fs::path schema_file =
      a.schema.empty() ? (home / "trace" / "schema.yaml").lexically_normal() : fs::path(a.schema);
  std::error_code ec;
  if (a.schema.empty() && !fs::exists(schema_file, ec)) {
    l.fatal = Error::make(Error::Kind::Input, "no trace/schema.yaml in this folder or above it (give --schema FILE)");
    return l;
  }
  auto schema = trace::load_schema(schema_file, l.problems);
  if (!schema) {
    l.fatal = schema.error();
    return l;
  }
  l.schema = std::move(*schema);
  if (trace::count(l.problems, trace::Severity::Error)) return l;  // a broken schema checks nothing
  std::vector<fs::path> inputs;
  for (const auto& p : a.paths) inputs.emplace_back(p);
  if (inputs.empty()) inputs.push_back((home / "trace").lexically_normal());
  auto files = trace::collect_files(inputs, schema_file);
  if (!files) {
    l.fatal = files.error();
    return l;
  }
  l.store = trace::load_artifacts(*files, l.schema, l.problems);
  trace::validate(l.store, l.schema, l.problems);
  if (a.tests.empty()) return l;
  auto list = trace::list_tests(a.tests);
  if (!list) {
    l.fatal = list.error();
    return l;
  }
  l.tests = std::move(*list);
  if (a.run) {
    // Exactly the tests the verifications name and ctest lists.
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& art : l.store.artifacts)
      for (const auto& [name, at] : trace::tests_of(art, l.schema))
        if (l.tests->find(name) && seen.insert(name).second) names.push_back(name);
    if (!a.json)
      fprintf(stderr, "gust trace: running the %zu tests the verifications name (ctest -j%d in %s)\n", names.size(),
              a.jobs, a.tests.c_str());
    auto results = trace::run_tests(*l.tests, names, a.jobs);
    if (!results) {
      l.fatal = results.error();
      return l;
    }
    l.results = std::move(*results);
    l.fresh = true;
    l.results_from = "this run of ctest in " + a.tests;
  } else {
    l.results = trace::last_results(*l.tests);
    l.results_from = "the last ctest run in " + a.tests + " (Testing/Temporary/LastTest.log)";
  }
  trace::check_tests(l.store, l.schema, *l.tests, &*l.results, l.fresh, l.test_problems);
  return l;
}

nlohmann::json to_json(const trace::Diagnostic& d) {
  return {
      {"file", d.at.file}, {"line", d.at.line}, {"column", d.at.column}, {"severity", trace::severity_name(d.severity)},
      {"id", d.id},        {"kind", d.kind},    {"message", d.message}};
}

int run_validate(const TraceArgs& a) {
  Loaded l = load(a);
  if (l.fatal) return report(*l.fatal);
  trace::Diagnostics all = l.problems;
  all.insert(all.end(), l.test_problems.begin(), l.test_problems.end());
  trace::sort(all);
  const size_t errors = trace::count(all, trace::Severity::Error);
  const size_t warnings = trace::count(all, trace::Severity::Warning);
  size_t bound = 0;
  for (const auto& art : l.store.artifacts) bound += trace::tests_of(art, l.schema).size();
  if (a.json) {
    nlohmann::json j = {{"files", l.store.files.size()},
                        {"artifacts", l.store.artifacts.size()},
                        {"tests_named", bound},
                        {"results_from", l.results_from},
                        {"errors", errors},
                        {"warnings", warnings},
                        {"diagnostics", nlohmann::json::array()}};
    for (const auto& d : all) j["diagnostics"].push_back(to_json(d));
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& d : all) fprintf(stderr, "%s\n", d.str().c_str());
    auto n = [](size_t k, const char* one, const char* many) {
      return std::to_string(k) + " " + (k == 1 ? one : many);
    };
    printf("trace: %s in %s, %s bound; %s, %s\n", n(l.store.artifacts.size(), "artifact", "artifacts").c_str(),
           n(l.store.files.size(), "file", "files").c_str(), n(bound, "test name", "test names").c_str(),
           n(errors, "error", "errors").c_str(), n(warnings, "warning", "warnings").c_str());
  }
  return errors ? 1 : 0;
}

int run_matrix(const TraceArgs& a) {
  Loaded l = load(a);
  if (l.fatal) return report(*l.fatal);
  // A trace that does not validate, or names tests ctest does not list, gives
  // no matrix; failing tests are what a matrix is for, so they do not stop it.
  trace::Diagnostics blocking;
  for (const auto& d : l.problems)
    if (d.severity == trace::Severity::Error) blocking.push_back(d);
  for (const auto& d : l.test_problems)
    if (d.severity == trace::Severity::Error && d.kind == "unknown-test") blocking.push_back(d);
  if (!blocking.empty()) {
    trace::sort(blocking);
    for (const auto& d : blocking) fprintf(stderr, "%s\n", d.str().c_str());
    fprintf(stderr, "gust: error: the trace has %zu errors; no matrix (gust trace validate lists them)\n",
            blocking.size());
    return 1;
  }
  trace::Matrix m = trace::build_matrix(l.store, l.schema, l.results ? &*l.results : nullptr, l.results_from);
  if (!a.html.empty()) {
    const std::string page = trace::matrix_html(m);
    if (auto w = base::write_atomically(a.html, page.data(), page.size()); !w) return report(w.error());
  }
  if (a.json)
    std::cout << trace::matrix_json(m);
  else if (a.html.empty())
    std::cout << trace::matrix_markdown(m);
  return 0;
}

void common_options(CLI::App* c, TraceArgs& a) {
  c->add_option("paths", a.paths, "Artifact files or folders (default: trace/ of the project)")
      ->check(CLI::ExistingPath);
  c->add_option("--schema", a.schema, "The schema (default: trace/schema.yaml)")->check(CLI::ExistingFile);
  CLI::Option* tests = c->add_option("--tests", a.tests,
                                     "A configured build folder: each verification's tests must be in its ctest "
                                     "list, and their last results are read")
                           ->check(CLI::ExistingDirectory);
  c->add_flag("--run", a.run,
              "Run exactly the tests the verifications name (ctest -R); a failing one fails its "
              "verification")
      ->needs(tests);
  c->add_option("-j,--jobs", a.jobs, "ctest's parallel jobs with --run (default 2)")->check(CLI::Range(1, 64));
  c->add_flag("--json", a.json, "Print one JSON object on standard output");
}

}  // namespace

void add_trace(CLI::App& app) {
  CLI::App* t = app.add_subcommand(
      "trace", "Traceability: requirements, designs, verifications and findings (trace/*.yaml) and their tests");
  t->require_subcommand(1);

  auto v = std::make_shared<TraceArgs>();
  CLI::App* validate = t->add_subcommand(
      "validate",
      "Check the artifacts against the schema and report every problem at file:line with the artifact's id; "
      "exit 1 when an error remains (warnings do not fail)");
  common_options(validate, *v);
  validate->callback([v] { exit_status = run_validate(*v); });

  auto m = std::make_shared<TraceArgs>();
  CLI::App* matrix = t->add_subcommand(
      "matrix",
      "Requirements against the verifications and tests that cover them, with each test's last result, "
      "and what nothing covers: Markdown on standard output, or --html FILE, or --json");
  common_options(matrix, *m);
  matrix->add_option("--html", m->html, "Write a self-contained HTML page instead of printing Markdown");
  matrix->callback([m] { exit_status = run_matrix(*m); });
}

}  // namespace gust::cli
