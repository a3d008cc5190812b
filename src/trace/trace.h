// Traceability: requirements, design decisions, architecture, verifications
// and findings as artifacts in rivet's YAML format, the schema that types and
// links them, and the checks behind `gust trace validate` and `gust trace matrix`.
//
//   trace/*.yaml --parse.cpp--> Store --validate.cpp (schema.cpp's Schema)--> Diagnostics
//                                  \--ctest.cpp (list, last results, run)--> tests bound
//                                   \--matrix.cpp--> Markdown, HTML, JSON
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wasm/error.h"

namespace gust::trace {

namespace fs = std::filesystem;

// file:line:column, 1-based, as every gust rejection names it.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;
};

enum class Severity { Error, Warning, Info };
const char* severity_name(Severity s);

// One problem found in the trace. `kind` says what sort (parse, duplicate-id,
// dangling-link, ... or the name of the schema rule that is broken), so a
// script can filter on it; `id` names the artifact, empty when none applies.
struct Diagnostic {
  Severity severity = Severity::Error;
  Location at;
  std::string id;
  std::string kind;
  std::string message;
  // "trace/sw.yaml:12:5: error: SW-SEAM-TYPED: ... [dangling-link]"
  std::string str() const;
};
using Diagnostics = std::vector<Diagnostic>;
size_t count(const Diagnostics& d, Severity s);
// In file, line, column order, so that output is stable whatever the order of the checks.
void sort(Diagnostics& d);

// ---------------------------------------------------------------- the schema

struct FieldSpec {
  std::string name;
  // string, text, number, list<string>, mapping, path, list<path>, or
  // list<test> (exact ctest test names, checked by --tests and run by --run).
  std::string type;
  std::string description;
  bool required = false;
  std::vector<std::string> allowed;  // empty: any value
  Location at;
};

struct TypeSpec {
  std::string name;
  std::string description;
  std::vector<FieldSpec> fields;
  Location at;
  const FieldSpec* field(const std::string& name) const;
};

// A link type may go from any of `sources` to any of `targets`; an empty
// list allows every type. An acyclic one (derives-from, refines) may not
// lead back to where it started.
struct LinkTypeSpec {
  std::string name;
  std::string inverse;
  std::string description;
  std::vector<std::string> sources;
  std::vector<std::string> targets;
  bool acyclic = false;
  Location at;
  bool allows(const std::string& from, const std::string& to) const;
};

// Every artifact of `source_type` (whose status is in `statuses`, when
// given) has at least `min` links of type `link` to artifacts of
// `other_types` (required-link), or at least `min` artifacts of
// `other_types` link to it with `link` (required-backlink).
struct Rule {
  std::string name;
  std::string description;
  std::string source_type;
  std::vector<std::string> statuses;
  std::string link;
  bool backlink = false;
  std::vector<std::string> other_types;
  int min = 1;
  Severity severity = Severity::Error;
  Location at;
};

// What `gust trace matrix` puts in its rows and how it finds their cover.
struct MatrixSpec {
  std::vector<std::string> rows;  // artifact types, in order
  std::string verified_by;        // link type from a verification to what it verifies
  std::string designed_by;        // link type from a design to what it satisfies
  std::string derived_by;         // link type from a lower requirement to its parent
};

struct Schema {
  std::string name;
  std::string version;
  std::string description;
  fs::path file;
  fs::path root;                // what path fields are relative to
  std::vector<FieldSpec> base;  // the keys every artifact may have (id, type, title, ...)
  std::vector<TypeSpec> types;
  std::vector<LinkTypeSpec> link_types;
  std::vector<Rule> rules;
  MatrixSpec matrix;

  const FieldSpec* base_field(const std::string& name) const;
  const TypeSpec* type(const std::string& name) const;
  const LinkTypeSpec* link_type(const std::string& name) const;
};

// Reads and checks a schema. An unreadable file or YAML that does not parse
// is an Error; every other problem of the schema goes into `problems` (a
// schema with errors there must not be used).
Result<Schema> load_schema(const fs::path& file, Diagnostics& problems);

// ---------------------------------------------------------------- artifacts

// A value under `fields:`, with the location of every part.
struct Value {
  enum class Shape { Scalar, List, Map, Other };
  Shape shape = Shape::Other;
  std::string scalar;
  std::vector<std::pair<std::string, Location>> items;       // a list's elements
  std::vector<std::pair<std::string, std::string>> entries;  // a mapping's scalar entries
  Location at;                                               // the field's key
  Location value_at;                                         // its value
};

struct Link {
  std::string type;
  std::string target;
  Location at;
};

