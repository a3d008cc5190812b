// Reading TOML: the chip description and the node manifest. Every rejection
// names file:line:column. Manifest and chip text is data: every string that
// later becomes a C name, a file name or a compiler argument is checked here
// against a rule, and the banner, the one free text, is escaped where it
// enters C (base::c_string_literal).
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "base/ctext.h"
#include "compose/chip_check.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"

namespace gust::compose {

namespace {

Error at(const fs::path& file, const toml::source_region& src, const std::string& msg) {
  Error e;
  e.kind = Error::Kind::Input;
  e.where = file.string() + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
  e.message = msg;
  return e;
}

// toml++ recurses once per level of nesting (dotted keys, table headers,
// arrays, inline tables) and bounds only the inline values, so one line
// a.a.a...= 1 of 100,000 parts overflows the stack. Before parsing, the
// nesting along every path of a statement is bounded: outside strings and
// comments, each dot and each opening bracket or brace is one level, and a
// comma goes back to the level of the innermost open bracket or brace. A
// table header is a statement of its own, so no value nests deeper than
// twice the bound; real manifests nest a few deep.
constexpr size_t kMaxTomlBytes = 1 << 20;
constexpr int kMaxTomlNesting = 1024;

std::optional<Error> too_deep(const std::string& text, const fs::path& file) {
  int line = 1, col = 1, nesting = 0;
  std::vector<int> open;  // the nesting at each open bracket or brace
  auto step = [&](size_t n, size_t& i) {
    for (size_t end = std::min(text.size(), i + n); i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"' || c == '\'') {  // skip a string, one-line or multi-line
      const std::string quote(text.compare(i, 3, std::string(3, c)) == 0 ? 3 : 1, c);
      size_t j = i + quote.size();
      while (j < text.size() && text.compare(j, quote.size(), quote) != 0 && (quote.size() == 3 || text[j] != '\n'))
        j += c == '"' && text[j] == '\\' ? 2 : 1;
      step(j + quote.size() - i, i);
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') step(1, i);
      continue;
    }
    if (c == '.' || c == '[' || c == '{') {
      if (++nesting > kMaxTomlNesting) {
        Error e;
        e.kind = Error::Kind::Limit;
        e.where = file.string() + ":" + std::to_string(line) + ":" + std::to_string(col);
        e.message = "implementation limit: nested more than " + std::to_string(kMaxTomlNesting) + " levels deep";
        return e;
      }
      if (c != '.') open.push_back(nesting);
    } else if (c == ']' || c == '}') {
      if (!open.empty()) open.pop_back();
      nesting = open.empty() ? 0 : open.back();
    } else if (c == ',') {
      nesting = open.empty() ? 0 : open.back();
    } else if (c == '\n' && open.empty()) {
      nesting = 0;  // the statement ends
    }
    step(1, i);
  }
  return std::nullopt;
}

Result<toml::table> parse(const fs::path& file, const std::string* contents) {
  const Error too_large =
      Error::make(Error::Kind::Limit, "implementation limit: larger than " + std::to_string(kMaxTomlBytes) + " bytes",
                  file.string());
  std::string text;
  if (contents) {
    text = *contents;
  } else {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      Error e;
      e.where = file.string();
      e.message = fs::exists(file, ec) ? "not a regular file" : "no such file";
      return e;
    }
    if (fs::file_size(file, ec) > kMaxTomlBytes) return too_large;
    std::ifstream in(file, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (text.size() > kMaxTomlBytes) return too_large;
  if (auto e = too_deep(text, file)) return *e;
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& err) {
    return at(file, err.source(), std::string(err.description()));
  }
}

// Typed field access that throws a located error.
struct Fields {
  const fs::path& file;
  const toml::table& t;
  const toml::node* need(const char* key) const {
    const toml::node* n = t.get(key);
    if (!n) throw Failure{at(file, t.source(), std::string("missing key '") + key + "'")};
    return n;
  }
  std::string str(const char* key) const {
    const toml::node* n = need(key);
    if (!n->is_string()) throw Failure{at(file, n->source(), std::string("'") + key + "' must be a string")};
    return **n->as_string();
  }
  std::string str_or(const char* key, const std::string& dflt) const { return t.get(key) ? str(key) : dflt; }
  uint32_t u32(const char* key) const {
    const toml::node* n = need(key);
    if (!n->is_integer() || **n->as_integer() < 0 || **n->as_integer() > 0xFFFFFFFFll)
      throw Failure{at(file, n->source(), std::string("'") + key + "' must be an integer from 0 to 2^32-1")};
    return uint32_t(**n->as_integer());
  }
  uint32_t u32_or(const char* key, uint32_t dflt) const { return t.get(key) ? u32(key) : dflt; }
  const toml::table& table(const char* key) const {
    const toml::node* n = need(key);
    if (!n->is_table()) throw Failure{at(file, n->source(), std::string("'") + key + "' must be a table")};
    return *n->as_table();
  }
};

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool c_ident_char(char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A chip's file name and its peripheral names: lower case, digits, '_' (and
// '-' in a chip name), starting with a letter or digit.
std::string why_not_chip_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || !lower_alnum(name[0]))
    return "must be 1 to 64 characters, starting a-z or 0-9";
  for (char c : name)
    if (!lower_alnum(c) && c != '-' && c != '_') return "may hold a-z, 0-9, '-' and '_' only";
  return "";
}

std::string why_not_peripheral_name(const std::string& name) {
  if (name.empty() || name.size() > 32 || name[0] < 'a' || name[0] > 'z')
    return "must be 1 to 32 characters, starting a-z";
  for (char c : name)
    if (!lower_alnum(c) && c != '_') return "may hold a-z, 0-9 and '_' only";
  if (base::is_c_keyword(name)) return "is a C keyword";
  return "";
}

// A WIT world's name: kebab case, [a-z][a-z0-9-]*, at most 64 characters.
std::string why_not_wit_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z')
    return "must be 1 to 64 characters, starting a-z";
  for (char c : name)
    if (!lower_alnum(c) && c != '-') return "may hold a-z, 0-9 and '-' only (a WIT name)";
  return "";
}

