// The fuzzers' kept inputs, replayed without a fuzzer: every crash input
// found (tests/fuzz/regressions/<target>/) and the kept corpora (the shipped
// drivers, the red-team modules, the nodes, the chip, the WIT) must be handled
// as the targets' contracts say (tests/fuzz/targets.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz/targets.h"

namespace gust::limits_test {
namespace {

namespace fs = std::filesystem;

using Target = std::optional<std::string> (*)(const uint8_t*, size_t);

// Replays every file under tests/fuzz/<folder>; returns how many there were.
size_t replay(const std::string& folder, Target target) {
  const fs::path dir = fs::path(GUST_SOURCE_DIR) / "tests/fuzz" / folder;
  size_t n = 0;
  if (!fs::is_directory(dir)) return 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == "README") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto broken = target(bytes.data(), bytes.size());
    EXPECT_FALSE(broken) << entry.path() << ": " << *broken;
    ++n;
  }
  return n;
}

TEST(LimitsFuzz, EveryKeptCrashInputIsHandled) {
  const size_t n = replay("regressions/dissolve", fuzz::wasm_module) + replay("regressions/manifest", fuzz::manifest) +
                   replay("regressions/wit", fuzz::wit);
  EXPECT_GT(n, 0u) << "no regression inputs kept";
}

TEST(LimitsFuzz, TheManifestCorpusIsHandled) { EXPECT_GT(replay("corpus/manifest", fuzz::manifest), 0u); }

TEST(LimitsFuzz, TheWasmCorpusIsHandled) { EXPECT_GT(replay("corpus/dissolve", fuzz::wasm_module), 0u); }

TEST(LimitsFuzz, TheWitCorpusIsHandled) { EXPECT_GT(replay("corpus/wit", fuzz::wit), 0u); }

}  // namespace
}  // namespace gust::limits_test
