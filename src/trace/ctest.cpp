// The tests behind the verifications: what a build folder's ctest lists, how
// each test did in its last run, and running exactly the named ones.
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "base/tools.h"
#include "trace/trace.h"

namespace gust::trace {

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A scratch folder that is removed again however the listing ends.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "gust-trace-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// `ctest -N` (and --show-only) rewrites Testing/Temporary/LastTest.log, which
// would wipe the last results this tool reads, and would truncate the log of
// a ctest run that is running this very listing (gust's own trace test). So
// ctest lists a copy of the folder's CTestTestfile.cmake tree: those files
// name their commands and included test lists by absolute path, so the copy
// lists exactly the same tests.
Result<void> copy_test_files(const fs::path& build, const fs::path& to) {
  std::error_code ec;
  size_t copied = 0;
  for (auto it = fs::recursive_directory_iterator(build, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string leaf = it->path().filename().string();
    if (it->is_directory(ec) && (leaf == "CMakeFiles" || leaf == "Testing" || it->is_symlink(ec))) {
      it.disable_recursion_pending();
      continue;
    }
    if (leaf != "CTestTestfile.cmake" || !it->is_regular_file(ec)) continue;
    const fs::path dest = to / fs::relative(it->path(), build, ec);
    fs::create_directories(dest.parent_path(), ec);
    fs::copy_file(it->path(), dest, fs::copy_options::overwrite_existing, ec);
    if (ec) break;
    ++copied;
  }
  if (ec) return Error::make(Error::Kind::Input, "cannot copy its test lists: " + ec.message(), build.string());
  if (!copied)
    return Error::make(Error::Kind::Input, "not a configured build folder (no CTestTestfile.cmake)", build.string());
  return {};
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Passed:
      return "passed";
    case Outcome::Failed:
      return "failed";
    case Outcome::Skipped:
      return "skipped";
    case Outcome::NotRun:
      return "did not run";
    case Outcome::Unknown:
      return "no result";
    case Outcome::PassedOrSkipped:
      return "passed or skipped";
  }
  return "?";
}

const TestInfo* TestList::find(const std::string& name) const {
  for (const auto& t : tests)
    if (t.name == name) return &t;
  return nullptr;
}

Result<TestList> list_tests(const fs::path& build_dir) {
  std::error_code ec;
  TestList list;
  list.build_dir = fs::absolute(build_dir, ec).lexically_normal();
  if (!fs::is_directory(list.build_dir, ec))
    return Error::make(Error::Kind::Input, "no such build folder", build_dir.string());
  if (!fs::exists(list.build_dir / "CTestTestfile.cmake", ec))
    return Error::make(Error::Kind::Input, "not a configured build folder (no CTestTestfile.cmake)",
                       build_dir.string());
  ScratchDir scratch;
  if (scratch.path.empty()) return Error::make(Error::Kind::Input, "cannot make a scratch folder for ctest");
  if (auto r = copy_test_files(list.build_dir, scratch.path); !r) return r.error();
  auto run =
      base::run_tool({base::tool("GUST_CTEST", "ctest"), "--test-dir", scratch.path.string(), "--show-only=json-v1"});
  // ctest says where it changes directory before the JSON; the JSON starts a line.
  size_t start = run.output.rfind('{', 0) == 0 ? 0 : run.output.find("\n{");
  if (start != 0 && start != std::string::npos) ++start;
  if (run.status != 0 || start == std::string::npos)
    return Error::make(Error::Kind::Tool, "ctest cannot list the tests: " + first_line(run.output), build_dir.string());
  nlohmann::json j = nlohmann::json::parse(run.output.substr(start), nullptr, false);
  if (j.is_discarded() || !j.contains("tests") || !j["tests"].is_array())
    return Error::make(Error::Kind::Tool, "ctest's test list is not the JSON it documents", build_dir.string());
  int number = 0;
  for (const auto& t : j["tests"]) {
    TestInfo info;
    info.name = t.value("name", "");
    info.number = ++number;  // ctest numbers the tests in this order, from 1
    if (t.contains("properties"))
      for (const auto& p : t["properties"]) {
        const std::string name = p.value("name", "");
        const auto& v = p["value"];
        if (name == "SKIP_RETURN_CODE" && v.is_number_integer()) info.skip_return_code = v.get<int>();
        if (name == "SKIP_REGULAR_EXPRESSION") info.skip_regex = true;
        if (name == "DISABLED" && v.is_boolean()) info.disabled = v.get<bool>();
      }
    list.tests.push_back(std::move(info));
  }
  return list;
}

TestResults last_results(const TestList& list) {
  TestResults out;
  const fs::path dir = list.build_dir / "Testing" / "Temporary";
  const fs::path log = dir / "LastTest.log", failed = dir / "LastTestsFailed.log";
  std::error_code ec;
  std::string started;
  if (fs::exists(log, ec)) {
    // Blocks of "N/M Test: NAME", its output, then "Test Passed.", "Test
    // Failed.", or "Test Pass Reason:" / "Test Fail Reason:" and the reason
    // on the next line (a skip regular expression that matched is a pass
    // reason in the log, and a skip).
    std::istringstream in(read_text(log));
    std::string line, name;
    static const std::regex kStart(R"(^[0-9]+/[0-9]+ Test: (.*)$)");
    std::smatch m;
    while (std::getline(in, line)) {
      if (line.rfind("Start testing: ", 0) == 0) started = line.substr(15);
      if (std::regex_match(line, m, kStart)) {
        name = m[1];
        continue;
      }
      if (name.empty()) continue;
      TestResult r{Outcome::Unknown, "", started};
      if (line == "Test Passed.") {
        r.outcome = Outcome::Passed;
      } else if (line == "Test Failed.") {
        r.outcome = Outcome::Failed;
      } else if (line == "Test Pass Reason:" || line == "Test Fail Reason:") {
        std::string reason;
        std::getline(in, reason);
        r.outcome = line == "Test Fail Reason:"                             ? Outcome::Failed
                    : reason.rfind("Skip regular expression found", 0) == 0 ? Outcome::Skipped
                                                                            : Outcome::Passed;
        if (r.outcome != Outcome::Passed) r.detail = reason.substr(0, reason.find(". Regex="));
      } else {
        continue;
      }
      const TestInfo* info = list.find(name);
      // A skip by exit code alone is logged as a pass; a test that also says
      // it skips (a skip regex) would have been logged as skipped.
      if (r.outcome == Outcome::Passed && info && info->skip_return_code && !info->skip_regex)
        r.outcome = Outcome::PassedOrSkipped;
      if (info && info->disabled) r = {Outcome::NotRun, "Disabled", started};
      out[name] = r;
      name.clear();
    }
  }
  if (fs::exists(failed, ec)) {
    // Written after LastTest.log by the run that had failures, and left alone
    // by a later run without any: only as new as the log is it that run's.
    const bool same_run = !fs::exists(log, ec) || fs::last_write_time(failed, ec) >= fs::last_write_time(log, ec);
    std::istringstream in(read_text(failed));
    for (std::string line; std::getline(in, line);) {
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(colon + 1);
      if (same_run)
        out[name] = {Outcome::Failed, "", started};
      else if (!out.count(name))
        out[name] = {Outcome::Failed, "in a run before the last", ""};
    }
  }
  return out;
}

std::string exact_regex(const std::vector<std::string>& names) {
  std::string re = "^(";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) re += '|';
    for (char c : names[i]) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) re += '\\';
      re += c;
    }
  }
  return re + ")$";
}