// -DNAME or -DNAME=VALUE for the driver's compile: a C name, and a value on
// one line (a newline would end the definition and start a line of source).
std::string why_not_define(const std::string& def) {
  const std::string name = def.substr(0, def.find('='));
  if (name.empty() || isdigit(static_cast<unsigned char>(name[0])) ||
      !std::all_of(name.begin(), name.end(), c_ident_char))
    return "must be NAME or NAME=VALUE with NAME a C identifier";
  for (unsigned char c : def)
    if (c < 0x20 || c >= 0x7F) return "may hold printable ASCII only";
  return "";
}

// A compiler flag from `cxxflags`: one argument starting with '-', printable,
// and none of those that would change what gust builds rather than how: the
// output, the target and its features, the link, and the language features
// drivers do not have (exceptions, RTTI: see the README).
std::string why_not_cxxflag(const std::string& flag) {
  if (flag.size() < 2 || flag[0] != '-') return "must be one option starting with '-' (no extra input files)";
  for (unsigned char c : flag)
    if (c < 0x20 || c >= 0x7F) return "may hold printable ASCII only";
  static const char* const refused[] = {"-o",
                                        "-c",
                                        "-S",
                                        "-E",
                                        "-x",
                                        "-target",
                                        "--target",
                                        "-march",
                                        "-mcpu",
                                        "-Wl,",
                                        "-Xlinker",
                                        "-z",
                                        "-fuse-ld",
                                        "-nostdlib",
                                        "-mexec-model",
                                        "-M",
                                        "-save-temps",
                                        "--sysroot",
                                        "-isysroot",
                                        "-resource-dir",
                                        "-B",
                                        "-mbulk-memory",
                                        "-msimd",
                                        "-matomics",
                                        "-mmultivalue",
                                        "-mtail-call",
                                        "-mreference-types",
                                        "-mexception-handling",
                                        "-mmultimemory",
                                        "-mextended-const"};
  for (const char* r : refused) {
    const std::string p = r;
    if (flag.compare(0, p.size(), p) == 0 && (p.back() == ',' || flag.size() == p.size() || flag[p.size()] == '=' ||
                                              p == "-M" || p == "-B" || p == "-o" || p == "-z" || p == "-x"))
      return "changes what gust builds (the output, the target, its wasm features or the link), which gust sets";
  }
  if (flag == "-fexceptions" || flag == "-fcxx-exceptions" || flag == "-fwasm-exceptions")
    return "asks for exceptions, which drivers do not have (gust's dissolver supports no exception handling)";
  if (flag == "-frtti") return "asks for RTTI, which drivers do not have (no type_info, no dynamic_cast)";
  return "";
}

