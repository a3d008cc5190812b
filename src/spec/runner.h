// `gust spec`: the WebAssembly core test suite, each module dissolved for the
// Cortex-M3 and executed on the emulated core through the AAPCS.
#pragma once
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace gust::spec {

namespace fs = std::filesystem;

struct Options {
  bool verbose = false;                      // show each rejection's message
  bool quiet = false;                        // collect failures without printing them (for --json)
  fs::path work_dir;                         // wast2json output and linked images
  std::map<std::string, std::string> skips;  // "file.wast:line" -> reason
};

struct Totals {
  uint64_t passed = 0, failed = 0, skipped = 0;
  // passed/failed per command kind (assert_return, assert_trap, ...)
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_kind;
  std::vector<std::string> failures;  // one line each, as printed
  void add(const Totals& o);
};

// Reads a skip list: lines "file.wast:line reason"; '#' starts a comment.
std::map<std::string, std::string> read_skips(const fs::path& file);

// wast2json's output made valid JSON: it leaves out the commas between the
// result types of a multi-value assert_trap, assert_exhaustion or action.
std::string repair_wast2json(const std::string& text);

// Runs one .wast file; failures are printed to `out` as they happen.
Totals run_file(const fs::path& wast, const Options& opts, std::ostream& out);

}  // namespace gust::spec
