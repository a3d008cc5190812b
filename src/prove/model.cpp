// The environment model of `gust prove`, built from the WIT and the node's
// grants (the seam) and from the dissolver's placement rules (the memory).
#include "prove/model.h"

#include <algorithm>

#include "dissolve/dissolve.h"
#include "wasm/reader.h"

namespace gust::prove {

namespace {

constexpr uint64_t kPage = 65536;
// The dissolver's placement limits (src/dissolve/lowering.h): a region beyond
// kMaxRegion is refused, and one beyond kMaxDataRegion gets its data segments
// copied in at start-up instead of stored in its initialiser.
constexpr uint64_t kMaxRegion = 256ull << 20;
constexpr uint64_t kMaxDataRegion = 1ull << 20;

// The trace codes of include/gust/prove.h, by WIT function.
struct TraceCode {
  const char* call;
  uint32_t code;
};
constexpr TraceCode kTraceCodes[] = {
    {"mmio.read32", 1}, {"mmio.write32", 2}, {"mmio.read8", 3}, {"mmio.write8", 4}, {"irq.poll", 5}, {"irq.enable", 6},
};

// What each grant guards: the bridge checks the parameter of that name in
// every function of that interface (bridge.h: GUST_MMIO_WINDOW checks
// `offset` against the window, GUST_IRQ_LINES checks `line` against the
// count). The rest of the model follows from the WIT's types.
struct GrantRule {
  const char* interface;
  const char* param;
  SeamFunc::Check check;
};
constexpr GrantRule kGrantRules[] = {
    {"mmio", "offset", SeamFunc::Check::Window},
    {"irq", "line", SeamFunc::Check::Line},
};

// The bits a WIT scalar keeps as the bridge receives or returns it: a u8
// parameter is a uint8_t in the bridge, so only its low byte moves.
std::optional<uint32_t> scalar_bits(const wit::Type& t) {
  if (!t.args.empty()) return std::nullopt;
  if (t.name == "bool") return 1;
  if (t.name == "u8") return 8;
  if (t.name == "u16") return 16;
  if (t.name == "u32" || t.name == "s32") return 32;
  if (t.name == "u64" || t.name == "s64") return 64;
  return std::nullopt;  // s8 and s16 sign-extend; no seam function has one
}

uint64_t mask_of(uint32_t bits) { return bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1; }

bool uses_grow(const wasm::Module& m) {
  for (const auto& f : m.functions) {
    wasm::Reader r(m.bytes, f.body_begin, f.body_end);
    wasm::Instr in;
    while (!r.at_end()) {
      wasm::read_instr(r, in, true);
      if (in.op == wasm::Op::MemoryGrow) return true;
    }
  }
  return false;
}

std::string bytes_text(uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

}  // namespace

const SeamFunc* SeamModel::find(const std::string& module, const std::string& name) const {
  for (const auto& f : funcs)
    if (f.module == module && f.name == name) return &f;
  return nullptr;
}

Result<SeamModel> seam_model(const Environment& env) {
  const wit::World* w = env.wit.world(env.world);
  if (!w) return Error::make(Error::Kind::Input, "the WIT has no world '" + env.world + "'", env.wit_file);
  const uint32_t win = env.grants.window_bytes;
  if (win < 4 || (win & (win - 1)))
    return Error::make(Error::Kind::Input, "an mmio window of " + bytes_text(win) +
                                               " is not a power of two of at least 4 bytes, as the "
                                               "bridge's GUST_MMIO_WINDOW requires");
  SeamModel model;
  for (const auto& iname : w->imports) {
    const wit::Interface* iface = env.wit.interface(iname);
    if (!iface)
      return Error::make(Error::Kind::Input, "world " + env.world + " imports unknown interface " + iname,
                         env.wit_file);
    for (const auto& f : iface->funcs) {
      auto core = wit::lower(f, env.wit_file);
      if (!core) return core.error();
      SeamFunc sf;
      sf.interface = iname;
      sf.name = f.name;
      sf.module = env.wit.name + "/" + iname;
      sf.type = core->type();
      auto unmodelled = [&](const std::string& why) { sf.unmodelled += (sf.unmodelled.empty() ? "" : "; ") + why; };
      for (const auto& tc : kTraceCodes)
        if (sf.call_name() == tc.call) sf.trace_code = tc.code;
      if (!sf.trace_code) unmodelled("include/gust/prove.h has no trace code for it (the prover models mmio and irq)");
      for (size_t i = 0; i < f.params.size(); ++i) {
        auto bits = scalar_bits(f.params[i].type);
        if (!bits) {
          unmodelled("its parameter '" + f.params[i].name + "' is a " + f.params[i].type.str());
          break;
        }
        sf.param_masks.push_back(*bits == 1 ? mask_of(32) : mask_of(*bits));  // a bool arrives as the whole i32
        if (f.params[i].name == "value") sf.value_param = uint32_t(i);
      }
      if (!f.results.empty()) {
        auto bits = scalar_bits(f.results[0]);
        if (bits)
          sf.result_bits = *bits;
        else
          unmodelled("its result is a " + f.results[0].str());
      }
      if (sf.param_masks.size() != sf.type.params.size()) unmodelled("its parameters do not lower one to one");
      for (const auto& rule : kGrantRules) {
        if (iname != rule.interface) continue;
        auto p =
            std::find_if(f.params.begin(), f.params.end(), [&](const wit::Param& q) { return q.name == rule.param; });
        if (p == f.params.end()) {
          unmodelled(std::string("it has no '") + rule.param + "' parameter for the bridge's check");
          continue;
        }
        sf.check = rule.check;
        sf.checked = uint32_t(p - f.params.begin());
        if (rule.check == SeamFunc::Check::Window) {
          // The access moves the value's type: a read's result, a write's value.
          const wit::Type* moved = !f.results.empty() ? &f.results[0]
                                   : sf.value_param   ? &f.params[*sf.value_param].type
                                                      : nullptr;
          auto bits = moved ? scalar_bits(*moved) : std::nullopt;
          if (!bits || *bits < 8 || *bits > 32)
            unmodelled("the width of its access cannot be told from its WIT type");
          else
            sf.width = *bits / 8;
        }
      }
      model.funcs.push_back(std::move(sf));
    }
  }
  return model;
}

std::string ImageMemory::describe() const {
  if (!present) return "no linear memory";
  const uint64_t pages = bytes / kPage;
  std::string s = "a " + std::to_string(bytes) + "-byte region";
  if (growable)
    return s + " (" + std::to_string(pages) + " pages) that memory.grow takes up to " + std::to_string(capacity_pages) +
           " pages";
  s += ": memory.size " + std::to_string(pages) + ", memory.grow(0) " + std::to_string(pages) +
       ", any other growth -1, an access past byte " + std::to_string(bytes) + " traps";
  if (ro_end > ro_begin)
    s += "; read-only data [" + std::to_string(ro_begin) + ", " + std::to_string(ro_end) +
         ") in flash, where a store traps";
  return s;
}

// Lowering::define_memory (src/dissolve/layout.cpp) for firmware (not --linkable), rule for rule.
Result<ImageMemory> image_memory(const wasm::Module& m, std::optional<uint64_t> memory_bytes,
                                 std::optional<uint64_t> memory_max_bytes) {
  ImageMemory im;
  if (m.num_memories() == 0) return im;
  if (const wasm::Import* imp = m.import_of(wasm::ExternKind::Memory, 0)) {
    Error e = Error::make(Error::Kind::Unsupported, "an imported memory (" + imp->module + "." + imp->name +
                                                        ") is another instance's: gust dissolves it only --linkable, "
                                                        "and the prover does not model it");
    e.offset = imp->offset;
    return e;
  }
  im.present = true;
  const wasm::Limits lim = m.memory_limits(0);
  im.bytes = memory_bytes ? *memory_bytes : lim.min * kPage;
  uint64_t capacity = im.bytes;
  if (memory_max_bytes && !memory_bytes && uses_grow(m)) {
    uint64_t max_pages = lim.max ? *lim.max : 65536;
    max_pages = std::min(max_pages, *memory_max_bytes / kPage);
    if (max_pages > lim.min) {
      im.growable = true;
      im.capacity_pages = std::max<uint64_t>(max_pages, lim.min);
      capacity = im.capacity_pages * kPage;
    }
  }
  if (capacity > kMaxRegion)
    return Error::make(Error::Kind::Limit, "a " + std::to_string(capacity) +
                                               "-byte linear memory region is larger than gust places (" +
                                               std::to_string(kMaxRegion) + " bytes)");
  bool has_data = false;
  for (const auto& d : m.datas) has_data = has_data || (d.mode == wasm::SegmentMode::Active && !d.bytes.empty());
  im.data_at_start = has_data && capacity > kMaxDataRegion;
  for (const auto& d : m.datas) {
    if (d.mode != wasm::SegmentMode::Active || im.data_at_start || d.offset.op != wasm::Op::I32Const) continue;
    const uint64_t at = uint32_t(d.offset.value);
    if (at + d.bytes.size() > im.bytes) {
      Error e = Error::make(Error::Kind::Limit, "data segment [" + std::to_string(at) + ", " +
                                                    std::to_string(at + d.bytes.size()) + ") lies outside the " +
                                                    std::to_string(im.bytes) + "-byte memory region");
      e.offset = d.position;
      return e;
    }
  }
  dissolve::Options o;
  o.memory_bytes = memory_bytes;
  o.memory_max_bytes = memory_max_bytes;
  const dissolve::ReadOnlyData ro = dissolve::read_only_data(m, o);
  im.ro_begin = ro.begin;
  im.ro_end = ro.end;
  return im;
}

std::vector<std::string> describe(const Environment& env, const ImageMemory& driver_memory) {
  auto given = [&](const char* fact, const char* option) {
    if (std::find(env.defaulted.begin(), env.defaulted.end(), fact) == env.defaulted.end())
      return std::string(" (") + (env.origin.empty() ? "given" : env.origin) + ")";
    return std::string(" (assumed: no node gave it; ") + option + ")";
  };
  std::vector<std::string> out;
  out.push_back("seam: world " + env.world + " of " + (env.wit_file.empty() ? "the WIT" : env.wit_file) +
                ", every call checked as the bridge checks it");
  const uint32_t w = env.grants.window_bytes;
  out.push_back("mmio window: " + bytes_text(w) +
                "; a 32-bit access needs offset % 4 == 0 and offset <= " + std::to_string(w - 4) +
                ", an 8-bit one offset <= " + std::to_string(w - 1) + given("window", "--window"));
  const uint32_t n = env.grants.irq_lines;
  out.push_back("irq lines: " + std::to_string(n) + " granted" +
                (n ? " (line " + std::string(n > 1 ? "0.." + std::to_string(n - 1) : "0") + ")" : "") +
                given("lines", "--lines"));
  std::string mem = "driver memory: " + driver_memory.describe();
  if (std::find(env.defaulted.begin(), env.defaulted.end(), "memory") != env.defaulted.end())
    mem +=
        " (assumed: no node gave it; the module's declared minimum, as gust dissolve without --memory-bytes; "
        "--memory-bytes)";
  else
    mem += given("memory", "--memory-bytes");
  out.push_back(mem);
  return out;
}

}  // namespace gust::prove