struct Artifact {
  std::string id, type, title, status, description;
  std::vector<std::string> tags;
  std::vector<Link> links;
  std::vector<std::pair<std::string, Value>> fields;  // in file order
  Location at;                                        // the artifact's entry
  Location type_at;                                   // its type, for unknown-type errors
  std::map<std::string, Location> key_at;             // each base key's value (status, ...)

  const Value* field(const std::string& name) const;
  // The list<string>-shaped field's elements (a scalar counts as one).
  std::vector<std::string> list(const std::string& name) const;
};

struct Store {
  std::vector<Artifact> artifacts;
  std::vector<fs::path> files;
  std::map<std::string, size_t> by_id;  // the first definition of each id
  const Artifact* find(const std::string& id) const;
};

// The YAML files named, folders searched recursively (*.yaml, *.yml) in
// sorted order; `skip` (the schema) is left out. Error: a name that does not exist.
Result<std::vector<fs::path>> collect_files(const std::vector<fs::path>& inputs, const fs::path& skip);

// Parses every file, reporting each problem (YAML that does not parse, an
// entry that is not a map, a key the schema does not know, a duplicate id)
// and keeping every artifact it can read.
Store load_artifacts(const std::vector<fs::path>& files, const Schema& schema, Diagnostics& problems);

// The schema's checks over the whole store: types, statuses, fields and their
// values, link types, links the schema does not allow, dangling links, rules.
void validate(const Store& store, const Schema& schema, Diagnostics& problems);

// ---------------------------------------------------------------- tests

// PassedOrSkipped: ctest's log says "Test Passed." for a test that skipped
// by its exit code (SKIP_RETURN_CODE), so from the log alone it is either.
enum class Outcome { Passed, Failed, Skipped, NotRun, Unknown, PassedOrSkipped };
const char* outcome_name(Outcome o);

struct TestResult {
  Outcome outcome = Outcome::Unknown;
  std::string detail;  // ctest's word for it when it says more than the outcome (Timeout, Disabled, ...)
  std::string when;    // the start of the run it comes from, when known
};
using TestResults = std::map<std::string, TestResult>;

struct TestInfo {
  std::string name;
  int number = 0;  // ctest's #N
  std::optional<int> skip_return_code;
  bool skip_regex = false;  // SKIP_REGULAR_EXPRESSION is set: a skip says so in its output
  bool disabled = false;
};

struct TestList {
  fs::path build_dir;
  std::vector<TestInfo> tests;  // in ctest's order
  const TestInfo* find(const std::string& name) const;
};

// The tests a configured build folder's ctest lists (`ctest --show-only=json-v1`).
Result<TestList> list_tests(const fs::path& build_dir);
// Each test's result in the last ctest run of that folder (Testing/Temporary/
// LastTest.log and LastTestsFailed.log); tests absent from both are Unknown.
TestResults last_results(const TestList& list);
// Runs exactly `names` with ctest and reads each one's outcome.
Result<TestResults> run_tests(const TestList& list, const std::vector<std::string>& names, int jobs);
// ^(a|b)$ with every regular-expression metacharacter of the names escaped.
std::string exact_regex(const std::vector<std::string>& names);

// The test names each verification carries (its list<test> fields), in order.
std::vector<std::pair<std::string, Location>> tests_of(const Artifact& a, const Schema& schema);
// Every verification's tests: each must be listed (an error otherwise); with
// results (--run), a failing test fails its verification, and a verification
// none of whose tests passed is an error too. Last results (without --run)
// give warnings only.
void check_tests(const Store& store, const Schema& schema, const TestList& list, const TestResults* results,
                 bool results_are_fresh, Diagnostics& problems);

// ---------------------------------------------------------------- the matrix

struct MatrixTest {
  std::string name;
  TestResult result;
};
struct MatrixVerification {
  std::string id, title, method;
  std::vector<MatrixTest> tests;
  Outcome verdict = Outcome::Unknown;
};
struct MatrixRow {
  std::string id, type, title, status;
  std::string parent;                // what it derives from, in the rows
  std::vector<std::string> designs;  // what satisfies it
  std::vector<MatrixVerification> verifications;
  Outcome verdict = Outcome::Unknown;  // the worst of its verifications; NotRun when uncovered
  bool covered = false;
  std::vector<std::string> children;  // rows that derive from it
};
struct Matrix {
  std::string title;
  std::string results_from;  // "no test results", "the last ctest run of build", "this run"
  std::vector<MatrixRow> rows;
  const MatrixRow* find(const std::string& id) const;
};

Matrix build_matrix(const Store& store, const Schema& schema, const TestResults* results, std::string results_from);
std::string matrix_markdown(const Matrix& m);
std::string matrix_html(const Matrix& m);
std::string matrix_json(const Matrix& m);

}  // namespace gust::trace
