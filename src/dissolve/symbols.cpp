// The symbols a dissolved object defines and references: imports, exports,
// the region, tables, signatures. Each namespace is disjoint from the others
// (see dissolve.h), so that no name a module chooses reaches a symbol it was
// not given: another instance's, the bridge's, gust's own.
#include <llvm/Demangle/Demangle.h>

#include <cstdlib>
#include <set>

#include "dissolve/dissolve.h"

namespace gust::dissolve {

namespace {

bool lower_letter(char c) { return c >= 'a' && c <= 'z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool ident_char(char c) { return lower_letter(c) || (c >= 'A' && c <= 'Z') || digit(c) || c == '_'; }

std::string hex(const uint8_t* bytes, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}
std::string hex(const std::string& s) { return hex(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

// A WIT word as gust reads it: a lowercase letter, then lowercase letters
// and digits.
bool word(const std::string& s) {
  if (s.empty() || !lower_letter(s[0])) return false;
  for (char c : s)
    if (!lower_letter(c) && !digit(c)) return false;
  return true;
}

// Kebab case (words joined by single '-') as snake case (by single '_'), or
// "" when s is not kebab case.
std::string snake(const std::string& s) {
  std::string out;
  for (size_t from = 0;;) {
    const size_t dash = s.find('-', from);
    const std::string w = s.substr(from, dash == std::string::npos ? std::string::npos : dash - from);
    if (!word(w)) return "";
    out += w;
    if (dash == std::string::npos) return out;
    out += '_';
    from = dash + 1;
  }
}

bool c_identifier(const std::string& s) {
  if (s.empty() || digit(s[0])) return false;
  for (char c : s)
    if (!ident_char(c)) return false;
  return true;
}

}  // namespace

bool valid_prefix(const std::string& prefix) {
  if (prefix.empty()) return true;
  const std::string name = prefix.substr(0, prefix.size() - 1);
  // "gust_" would put the instance's exports among gust's own symbols.
  return prefix.back() == '_' && word(name) && name != "gust";
}

// Two forms, each one-to-one, whose images are disjoint:
// - readable: ns_pkg_iface__name. ns and pkg hold no '_'; iface and name hold
//   no "__" and neither starts or ends with '_'; so the first two '_' and the
//   one "__" split the symbol back into its parts, and '_' back into '-'
//   (no part has a '_' of its own). A letter or digit precedes its "__".
// - escaped: gust_i_<hex>_<hex>. Hex has no '_', so the '_' after the
//   module's hex splits it. Its one possible "__" (an empty module) follows
//   "gust_i_", not a letter or digit, so it is never readable.
std::string import_symbol(const std::string& module, const std::string& name, const std::string& prefix) {
  const size_t colon = module.find(':'), slash = module.find('/');
  if (colon != std::string::npos && slash != std::string::npos && colon < slash) {
    const std::string ns = module.substr(0, colon), pkg = module.substr(colon + 1, slash - colon - 1);
    const std::string iface = snake(module.substr(slash + 1)), fn = snake(name);
    if (word(ns) && word(pkg) && !iface.empty() && !fn.empty())
      return prefix + ns + "_" + pkg + "_" + iface + "__" + fn;
  }
  return prefix + "gust_i_" + hex(module) + "_" + hex(name);
}

// One-to-one: a name that is a C identifier starting gust_ is refused (see
// export_refusal), so gust_x_ symbols come from other names only.
std::string export_symbol(const std::string& name, const std::string& prefix) {
  if (c_identifier(name)) return prefix + name;
  return prefix + "gust_x_" + hex(name);
}

std::string export_refusal(const std::string& name, const std::string& prefix) {
  if (!c_identifier(name)) return "";  // gust_x_<hex>: gust chose it
  if (name.rfind("gust_", 0) == 0)
    return "names starting with gust_ are gust's own (the bridge's functions, gust_trap, the interrupt handlers, "
           "the memory region, tables and start function)";
  if (!prefix.empty()) return "";
  if (name[0] == '_') return "with no instance prefix, names starting with '_' are the C runtime's and the linker's";
  // What the boot, the bridge and LLVM's own calls link against by name.
  static const std::set<std::string> runtime = {
      "main",  "memcpy", "memmove", "memset", "memcmp",    "abort",      "ceil",      "ceilf",      "floor", "floorf",
      "trunc", "truncf", "rint",    "rintf",  "nearbyint", "nearbyintf", "roundeven", "roundevenf", "sqrt",  "sqrtf",
      "fmin",  "fminf",  "fmax",    "fmaxf",  "fabs",      "fabsf",      "copysign",  "copysignf"};
  if (runtime.count(name)) return "with no instance prefix, " + name + " is a C runtime function the image links";
  return "";
}

std::string memory_symbol(const std::string& prefix) { return prefix + "gust_memory"; }

std::string table_symbol(uint32_t index, const std::string& prefix) {
  return prefix + "gust_table" + std::to_string(index);
}

std::string start_symbol(const std::string& prefix) { return prefix + "gust_start"; }

namespace {

// "ns::f(int) const" -> "ns::f": the parameters and what follows them, from
// the ')' that ends the name back to its '('.
std::string without_parameters(const std::string& name) {
  const size_t close = name.rfind(')');
  if (close == std::string::npos) return name;
  int depth = 0;
  for (size_t i = close + 1; i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) return i == 0 ? name : name.substr(0, i);
  }
  return name;
}

}  // namespace

std::string readable_name(const std::string& name) {
  // wasm-ld writes demangled names into the name section; a module from
  // elsewhere may carry mangled ones.
  std::string n = name.rfind("_Z", 0) == 0 ? llvm::demangle(name) : name;
  return without_parameters(n);
}

std::string function_symbol(uint32_t index, const std::string& name, const std::string& prefix) {
  std::string sym = prefix + "gust_f" + std::to_string(index);
  if (name.empty()) return sym;
  std::string tail, readable = readable_name(name);
  for (size_t at; (at = readable.find("(anonymous namespace)::")) != std::string::npos;) readable.erase(at, 23);
  for (char c : readable) {
    if (lower_letter(c) || (c >= 'A' && c <= 'Z') || digit(c))
      tail += c;
    else if (!tail.empty() && tail.back() != '_')
      tail += '_';
    if (tail.size() >= 64) break;
  }
  while (!tail.empty() && tail.back() == '_') tail.pop_back();
  return tail.empty() ? sym : sym + "_" + tail;
}

std::vector<uint8_t> signature_bytes(const wasm::FuncType& type) {
  std::vector<uint8_t> out{0x60};
  auto leb = [&](uint64_t v) {
    do {
      const uint8_t b = v & 0x7F;
      v >>= 7;
      out.push_back(v ? b | 0x80 : b);
    } while (v);
  };
  leb(type.params.size());
  for (auto p : type.params) out.push_back(uint8_t(p));
  leb(type.results.size());
  for (auto r : type.results) out.push_back(uint8_t(r));
  return out;
}

std::string signature_symbol(const wasm::FuncType& type) {
  const std::vector<uint8_t> bytes = signature_bytes(type);
  return kSignaturePrefix + hex(bytes.data(), bytes.size());
}

}  // namespace gust::dissolve