// include_dirs, defines and cxxflags of a node or a [[driver]], in the
// manifest's order; include folders are relative to the manifest's folder.
BuildFlags read_build_flags(const fs::path& file, const fs::path& dir, const toml::table& t) {
  BuildFlags out;
  auto strings = [&](const char* key, auto&& each) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_array()) throw Failure{at(file, n->source(), std::string("'") + key + "' must be an array of strings")};
    for (const auto& v : *n->as_array()) {
      if (!v.is_string()) throw Failure{at(file, v.source(), std::string("each of '") + key + "' must be a string")};
      each(std::string(**v.as_string()), v.source());
    }
  };
  strings("include_dirs", [&](const std::string& s, const toml::source_region& where) {
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7F) throw Failure{at(file, where, "include folder holds a control character")};
    const fs::path p = fs::path(s).is_absolute() ? fs::path(s) : dir / s;
    std::error_code ec;
    if (!fs::is_directory(p, ec)) throw Failure{at(file, where, "include folder " + p.string() + " not found")};
    out.include_dirs.push_back(p.lexically_normal());
  });
  strings("defines", [&](const std::string& s, const toml::source_region& where) {
    if (std::string why = why_not_define(s); !why.empty()) throw Failure{at(file, where, "define " + why)};
    out.defines.push_back(s);
  });
  strings("cxxflags", [&](const std::string& s, const toml::source_region& where) {
    if (std::string why = why_not_cxxflag(s); !why.empty())
      throw Failure{at(file, where, "cxxflags '" + s + "' " + why)};
    out.cxxflags.push_back(s);
  });
  return out;
}

// A source file named by the manifest: a regular file with the extension of
// its language, so that the compiler reads it as that language.
void check_source(const Fields& f, const char* key, const fs::path& path, std::initializer_list<const char*> exts) {
  const toml::source_region& where = f.need(key)->source();
  for (unsigned char c : path.string())
    if (c < 0x20 || c == 0x7F) throw Failure{at(f.file, where, std::string("'") + key + "' holds a control character")};
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw Failure{at(f.file, where, std::string(key) + " " + path.string() + " not found (or not a regular file)")};
  std::string list;
  for (const char* e : exts) {
    if (path.extension() == e) return;
    list += list.empty() ? e : std::string(" or ") + e;
  }
  throw Failure{at(f.file, where, std::string("'") + key + "' must name a " + list + " file")};
}

// on_trap and console: what a trap leaves behind, and where a reset reports it.
void read_trap_policy(const Fields& f, Node& n) {
  const std::string policy = f.str_or("on_trap", "halt");
  if (policy != "halt" && policy != "reset")
    throw Failure{
        at(f.file, f.need("on_trap")->source(), "on_trap must be \"halt\" or \"reset\", not '" + policy + "'")};
  n.on_trap = policy == "reset" ? OnTrap::Reset : OnTrap::Halt;
  // The console is a USART (the report writes its registers directly): the
  // named instance, or else the first instance granted a USART.
  const bool named = f.t.get("console") != nullptr;
  const std::string console = named ? f.str("console") : "";
  for (const auto& d : n.drivers) {
    const bool usart = d.peripheral.rfind("usart", 0) == 0;
    if (named && d.instance == console) {
      if (!usart)
        throw Failure{at(f.file, f.need("console")->source(),
                         "console instance '" + console + "' is granted " + d.peripheral + ", not a USART")};
      n.console = console;
    }
    if (!named && usart && n.console.empty()) n.console = d.instance;
  }
  if (named && n.console.empty())
    throw Failure{at(f.file, f.need("console")->source(), "console names no driver instance: '" + console + "'")};
  if (n.on_trap == OnTrap::Reset && n.console.empty())
    throw Failure{at(f.file, f.need("on_trap")->source(),
                     "on_trap = \"reset\" reports the trap at the next boot, on a console: no instance is granted a "
                     "USART")};
}

}  // namespace

std::string why_not_instance_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return "must be 1 to 32 characters";
  if (name[0] < 'a' || name[0] > 'z') return "must start with a lower-case letter";
  for (char c : name)
    if (!lower_alnum(c))
      return "may hold a-z and 0-9 only (no '_': the symbol prefix <instance>_ ends at the first '_', so no instance "
             "can name another's symbols)";
  if (base::is_c_keyword(name)) return "is a C keyword";
  if (name.rfind("gust", 0) == 0) return "must not start with 'gust' (gust_ names belong to the bridge and boot)";
  return "";
}

