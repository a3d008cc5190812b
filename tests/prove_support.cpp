// Helpers for the prover's tests.
#include "prove_support.h"

#include <gtest/gtest.h>

#include "compose/compose.h"
#include "wit/wit.h"

namespace gust::test {

wasm::Module module_from_cpp(const std::string& source, const std::string& tag, std::vector<std::string> flags) {
  fs::path out = scratch("prove-" + tag) / (tag + ".wasm");
  auto r = compose::compile_driver(source_root() / source, out, 0, flags);
  EXPECT_TRUE(r) << (r ? "" : r.error().str());
  auto m = wasm::decode(read_file(out));
  EXPECT_TRUE(m) << source;
  return m ? std::move(*m) : wasm::Module{};
}

wasm::Module module_from_wat(const std::string& source, const std::string& tag) {
  fs::path out = scratch("prove-" + tag) / (tag + ".wasm");
  auto r = compose::run_tool({"wat2wasm", (source_root() / source).string(), "-o", out.string()});
  EXPECT_EQ(r.status, 0) << r.output;
  auto m = wasm::decode(read_file(out));
  EXPECT_TRUE(m) << source;
  return m ? std::move(*m) : wasm::Module{};
}

const wasm::Module& shipped_driver() {
  static const wasm::Module m = module_from_cpp("drivers/uart-thin/uart.cpp", "shipped-driver");
  return m;
}

prove::Options prove_options() {
  static const wit::Package pkg = [] {
    auto p = wit::parse_file(source_root() / "wit/gust-hal.wit");
    EXPECT_TRUE(p) << (p ? "" : p.error().str());
    return p ? *p : wit::Package{};
  }();
  prove::Options o;
  o.env.wit = pkg;
  o.env.wit_file = "wit/gust-hal.wit";
  o.env.world = "driver-thin";
  o.env.grants = {0x400, 1};
  o.env.origin = "test";
  return o;
}

const prove::Verdict& verdict(const std::vector<prove::Verdict>& vs, const std::string& name) {
  for (const auto& v : vs)
    if (v.harness == "gust_proof_" + name) return v;
  static prove::Verdict none;
  ADD_FAILURE() << "no harness " << name;
  return none;
}

}  // namespace gust::test
