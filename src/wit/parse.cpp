// WIT text -> Package: a hand-written lexer and recursive-descent parser.
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "wit/wit.h"

namespace gust::wit {

namespace {

// How deep list, option and result may nest: the parser (and Type::str, and
// the destructor) recurse once per level, so a hostile file is refused here
// rather than overflowing the stack. gust:hal nests two deep.
constexpr int kMaxTypeNesting = 32;

struct Token {
  enum Kind { Ident, Punct, End } kind = End;
  std::string text;
  int line = 1, col = 1;
};

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : s_(text), file_(file) { advance(); }
  Package package();

 private:
  [[noreturn]] void fail(const Token& at, const std::string& msg, Error::Kind kind = Error::Kind::Input) {
    throw Failure{Error::make(kind, msg, file_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.col))};
  }
  void skip_space();
  void advance();
  bool is(const char* punct) const { return tok_.kind == Token::Punct && tok_.text == punct; }
  bool is_word(const char* w) const { return tok_.kind == Token::Ident && tok_.text == w; }
  void expect(const char* punct) {
    if (!is(punct)) fail(tok_, std::string("expected '") + punct + "', found " + describe());
    advance();
  }
  std::string ident() {
    if (tok_.kind != Token::Ident) fail(tok_, "expected a name, found " + describe());
    std::string s = tok_.text;
    advance();
    return s;
  }
  std::string describe() const { return tok_.kind == Token::End ? "the end of the file" : "'" + tok_.text + "'"; }
  Type type(int depth = 0);
  Func func_sig(std::string name, int line);
  Interface interface();
  World world();
  InterfaceRef interface_ref(std::string first);

  std::string package_;  // the package being parsed

  const std::string& s_;
  std::string file_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
  Token tok_;
};

void Parser::skip_space() {
  for (;;) {
    if (pos_ >= s_.size()) return;
    char c = s_[pos_];
    if (c == '\n') {
      ++line_;
      col_ = 1;
      ++pos_;
      continue;
    }
    if (isspace(static_cast<unsigned char>(c))) {
      ++col_;
      ++pos_;
      continue;
    }
    if (c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '/') {
      while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      continue;
    }
    if (c == '/' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '*') {
      Token at{Token::Punct, "/*", line_, col_};
      pos_ += 2;
      col_ += 2;
      while (pos_ + 1 < s_.size() && !(s_[pos_] == '*' && s_[pos_ + 1] == '/')) {
        if (s_[pos_] == '\n') {
          ++line_;
          col_ = 1;
        } else
          ++col_;
        ++pos_;
      }
      if (pos_ + 1 >= s_.size()) fail(at, "unterminated block comment");
      pos_ += 2;
      col_ += 2;
      continue;
    }
    return;
  }
}