fs::path project_root(const fs::path& near) {
  // `near` is empty for a manifest named by a bare file name: the current folder.
  std::error_code ec;
  fs::path start = fs::absolute(near.empty() ? fs::path(".") : near, ec);
  if (ec) return GUST_SOURCE_DIR;
  for (fs::path p = start; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / "chips", ec) && fs::exists(p / "firmware", ec)) return p;
    if (p == p.parent_path()) break;
  }
  return GUST_SOURCE_DIR;
}

Result<Chip> load_chip(const fs::path& file, const std::string* text) {
  auto doc = parse(file, text);
  if (!doc) return doc.error();
  try {
    Fields f{file, *doc};
    Chip c;
    c.name = f.str("name");
    if (std::string why = why_not_chip_name(c.name); !why.empty())
      throw Failure{at(file, f.need("name")->source(), "chip name '" + c.name + "' " + why)};
    c.cpu = f.str("cpu");
    if (std::string why = why_not_chip_name(c.cpu); !why.empty())
      throw Failure{at(file, f.need("cpu")->source(), "cpu '" + c.cpu + "' " + why)};
    c.irq_count = f.u32("irq_count");
    c.exception_frame = f.u32_or("exception_frame", 32);
    // Without a word from the chip, assume the core may realign the frame.
    if (const toml::node* a = doc->get("stkalign")) {
      if (!a->is_boolean()) throw Failure{at(file, a->source(), "'stkalign' must be true or false")};
      c.stkalign = **a->as_boolean();
    }
    c.priority_bits = f.u32_or("priority_bits", 8);
    if (c.priority_bits < 1 || c.priority_bits > 8)
      throw Failure{at(file, f.need("priority_bits")->source(), "'priority_bits' must be from 1 to 8")};
    Fields flash{file, f.table("flash")}, sram{file, f.table("sram")};
    c.flash_origin = flash.u32("origin");
    c.flash_size = flash.u32("size");
    c.sram_origin = sram.u32("origin");
    c.sram_size = sram.u32("size");
    if (const toml::table* ps = doc->get_as<toml::table>("peripherals")) {
      for (const auto& [key, node] : *ps) {
        if (!node.is_table()) throw Failure{at(file, node.source(), "a peripheral must be a table")};
        Fields p{file, *node.as_table()};
        Peripheral per;
        per.name = std::string(key.str());
        if (std::string why = why_not_peripheral_name(per.name); !why.empty())
          throw Failure{at(file, key.source(), "peripheral name '" + per.name + "' " + why)};
        per.base = p.u32("base");
        per.size = p.u32("size");
        if ((per.size & (per.size - 1)) != 0 || per.size < 4)
          throw Failure{
              at(file, node.source(), "peripheral '" + per.name + "': size must be a power of two, at least 4")};
        if (const toml::array* irqs = node.as_table()->get_as<toml::array>("irqs")) {
          for (const auto& i : *irqs) {
            if (!i.is_integer() || **i.as_integer() < 0 || uint64_t(**i.as_integer()) >= c.irq_count)
              throw Failure{at(file, i.source(), "irq must be a line number below irq_count")};
            per.irqs.push_back(uint32_t(**i.as_integer()));
          }
        }
        if (const toml::array* exc = node.as_table()->get_as<toml::array>("exceptions")) {
          for (const auto& i : *exc) {
            // Boot's vector table gives only SysTick a handler a node may
            // override (gust_exc_15); the other system exceptions stay boot's.
            if (!i.is_integer() || **i.as_integer() != kSysTickException)
              throw Failure{at(file, i.source(), "a grantable core exception is 15 (SysTick)")};
            per.exceptions.push_back(uint32_t(**i.as_integer()));
          }
        }
        if (node.as_table()->get("clock")) {
          Fields clk{file, p.table("clock")};
          per.clock = std::make_pair(clk.u32("reg"), clk.u32("bit"));
        }
        if (const toml::array* pins = node.as_table()->get_as<toml::array>("pins")) {
          for (const auto& i : *pins) {
            if (!i.is_table()) throw Failure{at(file, i.source(), "a pin is a table {port, pin, cfg}")};
            Fields pf{file, *i.as_table()};
            Peripheral::Pin pin{pf.str("port"), pf.u32("pin"), pf.u32("cfg")};
            if (pin.pin > 15 || pin.cfg > 15)
              throw Failure{at(file, i.source(), "a pin is 0..15 and its configuration 4 bits (0..15)")};
            per.pins.push_back(pin);
          }
        }
        c.peripherals[per.name] = per;
      }
      // A pin's port is a peripheral of the chip, whose clock the bridge enables.
      for (const auto& [name, per] : c.peripherals)
        for (const auto& pin : per.pins) {
          auto port = c.peripherals.find(pin.port);
          if (port == c.peripherals.end() || !port->second.clock || port->second.size < 8)
            throw Failure{at(file, ps->get(name)->source(),
                             "peripheral '" + name + "': pin port '" + pin.port +
                                 "' is not a GPIO port of the chip (a peripheral with a clock and CRL/CRH)")};
        }
    }
    if (WindowProblem w = check_windows(c); !w.why.empty()) {
      const toml::table* ps = doc->get_as<toml::table>("peripherals");
      if (w.peripheral.empty()) throw Failure{at(file, doc->source(), w.why)};
      throw Failure{at(file, ps->get(w.peripheral)->source(), "peripheral '" + w.peripheral + "': " + w.why)};
    }
    return c;
  } catch (Failure& fail) {
    return fail.error;
  }
}

