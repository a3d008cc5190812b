// Reading TOML: the chip description and the node manifest. Every rejection
// names file:line:column.
#include <toml++/toml.h>

#include "compose/compose.h"

namespace gust::compose {

namespace {

Error at(const fs::path& file, const toml::source_region& src, const std::string& msg) {
  Error e;
  e.kind = Error::Kind::Input;
  e.where = file.string() + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
  e.message = msg;
  return e;
}

Result<toml::table> parse(const fs::path& file) {
  if (!fs::exists(file)) {
    Error e;
    e.where = file.string();
    e.message = "no such file";
    return e;
  }
  try {
    return toml::parse_file(file.string());
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

}  // namespace

fs::path project_root(const fs::path& near) {
  for (fs::path p = fs::absolute(near); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / "chips") && fs::exists(p / "firmware")) return p;
    if (p == p.parent_path()) break;
  }
  return GUST_SOURCE_DIR;
}

Result<Chip> load_chip(const fs::path& file) {
  auto doc = parse(file);
  if (!doc) return doc.error();
  try {
    Fields f{file, *doc};
    Chip c;
    c.name = f.str("name");
    c.cpu = f.str("cpu");
    c.irq_count = f.u32("irq_count");
    c.exception_frame = f.u32_or("exception_frame", 32);
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
        if (node.as_table()->get("clock")) {
          Fields clk{file, p.table("clock")};
          per.clock = std::make_pair(clk.u32("reg"), clk.u32("bit"));
        }
        c.peripherals[per.name] = per;
      }
    }
    return c;
  } catch (Failure& fail) {
    return fail.error;
  }
}

Result<Node> load_node(const fs::path& file) {
  auto doc = parse(file);
  if (!doc) return doc.error();
  const fs::path dir = fs::absolute(file).parent_path();
  try {
    Fields f{file, *doc};
    Node n;
    n.file = file;
    n.name = f.str("name");
    for (char ch : n.name)
      if (!isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_')
        throw Failure{at(file, f.need("name")->source(), "node name may hold letters, digits, '-' and '_' only")};
    n.chip = f.str("chip");
    n.banner = f.str_or("banner", "gust-" + n.name.substr(n.name.find('-') + 1));
    n.app = dir / f.str("app");
    if (const toml::table* b = doc->get_as<toml::table>("stack_bounds")) {
      for (const auto& [fn, v] : *b) {
        if (!v.is_integer() || **v.as_integer() < 0)
          throw Failure{at(file, v.source(), "a stack bound is a byte count")};
        n.stack_bounds[std::string(fn.str())] = uint64_t(**v.as_integer());
      }
    }
    if (doc->get("stack"))
      throw Failure{at(
          file, f.need("stack")->source(),
          "'stack' is computed now (worst-case call graph); give 'stack_bounds' for what the analysis cannot bound")};
    if (!fs::exists(n.app))
      throw Failure{at(file, f.need("app")->source(), "app source " + n.app.string() + " not found")};
    const toml::array* drivers = doc->get_as<toml::array>("driver");
    if (!drivers) throw Failure{at(file, doc->source(), "no [[driver]] entries")};
    for (const auto& d : *drivers) {
      if (!d.is_table()) throw Failure{at(file, d.source(), "[[driver]] must be a table")};
      Fields df{file, *d.as_table()};
      DriverInstance di;
      di.instance = df.str("instance");
      for (char ch : di.instance)
        if (!isalnum(static_cast<unsigned char>(ch)) && ch != '_')
          throw Failure{at(file, df.need("instance")->source(), "instance name must be a C identifier")};
      di.source = dir / df.str("source");
      if (!fs::exists(di.source))
        throw Failure{at(file, df.need("source")->source(), "driver source " + di.source.string() + " not found")};
      di.seam = df.str_or("seam", "thin");
      if (di.seam != "thin" && di.seam != "mid" && di.seam != "fat")
        throw Failure{at(file, df.need("seam")->source(), "seam must be thin, mid or fat, not '" + di.seam + "'")};
      if (d.as_table()->get("memory")) di.memory = df.u32("memory");
      di.tx_ring = df.u32_or("tx_ring", 64);
      di.rx_ring = df.u32_or("rx_ring", 64);
      for (const char* key : {"tx_ring", "rx_ring"}) {
        const uint32_t v = std::string(key) == "tx_ring" ? di.tx_ring : di.rx_ring;
        if (v == 0 || (v & (v - 1)))
          throw Failure{at(file, df.need(key)->source(), std::string(key) + " must be a power of two")};
      }
      di.peripheral = df.str("peripheral");
      di.wasm_stack = df.u32_or("wasm_stack", 0);
      if (const toml::array* defs = d.as_table()->get_as<toml::array>("defines")) {
        for (const auto& def : *defs) {
          if (!def.is_string()) throw Failure{at(file, def.source(), "a define must be a string")};
          di.defines.push_back(**def.as_string());
        }
      }
      if (d.as_table()->get("proofs")) {
        di.proofs = dir / df.str("proofs");
        if (!fs::exists(di.proofs))
          throw Failure{at(file, df.need("proofs")->source(), "proof source " + di.proofs.string() + " not found")};
      }
      for (const auto& other : n.drivers)
        if (other.instance == di.instance)
          throw Failure{at(file, df.need("instance")->source(), "instance '" + di.instance + "' named twice")};
      n.drivers.push_back(di);
    }
    return n;
  } catch (Failure& fail) {
    return fail.error;
  }
}

}  // namespace gust::compose
