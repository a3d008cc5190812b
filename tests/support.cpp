// Test helpers: byte builders and the driver build.
#include "support.h"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "compose/compose.h"

namespace gust::test {

Bytes header() { return {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

static void leb(Bytes& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}

Bytes section(uint8_t id, const Bytes& payload) {
  Bytes out{id};
  leb(out, uint32_t(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes one_function(const Bytes& type, const Bytes& body) {
  Bytes types{1};
  types.insert(types.end(), type.begin(), type.end());
  Bytes code{1};
  leb(code, uint32_t(body.size()));
  code.insert(code.end(), body.begin(), body.end());
  return cat({header(), section(1, types), section(3, {1, 0}), section(10, code)});
}

fs::path source_root() { return GUST_SOURCE_DIR; }

fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("gust-test-" + std::to_string(getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

const fs::path& thin_driver_wasm() {
  static const fs::path wasm = [] {
    fs::path out = scratch("thin-driver") / "uart.wasm";
    auto r = compose::compile_driver(source_root() / "drivers/uart-thin/uart.cpp", out, 0);
    if (!r) throw std::runtime_error(r.error().str());
    return out;
  }();
  return wasm;
}

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace gust::test