void Parser::advance() {
  skip_space();
  tok_ = Token{Token::End, "", line_, col_};
  if (pos_ >= s_.size()) return;
  char c = s_[pos_];
  if (isalpha(static_cast<unsigned char>(c)) || c == '%' || c == '_') {
    size_t start = pos_;
    if (c == '%') ++pos_;  // %name escapes a keyword
    while (pos_ < s_.size() && (isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' || s_[pos_] == '_'))
      ++pos_;
    tok_.kind = Token::Ident;
    tok_.text = s_.substr(start, pos_ - start);
    if (tok_.text[0] == '%') tok_.text.erase(0, 1);
    col_ += int(pos_ - start);
    return;
  }
  if (c == '-' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '>') {
    tok_.kind = Token::Punct;
    tok_.text = "->";
    pos_ += 2;
    col_ += 2;
    return;
  }
  if (std::string("{}();:,<>=./@*").find(c) != std::string::npos) {
    tok_.kind = Token::Punct;
    tok_.text = std::string(1, c);
    ++pos_;
    ++col_;
    return;
  }
  tok_.text = std::string(1, c);
  fail(tok_, "unexpected character '" + tok_.text + "'");
}

Type Parser::type(int depth) {
  static const std::set<std::string> scalars = {"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "bool"};
  Token at = tok_;
  if (depth > kMaxTypeNesting)
    fail(at, "implementation limit: a type nested more than " + std::to_string(kMaxTypeNesting) + " levels deep",
         Error::Kind::Limit);
  Type t;
  t.name = ident();
  if (scalars.count(t.name)) return t;
  if (t.name == "list" || t.name == "option") {
    expect("<");
    t.args.push_back(type(depth + 1));
    expect(">");
    return t;
  }
  if (t.name == "result") {
    if (!is("<")) return t;
    advance();
    t.args.push_back(type(depth + 1));
    if (is(",")) {
      advance();
      t.args.push_back(type(depth + 1));
    }
    expect(">");
    return t;
  }
  fail(at, "unknown type '" + t.name + "' (gust:hal uses integers, bool, list, option and result)");
}

Func Parser::func_sig(std::string name, int line) {
  Func f;
  f.name = std::move(name);
  f.line = line;
  if (!is_word("func")) fail(tok_, "expected 'func', found " + describe());
  advance();
  expect("(");
  std::set<std::string> seen;
  while (!is(")")) {
    Token at = tok_;
    Param p;
    p.name = ident();
    if (!seen.insert(p.name).second) fail(at, "parameter '" + p.name + "' named twice");
    expect(":");
    p.type = type();
    f.params.push_back(std::move(p));
    if (!is(")")) expect(",");
  }
  advance();
  if (is("->")) {
    advance();
    f.results.push_back(type());
  }
  expect(";");
  return f;
}

Interface Parser::interface() {
  Interface i;
  i.name = ident();
  expect("{");
  std::set<std::string> seen;
  while (!is("}")) {
    if (tok_.kind == Token::End) fail(tok_, "interface '" + i.name + "' is not closed");
    Token at = tok_;
    std::string name = ident();
    if (!seen.insert(name).second) fail(at, "function '" + name + "' declared twice in interface '" + i.name + "'");
    expect(":");
    i.funcs.push_back(func_sig(name, at.line));
  }
  advance();
  return i;
}

// An interface named in a world, its first word read: `iface` or
// `ns:pkg/iface`.
InterfaceRef Parser::interface_ref(std::string first) {
  if (!is(":")) return {package_, std::move(first)};
  advance();
  std::string pkg = first + ":" + ident();
  expect("/");
  return {std::move(pkg), ident()};
}

World Parser::world() {
  World w;
  w.line = tok_.line;
  w.name = ident();
  expect("{");
  std::set<std::string> import_names;
  while (!is("}")) {
    if (tok_.kind == Token::End) fail(tok_, "world '" + w.name + "' is not closed");
    Token at = tok_;
    std::string kw = ident();
    if (kw == "import") {
      // import iface; import ns:pkg/iface; import name: iface; import name: ns:pkg/iface;
      Token nat = tok_;
      std::string first = ident();
      WorldImport l;
      l.line = nat.line;
      if (is(":")) {
        advance();
        Token second = tok_;
        std::string word = ident();
        if (is("/")) {  // first:word/iface, a plain import of another package
          advance();
          l.iface = {first + ":" + word, ident()};
        } else {
          l.name = first;
          l.iface = interface_ref(word);
        }
      } else {
        l.iface = {package_, first};
      }
      expect(";");
      const std::string module = l.module();
      if (!import_names.insert(module).second) fail(nat, "world '" + w.name + "' imports '" + module + "' twice");
      if (l.name.empty() && l.iface.package == package_)
        w.imports.push_back(l.iface.name);
      else
        w.links.push_back(std::move(l));
    } else if (kw == "export") {
      Token nat = tok_;
      std::string name = ident();
      if (is(";")) {  // export iface;
        advance();
        w.exported.push_back({package_, name});
        continue;
      }
      expect(":");
      if (!is_word("func")) {  // export ns:pkg/iface;
        std::string pkg = name + ":" + ident();
        expect("/");
        w.exported.push_back({pkg, ident()});
        expect(";");
        continue;
      }
      w.exports.push_back(func_sig(name, nat.line));
    } else {
      fail(at, "expected 'import' or 'export' in world '" + w.name + "', found '" + kw + "'");
    }
  }
  advance();
  return w;
}

Package Parser::package() {
  Package p;
  if (!is_word("package")) fail(tok_, "a WIT file starts with 'package ns:name;'");
  advance();
  p.name = ident();
  expect(":");
  p.name += ":" + ident();
  expect(";");
  package_ = p.name;
  while (tok_.kind != Token::End) {
    Token at = tok_;
    std::string kw = ident();
    if (kw == "interface")
      p.interfaces.push_back(interface());
    else if (kw == "world")
      p.worlds.push_back(world());
    else
      fail(at, "expected 'interface' or 'world', found '" + kw + "'");
  }
  for (auto& i : p.interfaces) i.package = p.name;
  for (const auto& w : p.worlds) {
    for (const auto& imp : w.imports)
      if (!p.interface(imp)) fail(Token{}, "world '" + w.name + "' imports unknown interface '" + imp + "'");
    for (const auto& l : w.links)
      if (l.iface.package == p.name && !p.interface(l.iface.name))
        fail(Token{Token::Ident, "", l.line, 1},
             "world '" + w.name + "' imports unknown interface '" + l.iface.name + "'");
    for (const auto& e : w.exported)
      if (e.package == p.name && !p.interface(e.name))
        fail(Token{Token::Ident, "", w.line, 1}, "world '" + w.name + "' exports unknown interface '" + e.name + "'");
  }
  return p;
}

}  // namespace

std::string Type::str() const {
  if (args.empty()) return name;
  std::string s = name + "<";
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i].str();
  return s + ">";
}

const Interface* Package::interface(const std::string& n) const {
  for (const auto& i : interfaces)
    if (i.name == n) return &i;
  return nullptr;
}

const Interface* Package::find(const InterfaceRef& ref) const {
  if (ref.package == name) return interface(ref.name);
  for (const auto& i : foreign)
    if (i.package == ref.package && i.name == ref.name) return &i;
  return nullptr;
}

std::vector<const Func*> world_exports(const Package& pkg, const World& w) {
  std::vector<const Func*> out;
  for (const auto& ref : w.exported) {
    const Interface* i = pkg.find(ref);
    if (!i) return {};
    for (const auto& f : i->funcs) out.push_back(&f);
  }
  for (const auto& f : w.exports) out.push_back(&f);
  return out;
}

const World* Package::world(const std::string& n) const {
  for (const auto& w : worlds)
    if (w.name == n) return &w;
  return nullptr;
}

std::string c_name(const std::string& kebab) {
  std::string s = kebab;
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
}

Result<Package> parse(const std::string& text, const std::string& file) {
  try {
    Parser p(text, file);
    return p.package();
  } catch (Failure& f) {
    return f.error;
  }
}

namespace {

Result<std::string> read_wit(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Error::make(Error::Kind::Input, "cannot read the WIT file", file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<Package> parse_file(const std::filesystem::path& file) {
  auto text = read_wit(file);
  if (!text) return text.error();
  auto pkg = parse(*text, file.string());
  if (!pkg) return pkg;
  // Each other package a world names, once, from ns-pkg.wit beside this file:
  // only its interfaces are taken (they name no package of their own).
  std::map<std::string, int> wanted;  // package -> the line that first names it
  for (const auto& w : pkg->worlds) {
    for (const auto& l : w.links)
      if (l.iface.package != pkg->name) wanted.emplace(l.iface.package, l.line);
    for (const auto& e : w.exported)
      if (e.package != pkg->name) wanted.emplace(e.package, w.line);
  }
  for (const auto& [name, line] : wanted) {
    std::string stem = name;
    for (char& c : stem)
      if (c == ':') c = '-';
    const std::filesystem::path other = file.parent_path() / (stem + ".wit");
    const std::string where = file.string() + ":" + std::to_string(line) + ":1";
    auto other_text = read_wit(other);
    if (!other_text)
      return Error::make(Error::Kind::Input, "package " + name + " is read from " + other.string() + ", which cannot be read",
                         where);
    auto dep = parse(*other_text, other.string());
    if (!dep) return dep.error();
    if (dep->name != name)
      return Error::make(Error::Kind::Input, other.string() + " declares package " + dep->name + ", not " + name, where);
    for (auto& i : dep->interfaces) pkg->foreign.push_back(std::move(i));
  }
  for (const auto& w : pkg->worlds) {
    auto missing = [&](const InterfaceRef& r, int line) {
      return Error::make(Error::Kind::Input,
                         "world '" + w.name + "' names interface " + r.qualified() + ", which package " + r.package +
                             " does not declare",
                         file.string() + ":" + std::to_string(line) + ":1");
    };
    for (const auto& l : w.links)
      if (!pkg->find(l.iface)) return missing(l.iface, l.line);
    for (const auto& e : w.exported)
      if (!pkg->find(e)) return missing(e, w.line);
  }
  return pkg;
}

}  // namespace gust::wit
