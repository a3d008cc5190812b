// Inside `gust prove`: the symbolic executor's state and engine, shared by
// the bytecode semantics (symexec.cpp), the environment around the bytecode
// (environment.cpp: instantiation, memory, the seam, the harness API) and
// the driver that turns a run into a verdict (prove.cpp).
#pragma once
#include <z3++.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "prove/prove.h"
#include "wasm/reader.h"

namespace gust::prove::detail {

constexpr uint64_t kPage = 65536;

std::string hex(uint64_t v);  // 0x1f

// One module taking part in the proof, with its control-flow side table.
struct Unit {
  const wasm::Module* m = nullptr;
  std::string name;                          // "harness" or "driver"
  std::map<size_t, size_t> end_of, else_of;  // block/loop/if opcode offset -> its end / else offset
  ImageMemory memory;
  Unit(const wasm::Module* mod, std::string n);
};

struct Label {
  bool loop = false;
  size_t cont = 0;     // where a branch to this label continues
  uint32_t arity = 0;  // values a branch carries
  size_t height = 0;   // operand stack height below the block
  size_t key = 0;      // the loop's opcode offset
};

struct Frame {
  int unit = 0;
  uint32_t func = 0;
  std::vector<z3::expr> locals;
  size_t pc = 0, end = 0;
  std::vector<Label> labels;
  size_t base = 0;
  uint32_t nresults = 0;
};

struct Event {
  const SeamFunc* call;
  z3::expr arg, value;
};

// A gust_assume_read32 in force on a path.
struct EnvAssume {
  uint32_t offset, after, mask, expect;
  size_t site;  // the call's offset in the harness
};

struct State {
  z3::expr pc;
  std::vector<Frame> frames;
  std::vector<z3::expr> stack;
  std::vector<z3::expr> mem;    // per unit: address -> byte
  std::vector<z3::expr> pages;  // per unit: current pages, for a growable region
  std::vector<std::vector<z3::expr>> globals;
  std::vector<Event> trace;
  std::vector<std::pair<std::string, z3::expr>> inputs;
  std::map<std::pair<size_t, size_t>, uint32_t> loops;
  std::vector<EnvAssume> env;
  explicit State(z3::context& c) : pc(c.bool_val(true)) {}
};

// Unwinds exec() when the harness's verdict is settled (Failed or Error).
struct Stop {};
// Ends one path: an assumption left it no execution (counted as cut), or a
// bound stopped it (recorded as inconclusive, counted as dropped).
struct Cut {};
struct Dropped {};

// vector::resize needs a default constructor, which z3::expr lacks.
inline void truncate(std::vector<z3::expr>& v, size_t n) { v.erase(v.begin() + long(n), v.end()); }

class Engine {
 public:
  Engine(z3::context& c, std::vector<Unit>& units, const SeamModel& seam, const Options& o, Verdict& v);
  // Explores every path of `func` in unit 0 after instantiating every unit.
  void run(uint32_t func);
  int driver = -1;  // the unit the harness's "driver" imports resolve to

  // What the run saw, for the verdict (prove.cpp).
  std::set<std::string> inconclusive;
  std::map<size_t, AssumptionReport> assumptions;
  std::map<size_t, AssertionReport> assertions;
  std::map<size_t, CoverReport> covers;
  bool entered_driver = false;
  z3::solver& solver() { return s_; }

 private:
  // ---- the bytecode (symexec.cpp)
  z3::expr bv(uint64_t v, unsigned bits) { return c_.bv_val(v, bits); }
  z3::expr b2bv(const z3::expr& b) { return z3::ite(b, bv(1, 32), bv(0, 32)); }
  z3::expr fresh(const std::string& what, unsigned bits) {
    return c_.bv_const((what + "#" + std::to_string(counter_++)).c_str(), bits);
  }
  // Whether `cond` can hold; an "unknown" answer counts as yes and makes
  // the verdict INCONCLUSIVE.
  bool feasible(const z3::expr& cond, const std::string& what);
  // Fails the harness if `bad` can hold on this path; otherwise assumes it doesn't.
  void check(State& st, const z3::expr& bad, const std::string& reason, uint32_t trap, size_t offset,
             const z3::expr* id_expr = nullptr);
  void fail(State& st, const z3::model& m, const std::string& reason, uint32_t trap, size_t offset);
  void exec(State& st);
  void step(State& st, const wasm::Instr& in);
  void enter(State& st, int unit, uint32_t func, std::vector<z3::expr> args);
  void branch(State& st, uint32_t depth);
  bool fork(State& st, const z3::expr& cond);  // true: continue with cond; the other side is queued
  void call(State& st, const wasm::Instr& in);
  [[noreturn]] void error(const std::string& why);
  [[noreturn]] void drop(const std::string& why);  // records the bound and throws Dropped
  void inconclusive_because(const std::string& why) { inconclusive.insert(why); }

  // ---- the environment (environment.cpp)
  void instantiate(State& st);
  void import_call(State& st, const wasm::Import& im, size_t offset);
  void prove_api(State& st, const std::string& fn, size_t offset);
  void seam_call(State& st, const SeamFunc& f, size_t offset);
  // Narrows the path by an assumption; a path it leaves empty is cut.
  void assume(State& st, const z3::expr& cond, size_t site, const std::string& what);
  // The one value `e` has on this path, or an ERROR naming `what`.
  uint64_t concrete(State& st, const z3::expr& e, const std::string& what);
  z3::expr memory_bytes(State& st, int unit);
  z3::expr load(State& st, int unit, const z3::expr& addr, uint32_t offset, unsigned bytes, size_t at);
  void store(State& st, int unit, const z3::expr& addr, uint32_t offset, const z3::expr& v, unsigned bytes, size_t at);
  // An atomic load, store, read-modify-write or cmpxchg (symexec.cpp).
  void atomic(State& st, int unit, const wasm::Instr& in);
  z3::expr memory_size(State& st, int unit);
  z3::expr memory_grow(State& st, int unit, const z3::expr& delta);

  z3::context& c_;
  z3::solver s_;
  std::vector<Unit>& units_;
  const SeamModel& seam_;
  const Options& o_;
  Verdict& v_;
  std::vector<State> work_;
  uint64_t counter_ = 0;
  bool forked_ = false;
};

}  // namespace gust::prove::detail
