// WIT function -> core-wasm signature at the seam: the one lowering that
// `gust bind` prints as C and the seam check compares modules with.
#include <set>

#include "wit/wit.h"

namespace gust::wit {

namespace {

struct Scalar {
  const char* wit;
  wasm::ValType type;
  const char* c;
};

// Each WIT scalar once: its core type and its C type on the driver's side.
constexpr Scalar kScalars[] = {
    {"u8", wasm::ValType::I32, "uint8_t"},   {"u16", wasm::ValType::I32, "uint16_t"},
    {"u32", wasm::ValType::I32, "uint32_t"}, {"u64", wasm::ValType::I64, "uint64_t"},
    {"s8", wasm::ValType::I32, "int8_t"},    {"s16", wasm::ValType::I32, "int16_t"},
    {"s32", wasm::ValType::I32, "int32_t"},  {"s64", wasm::ValType::I64, "int64_t"},
    {"bool", wasm::ValType::I32, "bool"},
};

const Scalar* scalar(const Type& t) {
  if (!t.args.empty()) return nullptr;
  for (const auto& s : kScalars)
    if (t.name == s.wit) return &s;
  return nullptr;
}

// The bridge is C compiled natively: a bool arrives as the i32 the wasm
// caller passed, so the host takes the whole register rather than trust it.
FlatValue flat(const Scalar& s, std::string name) {
  const std::string c = s.c;
  return {s.type, c, c == "bool" ? "uint32_t" : c, std::move(name)};
}

bool is_list_of_u8(const Type& t) { return t.name == "list" && t.args.size() == 1 && t.args[0].name == "u8"; }

// option<u8|u16> packs into one i32 because -1 is no value of either; a
// signed payload could be -1 itself, so it is not packed.
bool is_packable_option(const Type& t) {
  return t.name == "option" && t.args.size() == 1 && (t.args[0].name == "u8" || t.args[0].name == "u16");
}

}  // namespace

wasm::FuncType CoreFunc::type() const {
  wasm::FuncType t;
  for (const auto& p : params) t.params.push_back(p.type);
  if (result) t.results.push_back(result->type);
  return t;
}

Result<CoreFunc> lower(const Func& f, const std::string& file) {
  const std::string where = file + ":" + std::to_string(f.line) + ":1";
  auto refuse = [&](const std::string& why) {
    return Error::make(Error::Kind::Unsupported, "function '" + f.name + "': " + why, where);
  };
  CoreFunc core;
  for (const auto& p : f.params) {
    const std::string n = c_name(p.name);
    if (is_list_of_u8(p.type)) {
      core.params.push_back({wasm::ValType::I32, "const uint8_t*", "uint32_t", n});
      core.params.push_back({wasm::ValType::I32, "uint32_t", "uint32_t", n + "_len"});
    } else if (const Scalar* s = scalar(p.type)) {
      core.params.push_back(flat(*s, n));
    } else {
      return refuse("parameter '" + p.name + "' of type " + p.type.str() +
                    " does not cross the seam (integers, bool and list<u8> do)");
    }
  }
  if (f.results.size() > 1) return refuse("more than one result; the seam returns at most one core value");
  if (!f.results.empty()) {
    const Type& r = f.results[0];
    if (const Scalar* s = scalar(r)) {
      core.result = flat(*s, "");
    } else if (is_packable_option(r)) {
      core.result = FlatValue{wasm::ValType::I32, "int32_t", "int32_t", ""};
    } else if (is_list_of_u8(r)) {
      // The caller owns the buffer, so the bridge never allocates in wasm
      // memory; the length written comes back as the one result.
      core.params.push_back({wasm::ValType::I32, "uint8_t*", "uint32_t", "out"});
      core.result = FlatValue{wasm::ValType::I32, "uint32_t", "uint32_t", ""};
    } else if (r.name == "option" || r.name == "result") {
      return refuse("result type " + r.str() +
                    " flattens to more than one core value, and gust has no return-pointer convention at the seam "
                    "(option<u8> and option<u16> pack into one i32)");
    } else {
      return refuse("result type " + r.str() + " does not cross the seam");
    }
  }
  std::set<std::string> names;
  for (const auto& p : core.params)
    if (!names.insert(p.name).second)
      return refuse("two C parameters would be named '" + p.name + "' (a list's _len, or a list result's out)");
  return core;
}

std::string func_text(const wasm::FuncType& t) {
  std::string s = "(func";
  auto group = [&](const char* kw, const std::vector<wasm::ValType>& ts) {
    if (ts.empty()) return;
    s += std::string(" (") + kw;
    for (auto v : ts) s += std::string(" ") + wasm::name(v);
    s += ")";
  };
  group("param", t.params);
  group("result", t.results);
  return s + ")";
}

}  // namespace gust::wit
