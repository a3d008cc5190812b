// A verdict of `gust prove` for people (text) and tools (JSON): the status,
// the counterexample of a failure, and everything the verdict rests on.
#include <cstdio>
#include <sstream>

#include "prove/prove.h"

namespace gust::prove {

const char* status_name(Verdict::Status s) {
  switch (s) {
    case Verdict::Successful:
      return "VERIFICATION SUCCESSFUL";
    case Verdict::Failed:
      return "VERIFICATION FAILED";
    case Verdict::Vacuous:
      return "VACUOUS";
    case Verdict::Inconclusive:
      return "INCONCLUSIVE";
    case Verdict::Error:
      return "ERROR";
  }
  return "?";
}

namespace {

std::string hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
  return buf;
}

std::string ids_text(const std::vector<uint32_t>& ids) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : ", ") + std::to_string(id);
  return s;
}

}  // namespace

nlohmann::json Verdict::json() const {
  nlohmann::json j = {{"harness", harness},      {"status", status_name(status)}, {"seconds", seconds},
                      {"paths", paths},          {"paths_cut", paths_cut},        {"paths_dropped", paths_dropped},
                      {"solver_checks", checks}, {"solver_stats", solver_stats},  {"environment", environment}};
  if (!reason.empty()) j["reason"] = reason;
  j["inconclusive"] = inconclusive;
  j["assumptions"] = nlohmann::json::array();
  for (const auto& a : assumptions)
    j["assumptions"].push_back({{"what", a.what}, {"offset", a.offset}, {"applied", a.applied}, {"cut", a.cut}});
  j["assertions"] = nlohmann::json::array();
  for (const auto& a : assertions)
    j["assertions"].push_back({{"offset", a.offset}, {"ids", a.ids}, {"checks", a.checks}});
  j["covers"] = nlohmann::json::array();
  for (const auto& c : covers) j["covers"].push_back({{"offset", c.offset}, {"reached", c.reached}, {"hit", c.hit}});
  if (status == Failed) {
    nlohmann::json cex = {{"assertion", assertion}, {"trap", trap}, {"offset", offset}, {"module", module}};
    cex["inputs"] = nlohmann::json::object();
    for (const auto& [n, v] : inputs) cex["inputs"][n] = v;
    cex["trace"] = nlohmann::json::array();
    for (const auto& t : trace) cex["trace"].push_back({{"call", t.call}, {"arg", t.arg}, {"value", t.value}});
    j["counterexample"] = cex;
  }
  return j;
}

std::string Verdict::text() const {
  std::ostringstream s;
  char buf[200];
  snprintf(buf, sizeof buf, "%s: %s (%.3f s, %llu path%s, %llu cut, %llu dropped, %llu solver checks)", harness.c_str(),
           status_name(status), seconds, (unsigned long long)paths, paths == 1 ? "" : "s",
           (unsigned long long)paths_cut, (unsigned long long)paths_dropped, (unsigned long long)checks);
  s << buf << "\n";
  if (!reason.empty() && status != Successful) s << "  " << reason << "\n";
  if (status == Failed) {
    s << "  at wasm offset " << hex(offset) << " in the " << module
      << (assertion ? " (assertion id " + std::to_string(assertion) + ")" : std::string())
      << (trap ? " (gust_trap " + std::to_string(trap) + " on the image)" : std::string()) << "\n";
    for (const auto& [n, v] : inputs) {
      snprintf(buf, sizeof buf, "  input %s = 0x%08llx\n", n.c_str(), (unsigned long long)v);
      s << buf;
    }
    s << "  trace:" << (trace.empty() ? " (no seam calls)" : "") << "\n";
    for (size_t i = 0; i < trace.size(); ++i) {
      const auto& t = trace[i];
      const bool writes = t.call.find("write") != std::string::npos || t.call == "irq.enable";
      if (writes)
        snprintf(buf, sizeof buf, "    %zu: %s(0x%llx, 0x%08llx)", i, t.call.c_str(), (unsigned long long)t.arg,
                 (unsigned long long)t.value);
      else
        snprintf(buf, sizeof buf, "    %zu: %s(0x%llx) -> 0x%08llx", i, t.call.c_str(), (unsigned long long)t.arg,
                 (unsigned long long)t.value);
      s << buf << (i + 1 == trace.size() && trap >= 10 ? "  <- the bridge traps here" : "") << "\n";
    }
  }
  if (status == Error) return s.str();
  if (!assertions.empty()) {
    s << "  assertions:";
    for (const auto& a : assertions)
      s << " " << hex(a.offset) << (a.ids.empty() ? "" : " (id " + ids_text(a.ids) + ")") << " "
        << (a.checks ? "checked " + std::to_string(a.checks) + "x" : "never reached") << ";";
    s << "\n";
  }
  for (const auto& a : assumptions)
    s << "  assumption " << a.what << " at " << hex(a.offset) << ": applied " << a.applied << "x, cut " << a.cut
      << (a.cut == 1 ? " path" : " paths") << "\n";
  for (const auto& c : covers)
    s << "  cover at " << hex(c.offset) << ": "
      << (c.hit.empty() ? (c.reached ? "never satisfied" : "never reached") : "hit (id " + ids_text(c.hit) + ")")
      << "\n";
  if (!environment.empty()) {
    s << "  environment:\n";
    for (const auto& e : environment) s << "    " << e << "\n";
  }
  return s.str();
}

}  // namespace gust::prove
