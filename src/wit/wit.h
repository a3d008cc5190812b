// The WIT subset that gust:hal and gust:drivers use: package, interface,
// world, import and export (of a function, an interface, or an interface
// under an instance's name), func, integer types, bool, list, option,
// result, and comments. An interface of another package (ns:pkg/iface) is
// read from the file ns-pkg.wit beside the one that names it (parse_file).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "wasm/error.h"
#include "wasm/module.h"

namespace gust::wit {

struct Type {
  std::string name;         // u8..u64, s8..s64, bool, list, option, result
  std::vector<Type> args;   // list<T>, option<T>, result<T, E>
  std::string str() const;  // back to WIT syntax
};

struct Param {
  std::string name;
  Type type;
};

struct Func {
  std::string name;  // kebab-case, as written
  std::vector<Param> params;
  std::vector<Type> results;  // zero or one
  int line = 0;
  // A list result, or a list among the parameters: what crosses between two
  // instances' regions only as a copy (gust build's wiring, gust bind's spans).
  bool returns_list() const { return !results.empty() && results[0].name == "list"; }
  bool passes_list() const {
    for (const auto& p : params)
      if (p.type.name == "list") return true;
    return returns_list();
  }
};

struct Interface {
  std::string name;
  std::string package;  // the package that declares it: gust:hal
  std::vector<Func> funcs;
  std::string qualified() const { return package + "/" + name; }
  const Func* func(const std::string& fname) const {
    for (const auto& f : funcs)
      if (f.name == fname) return &f;
    return nullptr;
  }
};

// An interface as a world names it: `uart` (this package's) or
// `gust:drivers/uart`; `package` is always filled in.
struct InterfaceRef {
  std::string package, name;
  std::string qualified() const { return package + "/" + name; }
};

// An import of an interface that is not a plain one of the world's own
// package: `import console: uart;` (an instance's name, which is the core
// wasm import module) or `import gust:drivers/uart;` (no name: the module is
// the qualified interface).
struct WorldImport {
  std::string name;  // "" for a plain import
  InterfaceRef iface;
  int line = 0;
  std::string module() const { return name.empty() ? iface.qualified() : name; }
};

struct World {
  std::string name;
  std::vector<std::string> imports;    // plain imports of this package's interfaces (module <package>/<name>)
  std::vector<WorldImport> links;      // every other import: named ones, other packages' interfaces
  std::vector<InterfaceRef> exported;  // exported interfaces: each function is an export named c_name(function)
  std::vector<Func> exports;           // exported functions
  int line = 0;
};

struct Package {
  std::string name;  // e.g. gust:hal
  std::vector<Interface> interfaces;
  std::vector<World> worlds;
  std::vector<Interface> foreign;  // other packages' interfaces the worlds name (parse_file loads them)
  const Interface* interface(const std::string& name) const;
  const Interface* find(const InterfaceRef& ref) const;  // this package's or a loaded foreign one, or null
  const World* world(const std::string& name) const;
};

// Parses WIT text; errors name file:line:column. parse() resolves only the
// package's own interfaces; parse_file() also reads each other package a
// world names from ns-pkg.wit in the same folder, and refuses a name that
// is in neither.
[[nodiscard]] Result<Package> parse(const std::string& text, const std::string& file);
[[nodiscard]] Result<Package> parse_file(const std::filesystem::path& file);

// The functions a world exports, in order: each exported interface's, then
// its own; null when an exported interface is not loaded.
std::vector<const Func*> world_exports(const Package& pkg, const World& w);

// One core-wasm value of a lowered WIT function, with the C types that carry
// it on each side of the seam, so that the header and the check share it.
struct FlatValue {
  wasm::ValType type = wasm::ValType::I32;
  std::string guest;  // the driver's C type: uint8_t, bool, const uint8_t*, ...
  std::string host;   // the bridge's C type: a wasm address is a uint32_t there
  std::string name;   // the C parameter name
};

// A WIT function as it crosses the seam in core wasm: gust's flattening.
//   u8..u32, s8..s32, bool   one i32        u64, s64   one i64
//   list<u8> parameter       (ptr, len), two i32
//   list<u8> result          a buffer pointer appended to the parameters, the
//                            length written as the one i32 result
//   option<u8|u16> result    one i32: the value, or -1 for none (a signed
//                            payload could be -1 itself, so it is refused)
// Anything else (a second flat result, option or result elsewhere, a list of
// another type) is refused as Unsupported at the function's file:line, since
// gust has no return-pointer convention at the seam.
struct CoreFunc {
  std::vector<FlatValue> params;
  std::optional<FlatValue> result;  // none: the function returns nothing
  wasm::FuncType type() const;
};
[[nodiscard]] Result<CoreFunc> lower(const Func& f, const std::string& file);

// A function type in wasm text syntax: (func (param i32 i32) (result i32)).
std::string func_text(const wasm::FuncType& t);

// One way a module breaks its world's contract.
struct SeamViolation {
  std::string what;              // import 2 "gust:hal/mmio" "read32", or export "uart_init"
  std::string expected;          // the WIT's type in wasm text, where the import names a WIT function
  std::string found;             // wasm text of what the module has, if it has one
  std::string why;               // one short reason
  std::optional<size_t> offset;  // the import entry's byte offset
  std::optional<uint32_t> func;  // the module's function (its index) that imports or exports, if one does
  std::string export_name;       // for an export: the name the world declares
  std::string wit_item;          // the WIT item it should match, with its file:line ("" if it names none)
  std::string str() const;
};

// A WIT function in WIT syntax: uart-tx-byte: func(byte: u8); its type
// alone: func(byte: u8).
std::string func_wit_text(const Func& f);
std::string func_type_text(const Func& f);

// The seam check: every import of `m` is a function of an interface that
// world `w` imports, from module `<package>/<interface>`, with exactly the
// lowered type; every export the world declares exists as a function of
// exactly its lowered type (other exports are the module's own business).
// Returns every violation in module order, or an error if the WIT itself
// cannot be lowered.
[[nodiscard]] Result<std::vector<SeamViolation>> seam_violations(const wasm::Module& m, const Package& pkg,
                                                                 const World& w, const std::string& wit_file);

// The same as one error for the user: where = `module_file`, one line per
// violation; no violation is a success. Unknown world names are refused too.
[[nodiscard]] Result<void> check_seam(const wasm::Module& m, const Package& pkg, const std::string& world,
                                      const std::string& wit_file, const std::string& module_file);

// Generates the guest (driver) or host (bridge) header for a world.
// `file` names the WIT file in messages and in the header's first line.
[[nodiscard]] Result<std::string> bind(const Package& pkg, const std::string& world, bool host,
                                       const std::string& file);

// kebab-case to the snake_case C name: rx-ready -> rx_ready.
std::string c_name(const std::string& kebab);

// The wasm export name of a world's export: its C name, which the guest
// header gives GUST_EXPORT, and which the seam check looks for.
inline std::string export_name(const Func& f) { return c_name(f.name); }

}  // namespace gust::wit