namespace {

// One ctest run of `names`, its per-test lines read into `out`.
Result<void> run_batch(const TestList& list, const std::map<int, const TestInfo*>& by_number,
                       const std::vector<std::string>& names, int jobs, TestResults& out) {
  auto run = base::run_tool({base::tool("GUST_CTEST", "ctest"), "--test-dir", list.build_dir.string(), "-R",
                             exact_regex(names), "-j", std::to_string(jobs < 1 ? 1 : jobs)});
  // "  3/12 Test  #7: NAME .........   Passed    0.10 sec": the number says
  // which test, whatever dots the name itself holds.
  static const std::regex kLine(R"(^\s*[0-9]+/[0-9]+ Test\s+#([0-9]+): (.*)$)");
  static const std::regex kTail(R"(^[ .]*(.*?)\s+[0-9.]+ sec$)");
  std::istringstream in(run.output);
  std::smatch m, t;
  const std::set<std::string> wanted(names.begin(), names.end());
  size_t seen = 0;
  for (std::string line; std::getline(in, line);) {
    if (!std::regex_match(line, m, kLine)) continue;
    auto it = by_number.find(std::stoi(m[1]));
    const std::string rest = m[2];
    if (it == by_number.end() || rest.rfind(it->second->name, 0) != 0) continue;
    const std::string name = it->second->name;
    if (!wanted.count(name))
      return Error::make(Error::Kind::Tool, "ctest ran '" + name + "', which was not asked for",
                         list.build_dir.string());
    ++seen;
    const std::string after = rest.substr(name.size());
    std::string status = std::regex_match(after, t, kTail) ? std::string(t[1]) : after;
    if (status.rfind("***", 0) == 0) status = status.substr(3);
    TestResult r{Outcome::Failed, status == "Failed" ? "" : status, "this run"};
    if (status == "Passed")
      r = {Outcome::Passed, "", "this run"};
    else if (status.find("Skipped") != std::string::npos)
      r = {Outcome::Skipped, "", "this run"};
    else if (status.find("Not Run") != std::string::npos)
      r = {Outcome::NotRun, status, "this run"};
    out[name] = r;
  }
  if (!seen && run.status != 0)
    return Error::make(Error::Kind::Tool, "ctest failed: " + first_line(run.output), list.build_dir.string());
  return {};
}

}  // namespace

Result<TestResults> run_tests(const TestList& list, const std::vector<std::string>& names, int jobs) {
  TestResults out;
  std::map<int, const TestInfo*> by_number;
  for (const auto& t : list.tests) by_number[t.number] = &t;
  // CMake's regular expressions have a size limit, so a long list runs in
  // batches of a few kilobytes of pattern each (the build's LastTest.log is
  // then the last batch's).
  std::vector<std::string> batch;
  size_t length = 0;
  for (size_t i = 0; i <= names.size(); ++i) {
    if (i == names.size() || (length + names[i].size() > 8000 && !batch.empty())) {
      if (!batch.empty())
        if (auto r = run_batch(list, by_number, batch, jobs, out); !r) return r.error();
      batch.clear();
      length = 0;
      if (i == names.size()) break;
    }
    batch.push_back(names[i]);
    length += 2 * names[i].size() + 1;  // every character may gain a backslash
  }
  for (const auto& n : names)
    if (!out.count(n)) out[n] = {Outcome::NotRun, "ctest did not run it", "this run"};
  return out;
}

}  // namespace gust::trace
