// Worst-case wasm modules for the resource caps: a small module encoder and
// one generator per way a small input could make gust's decoder, validator or
// dissolver blow up, each sized by the cap it presses against.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace gust::limits_test {

using Bytes = std::vector<uint8_t>;

// Value types and instructions as bytes, for readable generators.
namespace op {
constexpr uint8_t i32 = 0x7F, i64 = 0x7E, f32 = 0x7D, f64 = 0x7C, funcref = 0x70;
constexpr uint8_t unreachable = 0x00, block = 0x02, loop = 0x03, if_ = 0x04, else_ = 0x05, end = 0x0B, br = 0x0C,
                  br_if = 0x0D, br_table = 0x0E, call = 0x10, drop = 0x1A, local_get = 0x20, local_set = 0x21,
                  local_tee = 0x22, global_get = 0x23, global_set = 0x24, i32_load = 0x28, i32_store = 0x36,
                  i32_const = 0x41, i64_const = 0x42, i32_add = 0x6A, i32_mul = 0x6C, i64_div_s = 0x7F,
                  i64_rem_u = 0x82, void_ = 0x40;
}  // namespace op

void leb(Bytes& out, uint64_t v);  // unsigned LEB128
void sleb(Bytes& out, int64_t v);  // signed LEB128
void name(Bytes& out, const std::string& s);

// Builds a module section by section; indices are returned as things are
// added, imports first as the index spaces require.
class WasmModule {
 public:
  uint32_t type(const Bytes& params, const Bytes& results);
  uint32_t import_func(const std::string& module, const std::string& field, uint32_t type);
  // `locals` are (count, type) groups; `body` is the instructions including
  // the final `end`.
  uint32_t func(uint32_t type, const std::vector<std::pair<uint32_t, uint8_t>>& locals, const Bytes& body);
  void memory(uint32_t min_pages);
  void table(uint32_t min);
  uint32_t global(uint8_t type, bool mutable_, const Bytes& init);  // init without its `end`
  void export_func(const std::string& name, uint32_t index);
  void data(uint32_t offset, const Bytes& bytes);
  void elem(uint32_t offset, const std::vector<uint32_t>& funcs);
  Bytes bytes() const;

 private:
  struct Vec {
    uint32_t count = 0;
    Bytes bytes;
  };
  static void section(Bytes& out, uint8_t id, const Vec& v);
  Vec types_, imports_, funcs_, tables_, memories_, globals_, exports_, elems_, code_, datas_;
  uint32_t imported_funcs_ = 0;
};

// One worst case: a family at a size. `scale` is the quantity the family
// presses (functions, depth, targets, ...), set by the caller at or just over
// a cap; `aux`, where a family has a second dimension (the locals of the phi
// families, the arity of the multi-value ones), is that, 0 for its cap.
struct WorstCase {
  std::string family;
  std::string what;  // the shape, for a reader of the measurement
  std::function<Bytes(uint64_t scale, uint64_t aux)> make;
  uint64_t max_scale;  // where a search for the family's cap gives up (the input is large enough)
};

// Every family; see limits_modules.cpp for each shape.
const std::vector<WorstCase>& worst_cases();
const WorstCase* find_case(const std::string& family);

}  // namespace gust::limits_test
