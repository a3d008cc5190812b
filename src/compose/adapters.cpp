// Part of stage "generate" of `gust build`: the wiring's adapters, one per
// wired call that passes or returns a list<u8> (wiring.cpp finds them). The
// app's call links to the adapter instead of the instance's export; the
// adapter copies each list from the app's region into the callee's transfer
// buffer (bridge_wire.h checks the app's range against its region's size and
// the length against the buffer), calls the export with the buffer's
// offsets, and copies a list result back into the app's buffer, both ranges
// checked. It is native, in the trusted bridge, because it is the one code
// that addresses two regions: dissolved code reaches only its own, which is
// what gust audit holds it to. Each is a few instructions around the copy
// loops, which the report counts in the bridge.
#include <sstream>

#include "compose/stages.h"
#include "dissolve/dissolve.h"

namespace gust::compose {

std::string wire_adapters_source(const Wiring& w) {
  if (w.list_calls.empty()) return "";
  const std::string app = dissolve::memory_symbol(std::string(kAppInstance) + "_");
  std::ostringstream s;
  s << "\n/* The wiring's adapters: list<u8> copied between regions, both ranges checked,\n"
    << "   at most " << kListMaxBytes << " bytes a call each way (GUST_TRAP_LIST_TOO_LONG beyond). */\n"
    << "#include \"bridge_wire.h\"\n"
    << "extern uint8_t " << app << "[];\nextern const uint32_t " << app << dissolve::kMemoryBytesSymbol << ";\n";
  std::set<std::string> callees;
  for (const auto& lc : w.list_calls)
    if (callees.insert(lc.instance).second)
      s << "extern uint8_t " << dissolve::memory_symbol(lc.instance + "_") << "[];\n";
  for (const auto& lc : w.list_calls) {
    const TransferBuffer& tb = w.buffers.at(lc.instance);
    const std::string callee = dissolve::memory_symbol(lc.instance + "_");
    const std::string ret = lc.core.result ? lc.core.result->host : "void";
    std::string params, args;
    for (size_t k = 0; k < lc.core.params.size(); ++k) {
      const auto& p = lc.core.params[k];
      params += (k ? ", " : "") + p.host + " " + p.name;
    }
    if (params.empty()) params = "void";
    s << "\n/* " << kAppInstance << " -> " << lc.what << " */\n"
      << ret << " " << lc.target << "(" << params << ");\n"
      << ret << " " << lc.adapter << "(" << params << ") {\n";
    bool used = false;
    for (size_t k = 0; k < lc.core.params.size(); ++k) {
      const std::string& n = lc.core.params[k].name;
      if (!lc.list_at[k]) continue;
      const std::string& len = lc.core.params[k + 1].name;
      if (!used) s << "  uint32_t gust__used = 0;\n";
      used = true;
      s << "  gust_wire_copy_in(" << callee << " + " << *tb.in << "u + gust__used, " << kListMaxBytes
        << "u - gust__used, " << app << ", " << app << dissolve::kMemoryBytesSymbol << ", " << n << ", " << len
        << ");\n"
        << "  const uint32_t gust__at_" << n << " = " << *tb.in << "u + gust__used;\n"
        << "  gust__used += " << len << ";\n";
    }
    for (size_t k = 0; k < lc.core.params.size(); ++k) {
      const std::string& n = lc.core.params[k].name;
      const bool out = lc.list_result && k + 1 == lc.core.params.size();
      args += (k ? ", " : "") + (lc.list_at[k] ? "gust__at_" + n : out ? std::to_string(*tb.out) + "u" : n);
    }
    if (lc.list_result) {
      const std::string& out = lc.core.params.back().name;
      // At most what the caller asked for (its buffer holds `max`) and what the buffer holds.
      const std::string& max = lc.core.params[lc.max_at].name;
      s << "  const uint32_t gust__n = " << lc.target << "(" << args << ");\n"
        << "  gust_wire_copy_out(" << app << ", " << app << dissolve::kMemoryBytesSymbol << ", " << out << ", "
        << callee << " + " << *tb.out << "u, " << max << " < " << kListMaxBytes << "u ? " << max << " : "
        << kListMaxBytes << "u, gust__n);\n"
        << "  return gust__n;\n";
    } else {
      s << "  " << (lc.core.result ? "return " : "") << lc.target << "(" << args << ");\n";
    }
    s << "}\n";
  }
  return s.str();
}

}  // namespace gust::compose
