// `gust bind`: WIT -> C/C++ headers. The guest header gives a driver its
// imports (with wasm import attributes) and typed wrappers, and declares its
// exports; the host header gives the bridge the prototypes it implements.
//
// The types at the seam come from lower() (lower.cpp), which the seam check
// uses too, so a header and the check cannot disagree about a signature.
#include <set>
#include <sstream>

#include "base/ctext.h"
#include "dissolve/dissolve.h"
#include "wit/wit.h"

namespace gust::wit {

namespace {

// The C parameter list of one side: "uint32_t offset, uint32_t value", or void.
std::string c_params(const CoreFunc& f, bool host) {
  std::string s;
  for (size_t i = 0; i < f.params.size(); ++i)
    s += (i ? ", " : "") + (host ? f.params[i].host : f.params[i].guest) + " " + f.params[i].name;
  return s.empty() ? "void" : s;
}

std::string c_return(const CoreFunc& f, bool host) {
  if (!f.result) return "void";
  return host ? f.result->host : f.result->guest;
}

// A WIT name that becomes a C or C++ name (a function, a parameter, a
// namespace) must not be a reserved word of either language.
std::string checked_c_name(const std::string& wit_name, const std::string& where) {
  const std::string c = c_name(wit_name);
  if (base::is_c_keyword(c) || base::is_cpp_keyword(c))
    throw Failure{Error::make(Error::Kind::Input,
                              "WIT name '" + wit_name + "' becomes the C name '" + c + "', a C or C++ keyword", where)};
  return c;
}

CoreFunc lowered(const Func& f, const std::string& file) {
  const std::string where = file + ":" + std::to_string(f.line) + ":1";
  checked_c_name(f.name, where);
  for (const auto& p : f.params) checked_c_name(p.name, where);
  auto core = lower(f, file);
  if (!core) throw Failure{core.error()};
  return *core;
}

// The size a seam type has on wasm32, which both sides must share (one
// layout across the seam; issue 10 item 9): a pointer is a wasm address.
size_t wasm32_size(const std::string& c_type, const std::string& file) {
  static const std::pair<const char*, size_t> sizes[] = {
      {"bool", 1},     {"uint8_t", 1}, {"int8_t", 1},   {"uint16_t", 2}, {"int16_t", 2},
      {"uint32_t", 4}, {"int32_t", 4}, {"uint64_t", 8}, {"int64_t", 8},
  };
  if (!c_type.empty() && c_type.back() == '*') return 4;
  for (const auto& [name, size] : sizes)
    if (c_type == name) return size;
  throw Failure{Error::make(Error::Kind::Unsupported, "no wasm32 size known for the seam's C type " + c_type, file)};
}

// Compile-time checks that this side lays the seam's types out as wasm32
// does: each C type of the header's signatures has its wasm32 size, and enums
// are 4 bytes (arm-none-eabi-gcc makes them 1 byte unless -fno-short-enums,
// which src/compose/compile.cpp passes), so a struct or enum shared through
// linear memory has one layout on both sides. Pointers are checked only when
// compiling for wasm: a native test build of a driver has no seam.
std::string layout_asserts(const std::vector<CoreFunc>& funcs, bool host, const std::string& file) {
  std::set<std::string> types, pointers;
  for (const auto& f : funcs) {
    std::vector<FlatValue> vs = f.params;
    if (f.result) vs.push_back(*f.result);
    for (const auto& v : vs) {
      const std::string t = host ? v.host : v.guest;
      (t.back() == '*' ? pointers : types).insert(t);
    }
  }
  std::ostringstream s;
  s << "\n// One layout across the seam: this side's C types have their wasm32 sizes.\n"
    << "#ifndef GUST_SEAM_LAYOUT_ASSERT\n"
    << "#ifdef __cplusplus\n#define GUST_SEAM_LAYOUT_ASSERT(cond, why) static_assert(cond, why)\n"
    << "#else\n#define GUST_SEAM_LAYOUT_ASSERT(cond, why) _Static_assert(cond, why)\n#endif\n"
    << "enum gust_seam_enum_size { GUST_SEAM_ENUM_SIZE = 1 };\n"
    << "GUST_SEAM_LAYOUT_ASSERT(sizeof(enum gust_seam_enum_size) == 4,\n"
    << "                        \"enums are 4 bytes on wasm32: compile native parts with -fno-short-enums\");\n"
    << "GUST_SEAM_LAYOUT_ASSERT(sizeof(int) == 4 && __alignof__(uint64_t) == 8,\n"
    << "                        \"int is 4 bytes and 64-bit integers are 8-aligned, as on wasm32\");\n"
    << "#endif\n";
  for (const auto& t : types) {
    const size_t n = wasm32_size(t, file);
    s << "GUST_SEAM_LAYOUT_ASSERT(sizeof(" << t << ") == " << n << ", \"" << t << " is " << n
      << (n == 1 ? " byte" : " bytes") << " on wasm32\");\n";
  }
  if (!pointers.empty()) {
    s << "#if defined(__wasm__)\n";
    for (const auto& t : pointers)
      s << "GUST_SEAM_LAYOUT_ASSERT(sizeof(" << t << ") == 4, \"" << t << " is a 4-byte wasm address\");\n";
    s << "#endif\n";
  }
  return s.str();
}

bool is_list(const Type& t) { return t.name == "list"; }

// For a function of another instance that passes or returns a list<u8>, a
// C++ overload on spans: a list parameter is a std::span<const uint8_t>; a
// list result is written into the caller's std::span<uint8_t> out, and the
// part written comes back. The callee writes at most its transfer buffer's
// bytes (gust build's wiring; README "The app in wasm"), so `out` must hold
// what the call's own arguments allow (uart-read: `max`).
std::string span_wrapper(const Func& f, const CoreFunc& l, const std::string& symbol) {
  if (!f.passes_list()) return "";
  std::string params, args;
  size_t k = 0;  // the core parameter
  for (const auto& p : f.params) {
    const std::string n = c_name(p.name);
    params += std::string(params.empty() ? "" : ", ") +
              (is_list(p.type) ? "std::span<const uint8_t> " : l.params[k].guest + " ") + n;
    args += std::string(args.empty() ? "" : ", ") + (is_list(p.type) ? n + ".data(), uint32_t(" + n + ".size())" : n);
    k += is_list(p.type) ? 2 : 1;
  }
  if (f.returns_list()) {
    params += std::string(params.empty() ? "" : ", ") + "std::span<uint8_t> out";
    args += std::string(args.empty() ? "" : ", ") + "out.data()";
    return "inline std::span<uint8_t> " + c_name(f.name) + "(" + params + ") { return out.first(" + symbol + "(" +
           args + ")); }\n";
  }
  return "inline " + c_return(l, false) + " " + c_name(f.name) + "(" + params + ") { " + (l.result ? "return " : "") +
         symbol + "(" + args + "); }\n";
}

std::string upper(std::string s) {
  for (char& c : s) c = c == '-' ? '_' : char(toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::string> bind(const Package& pkg, const std::string& world_name, bool host, const std::string& file) {
  const World* w = pkg.world(world_name);
  if (!w) return Error::make(Error::Kind::Input, "no world '" + world_name + "' in package " + pkg.name, file);
  const std::string ns = pkg.name.substr(0, pkg.name.find(':'));
  const std::string pkg_c = c_name(pkg.name.substr(pkg.name.find(':') + 1));
  std::ostringstream s;
  try {
    // The file name is the command line's, not the WIT's: comment-safe text.
    s << "// Generated by `gust bind " << base::c_comment_text(file.substr(file.rfind('/') + 1)) << " --world "
      << world_name << " --side " << (host ? "host" : "guest") << "`. Do not edit: change the WIT and run\n"
      << "// gust bind again (tests/bind_test.sh --update rewrites the checked-in copies).\n";
    if (!host) {
      s << "// The guest side of world " << world_name << ": what a driver compiled to wasm imports and exports.\n"
        << "#pragma once\n#include <gust/abi.h>\n#include <stdbool.h>\n#include <stdint.h>\n";
      for (const auto& ref : w->exported)
        if (!pkg.find(ref))
          return Error::make(Error::Kind::Input,
                             "world " + world_name + " exports interface " + ref.qualified() + ", which is not loaded",
                             file);
      for (const auto& l : w->links)
        if (!pkg.find(l.iface))
          return Error::make(
              Error::Kind::Input,
              "world " + world_name + " imports interface " + l.iface.qualified() + ", which is not loaded", file);
      // A named import's functions are <name>_<function> in C, wrapped in
      // namespace <ns>::<pkg>::<name>; another package's plain import is
      // named like a seam import.
      auto link_symbol = [&](const WorldImport& l, const Func& f) {
        return l.name.empty() ? dissolve::import_symbol(l.module(), f.name)
                              : checked_c_name(l.name, file) + "_" + c_name(f.name);
      };
      std::vector<CoreFunc> all;
      for (const auto& iname : w->imports)
        for (const auto& f : pkg.interface(iname)->funcs) all.push_back(lowered(f, file));
      for (const auto& l : w->links)
        for (const auto& f : pkg.find(l.iface)->funcs) all.push_back(lowered(f, file));
      const std::vector<const Func*> exports = world_exports(pkg, *w);
      for (const Func* f : exports) all.push_back(lowered(*f, file));
      s << layout_asserts(all, false, file) << "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n";
      for (const auto& iname : w->imports) {
        const Interface* i = pkg.interface(iname);
        const std::string module = pkg.name + "/" + iname;
        s << "\n// interface " << iname << "\n";
        for (const auto& f : i->funcs) {
          const CoreFunc l = lowered(f, file);
          s << "GUST_IMPORT(\"" << module << "\", \"" << f.name << "\") " << c_return(l, false) << " "
            << dissolve::import_symbol(module, f.name) << "(" << c_params(l, false) << ");\n";
        }
      }
      for (const auto& l : w->links) {
        s << "\n// import " << (l.name.empty() ? "" : l.name + ": ") << l.iface.qualified() << "\n";
        for (const auto& f : pkg.find(l.iface)->funcs) {
          const CoreFunc c = lowered(f, file);
          s << "GUST_IMPORT(\"" << l.module() << "\", \"" << f.name << "\") " << c_return(c, false) << " "
            << link_symbol(l, f) << "(" << c_params(c, false) << ");\n";
        }
      }
      s << "\n// exports: the " << (w->links.empty() ? "driver" : "module") << " defines these\n";
      for (const Func* fp : exports) {
        const Func& f = *fp;
        const CoreFunc l = lowered(f, file);
        s << "GUST_EXPORT(\"" << export_name(f) << "\") " << c_return(l, false) << " " << c_name(f.name) << "("
          << c_params(l, false) << ");\n";
      }
      bool links_lists = false;
      for (const auto& l : w->links)
        for (const auto& f : pkg.find(l.iface)->funcs) links_lists = links_lists || f.passes_list();
      s << "\n#ifdef __cplusplus\n}  // extern \"C\"\n"
        << (links_lists ? "#include <span>\n" : "") << "\n// Typed wrappers: " << ns << "::" << pkg_c
        << "::<interface>::<function>.\n";
      auto wrappers = [&](const std::string& space, const Interface& i, auto&& symbol, bool spans) {
        s << "namespace " << ns << "::" << pkg_c << "::" << checked_c_name(space, file) << " {\n";
        for (const auto& f : i.funcs) {
          const CoreFunc l = lowered(f, file);
          std::string args;
          for (size_t k = 0; k < l.params.size(); ++k) args += (k ? ", " : "") + l.params[k].name;
          s << "inline " << c_return(l, false) << " " << c_name(f.name) << "("
            << (l.params.empty() ? "" : c_params(l, false)) << ") { " << (l.result ? "return " : "") << symbol(f) << "("
            << args << "); }\n";
          if (spans) s << span_wrapper(f, l, symbol(f));
        }
        s << "}  // namespace " << ns << "::" << pkg_c << "::" << c_name(space) << "\n";
      };
      for (const auto& iname : w->imports)
        wrappers(
            iname, *pkg.interface(iname),
            [&](const Func& f) { return dissolve::import_symbol(pkg.name + "/" + iname, f.name); }, false);
      for (const auto& l : w->links)
        wrappers(
            l.name.empty() ? l.iface.name : l.name, *pkg.find(l.iface),
            [&](const Func& f) { return link_symbol(l, f); }, true);
      s << "#endif\n";
    } else {
      s << "// The host side of world " << world_name << ": the functions the bridge implements, per driver instance.\n"
        << "// Each is named <instance>_<symbol>; pointers and lengths are wasm addresses\n"
        << "// in the instance's linear memory, which the bridge must check.\n"
        << "#ifndef GUST_HOST_" << upper(world_name) << "_H\n#define GUST_HOST_" << upper(world_name) << "_H\n"
        << "#include <stdbool.h>\n#include <stdint.h>\n";
      std::vector<CoreFunc> all;
      for (const auto& iname : w->imports)
        for (const auto& f : pkg.interface(iname)->funcs) all.push_back(lowered(f, file));
      s << layout_asserts(all, true, file);
      for (const auto& iname : w->imports) {
        const Interface* i = pkg.interface(iname);
        s << "\n// interface " << iname << "\n#define GUST_HOST_DECLARE_" << upper(iname) << "(inst)";
        for (const auto& f : i->funcs) {
          const CoreFunc l = lowered(f, file);
          s << " \\\n  " << c_return(l, true) << " inst##_" << dissolve::import_symbol(pkg.name + "/" + iname, f.name)
            << "(" << c_params(l, true) << ");";
        }
        s << "\n";
      }
      s << "\n#endif\n";
    }
  } catch (Failure& f) {
    return f.error;
  }
  return s.str();
}

}  // namespace gust::wit
