// Escaping and checking text for generated C (see ctext.h for the rules).
#include "base/ctext.h"

#include <algorithm>
#include <iterator>

namespace gust::base {

namespace {

// Lower-case reserved words only: every name gust checks is lower case, and
// C's other keywords (_Bool, _Static_assert, ...) start with '_'.
constexpr std::string_view kBoth[] = {
    "alignas",   "alignof",  "asm",     "auto",     "bool",   "break",         "case",   "char",    "const",
    "constexpr", "continue", "default", "do",       "double", "else",          "enum",   "extern",  "false",
    "float",     "for",      "goto",    "if",       "inline", "int",           "long",   "nullptr", "register",
    "return",    "short",    "signed",  "sizeof",   "static", "static_assert", "struct", "switch",  "thread_local",
    "true",      "typedef",  "union",   "unsigned", "void",   "volatile",      "while"};
constexpr std::string_view kCOnly[] = {"restrict", "typeof", "typeof_unqual"};
constexpr std::string_view kCppOnly[] = {
    "and",       "and_eq",       "bitand",     "bitor",     "catch",     "char16_t",
    "char32_t",  "char8_t",      "class",      "co_await",  "co_return", "co_yield",
    "compl",     "concept",      "const_cast", "consteval", "constinit", "decltype",
    "delete",    "dynamic_cast", "explicit",   "export",    "friend",    "mutable",
    "namespace", "new",          "noexcept",   "not",       "not_eq",    "operator",
    "or",        "or_eq",        "private",    "protected", "public",    "reinterpret_cast",
    "requires",  "static_cast",  "template",   "this",      "throw",     "try",
    "typeid",    "typename",     "using",      "virtual",   "wchar_t",   "xor",
    "xor_eq"};

template <size_t N>
bool in(const std::string_view (&words)[N], std::string_view w) {
  return std::find(std::begin(words), std::end(words), w) != std::end(words);
}

}  // namespace

std::string c_string_literal(std::string_view text) {
  std::string s = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\' || c == '?') {
      s += '\\';
      s += char(c);
    } else if (c >= 0x20 && c < 0x7F) {
      s += char(c);
    } else {
      const char octal[] = {'\\', char('0' + (c >> 6)), char('0' + ((c >> 3) & 7)), char('0' + (c & 7))};
      s.append(octal, sizeof octal);
    }
  }
  return s + "\"";
}

bool is_c_keyword(std::string_view word) { return in(kBoth, word) || in(kCOnly, word); }

bool is_cpp_keyword(std::string_view word) { return in(kBoth, word) || in(kCppOnly, word); }

std::string c_comment_text(std::string_view text) {
  std::string s(text);
  for (char& ch : s)
    if (const unsigned char c = ch; c < 0x20 || c >= 0x7F || c == '*' || c == '\\' || c == '?') ch = '_';
  return s;
}

}  // namespace gust::base
