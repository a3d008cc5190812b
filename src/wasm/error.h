// How every stage of gust reports a rejection: a kind, a location, a message.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace gust {

struct Error {
  enum class Kind {
    Malformed,    // the bytes are not a WebAssembly binary
    Invalid,      // well-formed, but fails validation
    Unsupported,  // valid WebAssembly that gust does not dissolve (yet)
    Limit,        // beyond a limit of gust or of the target
    Input,        // a bad file, manifest or command-line argument
    Tool,         // an external tool failed
  };
  Kind kind = Kind::Input;
  std::string message;
  std::optional<size_t> offset;  // byte offset into the wasm binary
  std::optional<uint32_t> func;  // function index (in the module's index space)
  std::string opcode;            // the opcode's text form, where one applies
  std::string where;             // file:line:column, or a file name

  static Error make(Kind k, std::string msg, std::string where = {}) {
    Error e;
    e.kind = k;
    e.message = std::move(msg);
    e.where = std::move(where);
    return e;
  }

  // "0000001d: error: func 3: i32.add: type mismatch ..." style one-liner.
  std::string str() const;
};
const char* kind_name(Error::Kind k);

// The result of a fallible call: a value or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : e_(std::move(e)) {}
  explicit operator bool() const { return !e_; }
  const Error& error() const { return *e_; }

 private:
  std::optional<Error> e_;
};

// Thrown inside a stage and turned into a Result at its boundary, so that
// deep recursive readers need not thread results by hand.
struct Failure {
  Error error;
};

// An internal bug, never a user's fault: names the source file and line.
[[noreturn]] void die(const char* file, int line, const std::string& what);
#define GUST_DIE(what) ::gust::die(__FILE__, __LINE__, (what))

}  // namespace gust