Result<Node> load_node(const fs::path& file, const std::string* text) {
  auto doc = parse(file, text);
  if (!doc) return doc.error();
  const fs::path dir = fs::absolute(file).parent_path();
  try {
    Fields f{file, *doc};
    Node n;
    n.file = file;
    n.name = f.str("name");
    // The name becomes the image's folder and file names.
    if (n.name.empty() || n.name.size() > 64 || !isalnum(static_cast<unsigned char>(n.name[0])))
      throw Failure{
          at(file, f.need("name")->source(), "node name must be 1 to 64 characters, starting with a letter or digit")};
    for (char ch : n.name)
      if (!isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
        throw Failure{at(file, f.need("name")->source(), "node name may hold letters, digits, '-' and '_' only")};
    n.chip = f.str("chip");
    if (std::string why = why_not_chip_name(n.chip); !why.empty())
      throw Failure{at(file, f.need("chip")->source(), "chip '" + n.chip + "' (the file chips/<chip>.toml) " + why)};
    n.banner = f.str_or("banner", "gust-" + n.name.substr(n.name.find('-') + 1));
    // Any text prints verbatim, except NUL: the app prints a C string.
    if (n.banner.find('\0') != std::string::npos || n.banner.size() > 256)
      throw Failure{at(file, f.need("banner")->source(), "banner must be at most 256 bytes, none of them NUL")};
    n.app = dir / f.str("app");
    check_source(f, "app", n.app, {".c", ".cpp", ".cc", ".cxx", ".wat", ".wasm"});
    // A C app is native (trusted); any other is compiled to wasm and
    // dissolved, held to the world app_world names.
    n.app_wasm = n.app.extension() != ".c";
    if (n.app_wasm) {
      n.app_world = f.str("app_world");
      if (std::string why = why_not_wit_name(n.app_world); !why.empty())
        throw Failure{at(file, f.need("app_world")->source(), "app_world '" + n.app_world + "' " + why)};
      if (doc->get("app_wit")) {
        n.app_wit = dir / f.str("app_wit");
        check_source(f, "app_wit", n.app_wit, {".wit"});
      }
    } else if (doc->get("app_world")) {
      throw Failure{at(file, f.need("app_world")->source(),
                       "app_world is for an app compiled to wasm (C++, .wat, .wasm); this app is C, native")};
    }
    // fuse: the app and its drivers dissolved into one object (README
    // "Fused dissolving"), or each on its own.
    if (const toml::node* fu = doc->get("fuse")) {
      if (!fu->is_boolean()) throw Failure{at(file, fu->source(), "fuse must be true or false")};
      if (!n.app_wasm)
        throw Failure{at(file, fu->source(),
                         "fuse is for an app compiled to wasm (it dissolves the app with its drivers); this app is C, "
                         "native")};
      n.fuse = **fu->as_boolean();
    }
    if (const toml::table* b = doc->get_as<toml::table>("stack_bounds")) {
      for (const auto& [fn, v] : *b) {
        if (!v.is_integer() || **v.as_integer() < 0)
          throw Failure{at(file, v.source(), "a stack bound is a byte count")};
        if (**v.as_integer() == 0)
          throw Failure{at(file, v.source(),
                           "[stack_bounds] '" + std::string(fn.str()) +
                               "' = 0: a bound is the function's whole worst-case depth, callees included, in "
                               "bytes, and no function that needs a bound uses none; give that depth, or remove "
                               "the entry")};
        n.stack_bounds[std::string(fn.str())] = uint64_t(**v.as_integer());
        n.stack_bound_where[std::string(fn.str())] = at(file, v.source(), "").where;
      }
    }
    // [priorities], in the file's order, so that a line given twice is named
    // at its second mention.
    if (const toml::table* p = doc->get_as<toml::table>("priorities")) {
      std::vector<std::pair<std::pair<uint32_t, uint32_t>, PriorityDecl>> decls;
      for (const auto& [key, v] : *p) {
        if (!v.is_integer() || **v.as_integer() < 0 || **v.as_integer() > 255)
          throw Failure{at(file, v.source(), "a priority is a preemption level, 0 (most urgent) and up")};
        decls.push_back({{v.source().begin.line, v.source().begin.column},
                         {std::string(key.str()), uint32_t(**v.as_integer()), at(file, v.source(), "").where}});
      }
      std::sort(decls.begin(), decls.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      for (auto& d : decls) n.priorities.push_back(std::move(d.second));
    }
    if (doc->get("stack"))
      throw Failure{at(
          file, f.need("stack")->source(),
          "'stack' is computed now (worst-case call graph); give 'stack_bounds' for what the analysis cannot bound")};
    n.flags = read_build_flags(file, dir, *doc);
    const toml::array* drivers = doc->get_as<toml::array>("driver");
    if (!drivers) throw Failure{at(file, doc->source(), "no [[driver]] entries")};
    for (const auto& d : *drivers) {
      if (!d.is_table()) throw Failure{at(file, d.source(), "[[driver]] must be a table")};
      Fields df{file, *d.as_table()};
      DriverInstance di;
      di.instance = df.str("instance");
      if (std::string why = why_not_instance_name(di.instance); !why.empty())
        throw Failure{at(file, df.need("instance")->source(), "instance name '" + di.instance + "' " + why)};
      di.source = dir / df.str("source");
      check_source(df, "source", di.source, {".cpp", ".cc", ".cxx", ".wat", ".wasm"});
      di.seam = df.str_or("seam", "thin");
      if (di.seam != "thin" && di.seam != "mid" && di.seam != "fat")
        throw Failure{at(file, df.need("seam")->source(), "seam must be thin, mid or fat, not '" + di.seam + "'")};
      di.world = df.str_or("world", "driver-" + di.seam);
      if (std::string why = why_not_wit_name(di.world); !why.empty())
        throw Failure{at(file, df.need("world")->source(), "world '" + di.world + "' " + why)};
      if (n.app_wasm && di.instance == std::string(kAppInstance)) {
        const std::string why = "instance name 'app' is the wasm app's own prefix (app_run, ...): name the driver otherwise";
        throw Failure{at(file, df.need("instance")->source(), why)};
      }
      if (d.as_table()->get("memory")) {
        di.memory = df.u32("memory");
        if (const std::string why = dissolve::region_size_refusal(*di.memory); !why.empty())
          throw Failure{at(file, df.need("memory")->source(), "memory = " + why)};
      }
      di.tx_ring = df.u32_or("tx_ring", 64);
      di.rx_ring = df.u32_or("rx_ring", 64);
      for (const char* key : {"tx_ring", "rx_ring"}) {
        const uint32_t v = std::string(key) == "tx_ring" ? di.tx_ring : di.rx_ring;
        if (v == 0 || (v & (v - 1)))
          throw Failure{at(file, df.need(key)->source(), std::string(key) + " must be a power of two")};
      }
      di.peripheral = df.str("peripheral");
      if (std::string why = why_not_peripheral_name(di.peripheral); !why.empty())
        throw Failure{at(file, df.need("peripheral")->source(), "peripheral '" + di.peripheral + "' " + why)};
      if (d.as_table()->get("wasm_stack")) di.wasm_stack = df.u32("wasm_stack");
      di.flags = read_build_flags(file, dir, *d.as_table());
      if (d.as_table()->get("proofs")) {
        di.proofs = dir / df.str("proofs");
        check_source(df, "proofs", di.proofs, {".cpp", ".cc", ".cxx"});
      }
      for (const auto& other : n.drivers)
        if (other.instance == di.instance)
          throw Failure{at(file, df.need("instance")->source(), "instance '" + di.instance + "' named twice")};
      n.drivers.push_back(di);
    }
    read_trap_policy(f, n);
    return n;
  } catch (Failure& fail) {
    return fail.error;
  }
}

}  // namespace gust::compose
