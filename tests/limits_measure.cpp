// Measures gust on the worst-case modules: each family at a scale, decoded,
// validated and dissolved in a child process, with its verdict, wall time and
// peak RSS. Not a test (wall time is not deterministic); the caps in
// src/wasm/limits.h were chosen from its output.
//   limits_measure FAMILY SCALE[xAUX]...  one family at the given scales
//   limits_measure --caps              every family at its cap, and what refuses it just over
//   limits_measure --write DIR FAMILY SCALE   also writes DIR/FAMILY-SCALE.wasm
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "limits_modules.h"
#include "limits_run.h"

using namespace gust::limits_test;

static void report(const std::string& family, const std::string& scale, const Bytes& wasm) {
  const Verdict v = run_in_child(wasm, kMeasureMemoryCap);
  printf("%-22s %12s %9zu B  %-9s %7.2f s wall %7.2f s cpu %7.0f MiB  %s\n", family.c_str(), scale.c_str(), wasm.size(),
         v.outcome.c_str(), v.seconds, v.cpu_seconds, v.max_rss_bytes / 1048576.0, v.message.substr(0, 100).c_str());
  fflush(stdout);
}

int main(int argc, char** argv) {
  std::string dir;
  int i = 1;
  if (argc > 2 && !strcmp(argv[1], "--write")) {
    dir = argv[2];
    i = 3;
  }
  if (i < argc && !strcmp(argv[i], "--caps")) {
    for (const auto& c : worst_cases()) {
      const CapPoint p = find_cap(c);
      if (!p.at) {
        printf("%-22s refused at scale 1: %s\n", c.family.c_str(), p.refusal.str().c_str());
        continue;
      }
      report(c.family, std::to_string(p.at), c.make(p.at, 0));
      printf("%-22s %12s  %s\n", "", p.over ? std::to_string(p.over).c_str() : "(none)",
             p.over ? p.refusal.str().substr(0, 150).c_str() : "accepted at the search's end");
      fflush(stdout);
    }
    return 0;
  }
  if (argc - i < 2) {
    fprintf(stderr, "usage: limits_measure [--write DIR] FAMILY SCALE... | --caps\nfamilies:\n");
    for (const auto& c : worst_cases()) fprintf(stderr, "  %-22s %s\n", c.family.c_str(), c.what.c_str());
    return 2;
  }
  const WorstCase* c = find_case(argv[i]);
  if (!c) {
    fprintf(stderr, "limits_measure: no family '%s'\n", argv[i]);
    return 2;
  }
  for (int k = i + 1; k < argc; ++k) {
    // SCALE or SCALExAUX
    const std::string arg = argv[k];
    const size_t x = arg.find('x');
    const Bytes wasm =
        c->make(std::stoull(arg.substr(0, x)), x == std::string::npos ? 0 : std::stoull(arg.substr(x + 1)));
    if (!dir.empty())
      std::ofstream(dir + "/" + c->family + "-" + argv[k] + ".wasm", std::ios::binary)
          .write(reinterpret_cast<const char*>(wasm.data()), std::streamsize(wasm.size()));
    report(c->family, arg, wasm);
  }
  return 0;
}
