// `gust prove`'s driver: for each harness, the modules taking part and the
// memory each has on the image, the static sites of its assertions and
// covers, one run of the engine, and the verdict that run supports.
#include <chrono>

#include "prove/engine.h"
#include "wasm/reader.h"

namespace gust::prove {

using namespace detail;
using wasm::ExternKind;
using wasm::Op;

namespace {

struct Sites {
  std::map<size_t, std::optional<uint32_t>> asserts, covers;  // offset -> the constant id the call passes, if any
};

// The gust_assert and gust_cover calls in the harness module's code that
// `roots` reach through direct calls: each must be reached by some path.
Sites scan_sites(const wasm::Module& m, std::vector<uint32_t> roots) {
  Sites s;
  std::set<uint32_t> seen;
  while (!roots.empty()) {
    const uint32_t f = roots.back();
    roots.pop_back();
    if (!seen.insert(f).second || m.import_of(ExternKind::Func, f)) continue;
    const wasm::Function& fn = m.functions[f - m.imported(ExternKind::Func)];
    wasm::Reader r(m.bytes, fn.body_begin, fn.body_end);
    wasm::Instr in, prev;
    while (!r.at_end()) {
      wasm::read_instr(r, in, true);
      if (in.op == Op::Call) {
        if (const wasm::Import* im = m.import_of(ExternKind::Func, in.a)) {
          std::optional<uint32_t> id;
          if (prev.op == Op::I32Const) id = uint32_t(prev.value);
          if (im->module == "gust:prove" && im->name == "assert") s.asserts[in.offset] = id;
          if (im->module == "gust:prove" && im->name == "cover") s.covers[in.offset] = id;
        } else {
          roots.push_back(in.a);
        }
      }
      prev = in;
    }
  }
  return s;
}

// What the run supports, once it ended without a failure or an error.
void settle(Verdict& v, const Engine& eng, const Sites& sites, bool separate_driver) {
  if (!eng.inconclusive.empty()) {
    v.status = Verdict::Inconclusive;
    for (const auto& why : eng.inconclusive) v.reason += (v.reason.empty() ? "" : "; ") + why;
    if (v.paths == 0) v.reason += "; and no path reached the harness's end";
    return;
  }
  auto vacuous = [&](const std::string& why) {
    v.status = Verdict::Vacuous;
    v.reason = why;
  };
  if (v.paths == 0) {
    std::string cut;
    for (const auto& a : v.assumptions)
      if (a.cut) cut += (cut.empty() ? "" : "; ") + a.what + " at " + hex(a.offset) + " cut " + std::to_string(a.cut);
    vacuous("no execution satisfies the assumptions: every path was cut (" + cut + ")");
    return;
  }
  for (const auto& [at, id] : sites.asserts)
    if (!eng.assertions.count(at) || eng.assertions.at(at).checks == 0) {
      vacuous("the assertion at " + hex(at) + (id ? " (id " + std::to_string(*id) + ")" : std::string()) +
              " is never reached by an execution the assumptions allow");
      return;
    }
  for (const auto& [at, id] : sites.covers) {
    const auto it = eng.covers.find(at);
    if (it == eng.covers.end() || it->second.hit.empty()) {
      vacuous("the cover at " + hex(at) + (id ? " (id " + std::to_string(*id) + ")" : std::string()) + " is " +
              (it == eng.covers.end() ? "never reached" : "never satisfied") +
              " by an execution the assumptions allow");
      return;
    }
  }
  if (separate_driver && !eng.entered_driver) {
    vacuous("the harness never calls the driver");
    return;
  }
  v.status = Verdict::Successful;
}

Verdict prove_one(const wasm::Module& harness, const wasm::Module* driver, const Options& opts,
                  const Result<SeamModel>& seam, const wasm::Export& e) {
  Verdict v;
  v.harness = e.name;
  if (!seam) {
    v.reason = "the seam model: " + seam.error().str();
    return v;
  }
  if (!harness.func_type(e.index).params.empty() || harness.import_of(ExternKind::Func, e.index)) {
    v.reason = "a harness takes no parameters and is defined in the module";
    return v;
  }
  z3::context c;
  std::vector<Unit> units;
  units.emplace_back(&harness, "harness");
  if (driver && driver != &harness) units.emplace_back(driver, "driver");
  const int d = driver ? (driver == &harness ? 0 : 1) : -1;
  for (size_t i = 0; i < units.size(); ++i) {
    // The driver has the image's region; a separate harness, which does
    // not ship, has its own declared memory as gust dissolve places it.
    const bool is_driver = int(i) == d;
    auto mem = is_driver ? image_memory(*units[i].m, opts.env.memory_bytes, opts.env.memory_max_bytes)
                         : image_memory(*units[i].m, std::nullopt, std::nullopt);
    if (!mem) {
      v.reason = "the " + units[i].name + "'s memory on the image: " + mem.error().str();
      return v;
    }
    units[i].memory = *mem;
  }
  v.environment = describe(opts.env, d >= 0 ? units[size_t(d)].memory : ImageMemory{});
  Engine eng(c, units, *seam, opts, v);
  eng.driver = d;
  std::vector<uint32_t> roots{e.index};
  if (harness.start) roots.push_back(*harness.start);
  const Sites sites = scan_sites(harness, roots);
  try {
    eng.run(e.index);
    v.status = Verdict::Successful;
  } catch (const Stop&) {
  } catch (const z3::exception& x) {
    v.status = Verdict::Error;
    v.reason = std::string("internal error in the prover (Z3: ") + x.msg() + ")";
  }
  for (const auto& [at, a] : eng.assumptions) v.assumptions.push_back(a);
  for (const auto& [at, id] : sites.asserts) {
    AssertionReport a = eng.assertions.count(at) ? eng.assertions.at(at) : AssertionReport{at, {}, 0};
    if (a.ids.empty() && id) a.ids.push_back(*id);
    v.assertions.push_back(a);
  }
  for (const auto& [at, id] : sites.covers) {
    CoverReport r = eng.covers.count(at) ? eng.covers.at(at) : CoverReport{at, {}, false};
    v.covers.push_back(r);
  }
  v.inconclusive.assign(eng.inconclusive.begin(), eng.inconclusive.end());
  if (v.status == Verdict::Successful) settle(v, eng, sites, d > 0);
  z3::stats st = eng.solver().statistics();
  for (unsigned i = 0; i < st.size(); ++i) {
    if (st.is_uint(i))
      v.solver_stats[st.key(i)] = st.uint_value(i);
    else
      v.solver_stats[st.key(i)] = st.double_value(i);
  }
  return v;
}

}  // namespace

std::vector<Verdict> prove(const wasm::Module& harness, const wasm::Module* driver, const Options& opts) {
  std::vector<Verdict> out;
  const Result<SeamModel> seam = seam_model(opts.env);
  // The executor trusts the validator (block types, stack heights).
  std::string invalid;
  if (auto r = wasm::validate(harness); !r) invalid = "the harness module is invalid: " + r.error().str();
  if (driver && driver != &harness)
    if (auto r = wasm::validate(*driver); !r) invalid = "the driver module is invalid: " + r.error().str();
  for (const auto& e : harness.exports) {
    if (e.kind != ExternKind::Func || e.name.rfind("gust_proof_", 0) != 0) continue;
    if (!opts.harnesses.empty() &&
        std::find(opts.harnesses.begin(), opts.harnesses.end(), e.name) == opts.harnesses.end() &&
        std::find(opts.harnesses.begin(), opts.harnesses.end(), e.name.substr(11)) == opts.harnesses.end())
      continue;
    const auto start = std::chrono::steady_clock::now();
    Verdict v;
    if (!invalid.empty()) {
      v.harness = e.name;
      v.reason = invalid;
    } else {
      v = prove_one(harness, driver, opts, seam, e);
    }
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace gust::prove
