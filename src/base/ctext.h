// Beneath every layer: text that reaches generated C. The one way a string
// from a manifest, a chip description or a WIT file enters C source, as an
// escaped string literal or as a name checked against the words C (and C++)
// reserve.
#pragma once
#include <string>
#include <string_view>

namespace gust::base {

// A C string literal, quotes included, whose array holds exactly the bytes of
// `text` (plus the terminating NUL). The literal is printable ASCII only: no
// raw newline can end a line or a `#define`, no quote or backslash can end
// the literal early, `?` is escaped so that no trigraph (`??/`, `??=`) forms
// under -std=c11, and every other byte is a three-digit octal escape, which
// cannot swallow a digit that follows it.
std::string c_string_literal(std::string_view text);

// True when `word` is a keyword of C (C11, C23, and the GNU `asm`/`typeof`)
// or, for is_cpp_keyword, of C++20.
bool is_c_keyword(std::string_view word);
bool is_cpp_keyword(std::string_view word);

// Text for inside a C comment (either kind): printable ASCII is kept, except
// `*`, `\` and `?` (which could end a block comment, continue a line comment
// onto the next line, or form the trigraph `??/`), which become `_` like any
// other byte.
std::string c_comment_text(std::string_view text);

}  // namespace gust::base
