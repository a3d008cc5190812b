// The module's layout in the object: function declarations, the linear
// memory region, globals, tables and their descriptors, segments, the export
// symbols and the start function.
#include <cstdio>
#include <cstring>

#include "dissolve/lowering.h"
#include "gust/trap.h"

namespace gust::dissolve {

namespace {

std::string type_text(const FuncType& t) {
  std::string s = "(";
  for (size_t i = 0; i < t.params.size(); ++i) s += std::string(i ? " " : "") + name(t.params[i]);
  s += ") -> (";
  for (size_t i = 0; i < t.results.size(); ++i) s += std::string(i ? " " : "") + name(t.results[i]);
  return s + ")";
}

// A LEB128 u32 at p, advancing p; false past end or over 5 bytes.
bool read_u32(const std::vector<uint8_t>& b, size_t& p, size_t end, uint32_t& out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (p >= end) return false;
    const uint8_t byte = b[p++];
    v |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      out = uint32_t(v);
      return v <= UINT32_MAX;
    }
  }
  return false;
}

bool read_name(const std::vector<uint8_t>& b, size_t& p, size_t end, std::string& out) {
  uint32_t n = 0;
  if (!read_u32(b, p, end, n) || n > end - p) return false;
  out.assign(b.begin() + p, b.begin() + p + n);
  p += n;
  return true;
}

// Whether a module's imports can carry linear-memory addresses to a bridge:
// every function it imports is from an interface whose functions take
// values only (registers, lines, single bytes, the prover's harness API).
// The others (uart-block's block moves, the spec suite's hosts) may address
// the region as one array.
bool imports_take_addresses(const Module& m) {
  for (const auto& im : m.imports)
    if (im.kind == ExternKind::Func && im.module != "gust:hal/mmio" && im.module != "gust:hal/irq" &&
        im.module != "gust:hal/uart-byte" && im.module != "gust:prove")
      return true;
  return false;
}

}  // namespace

std::vector<std::string> name_map(const Module& m, uint8_t want, size_t count) {
  std::vector<std::string> names;
  const std::vector<uint8_t>& b = m.bytes;
  size_t p = 8;  // after the magic and version, which decode checked
  while (p < b.size()) {
    const uint8_t id = b[p++];
    uint32_t size = 0;
    if (!read_u32(b, p, b.size(), size) || size > b.size() - p) return {};
    const size_t end = p + size;
    std::string section;
    size_t q = p;
    if (id == 0 && read_name(b, q, end, section) && section == "name") {
      while (q < end) {
        const uint8_t sub = b[q++];
        uint32_t len = 0;
        if (!read_u32(b, q, end, len) || len > end - q) return {};
        const size_t sub_end = q + len;
        if (sub == want) {  // a name map: a vector of (index, name)
          uint32_t n = 0;
          if (!read_u32(b, q, sub_end, n)) return {};
          for (uint32_t i = 0; i < n; ++i) {
            uint32_t index = 0;
            std::string name;
            if (!read_u32(b, q, sub_end, index) || !read_name(b, q, sub_end, name) || index >= count) return {};
            if (names.size() <= index) names.resize(index + 1);
            names[index] = std::move(name);
          }
          return names;
        }
        q = sub_end;
      }
    }
    p = end;
  }
  return names;
}

std::vector<std::string> data_segment_names(const Module& m) { return name_map(m, 9, m.datas.size()); }

std::vector<std::string> function_names(const Module& m) { return name_map(m, 1, m.num_funcs()); }

namespace {
bool read_only_segment(const std::string& name) { return name == ".rodata" || name.rfind(".rodata.", 0) == 0; }

// read_only_hull over the segment names already read.
ReadOnlyData hull_of(const Module& m, const std::vector<std::string>& names) {
  uint64_t begin = UINT64_MAX, end = 0;
  for (size_t i = 0; i < m.datas.size() && i < names.size(); ++i) {
    const auto& d = m.datas[i];
    if (!read_only_segment(names[i])) continue;
    if (d.mode != SegmentMode::Active || d.offset.op != Op::I32Const) return {};
    const uint64_t at = uint32_t(d.offset.value);
    begin = std::min(begin, at);
    end = std::max(end, at + d.bytes.size());
  }
  if (end <= begin) return {};
  return {begin, end};
}
}  // namespace

ReadOnlyData read_only_hull(const Module& m) { return hull_of(m, data_segment_names(m)); }

ReadOnlyData read_only_data(const Module& m, const Options& o) {
  ReadOnlyData ro;
  if (!o.read_only_flash || o.linkable || m.num_memories() == 0 || m.import_of(ExternKind::Memory, 0)) return ro;
  const Limits lim = m.memory_limits(0);
  const uint64_t size = o.memory_bytes ? *o.memory_bytes : lim.min * kPage;
  if (o.memory_max_bytes && !o.memory_bytes) return ro;  // a region that may grow keeps one array
  if (size > kMaxDataRegion) return ro;                  // its data is copied in at start-up
  bool exported = false;
  for (const auto& e : m.exports) exported = exported || e.kind == ExternKind::Memory;
  if (exported && imports_take_addresses(m)) return ro;
  const std::vector<std::string> names = data_segment_names(m);
  auto read_only = [&](size_t i) { return i < names.size() && read_only_segment(names[i]); };
  const ReadOnlyData hull = hull_of(m, names);
  uint64_t begin = hull.begin;
  const uint64_t end = hull.end;
  if (hull.empty() || end > size) return ro;
  // Any other segment inside the hull is writable data there: keep it all.
  bool below = false;  // a writable segment below the hull's end
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const auto& d = m.datas[i];
    if (read_only(i) || d.mode != SegmentMode::Active) continue;
    if (d.offset.op != Op::I32Const) return ro;
    const uint64_t at = uint32_t(d.offset.value);
    if (at < end && at + d.bytes.size() > begin) return ro;
    below = below || at < end;
  }
  // The low layout: the hull at the bottom of the memory (wasm-ld puts
  // .rodata first; gust links drivers with the shadow stack above the data
  // when they have read-only data, compose::wasm_link_flags), only zeros
  // under it, nothing writable under it: no segment, and no shadow stack
  // (every mutable i32 global, __stack_pointer among them, starts at 0 or at
  // or above the hull's end; an imported one may point anywhere). The hull
  // then grows down to 0 and a load picks flash or SRAM with one compare.
  bool low = !below && begin <= kLowHullGap;
  for (const auto& im : m.imports)
    low = low && !(im.kind == ExternKind::Global && im.global.mutable_);
  for (const auto& g : m.globals)
    if (g.type.mutable_ && g.type.type == ValType::I32) {
      const uint64_t v = uint32_t(g.init.value);
      low = low && g.init.op == Op::I32Const && (v == 0 || v >= end);
    }
  if (low) begin = 0;
  if (end - begin < (low ? o.read_only_low_min : o.read_only_min)) return ro;
  ro.begin = begin;
  ro.end = end;
  return ro;
}

std::string Lowering::describe(const Import& im) const {
  std::string s = "import \"" + im.module + "\" \"" + im.name + "\" (" + name(im.kind);
  switch (im.kind) {
    case ExternKind::Func:
      s += " " + type_text(m_.types[im.func_type]);
      break;
    case ExternKind::Global:
      s += std::string(im.global.mutable_ ? " mut " : " ") + name(im.global.type);
      break;
    case ExternKind::Table:  // limits may differ: one table can match several
      s += std::string(" ") + name(im.table.elem);
      break;
    default:
      break;
  }
  return s + ")";
}

void Lowering::claim(const std::string& symbol, const std::string& what, std::optional<size_t> offset) {
  auto [it, fresh] = claims_.try_emplace(symbol, Claim{what, offset});
  if (fresh || it->second.what == what) return;
  Error e;
  e.kind = Error::Kind::Input;
  e.offset = offset;
  e.message = what + ": its symbol " + symbol + " is also " + it->second.what;
  if (it->second.offset) {
    char at[32];
    snprintf(at, sizeof at, " (at %08zx)", *it->second.offset);  // as Error::str shows offsets
    e.message += at;
  }
  e.message += "; one symbol cannot be both";
  throw Failure{e};
}

llvm::Type* Lowering::type(ValType t) {
  switch (t) {
    case ValType::I32:
      return b_.getInt32Ty();
    case ValType::I64:
      return b_.getInt64Ty();
    case ValType::F32:
      return b_.getFloatTy();
    case ValType::F64:
      return b_.getDoubleTy();
    default:
      return b_.getPtrTy();
  }
}

llvm::Type* Lowering::result_type(const FuncType& t) {
  if (t.results.empty()) return b_.getVoidTy();
  if (t.results.size() == 1) return type(t.results[0]);
  std::vector<llvm::Type*> ts;
  for (auto r : t.results) ts.push_back(type(r));
  return llvm::StructType::get(ctx_, ts);
}

llvm::FunctionType* Lowering::fn_type(const FuncType& t) {
  std::vector<llvm::Type*> ps;
  for (auto p : t.params) ps.push_back(type(p));
  return llvm::FunctionType::get(result_type(t), ps, false);
}

bool Lowering::uses_op(Op op) const {
  for (const auto& f : m_.functions) {
    Reader r(m_.bytes, f.body_begin, f.body_end);
    Instr in;
    while (!r.at_end()) {
      read_instr(r, in, true);
      if (in.op == op) return true;
    }
  }
  return false;
}

bool Lowering::uses_memory() const {
  if (!m_.datas.empty()) return true;
  for (const auto& e : m_.exports)
    if (e.kind == ExternKind::Memory && (o_.linkable || o_.keep_exports.count(e.name))) return true;
  if (o_.linkable && m_.imported(ExternKind::Memory)) return true;
  for (const auto& f : m_.functions) {
    Reader r(m_.bytes, f.body_begin, f.body_end);
    Instr in;
    while (!r.at_end()) {
      read_instr(r, in, true);
      const Imm imm = info(in.op).imm;
      if (imm == Imm::MemArg || imm == Imm::AtomicMemArg || in.op == Op::MemorySize || in.op == Op::MemoryGrow || in.op == Op::MemoryInit ||
          in.op == Op::MemoryCopy || in.op == Op::MemoryFill)
        return true;
    }
  }
  return false;
}

// Whether any function has an atomic access (the read-only layout aligns
// its high part for them).
static bool uses_atomics(const Module& m) {
  for (const auto& f : m.functions) {
    Reader r(m.bytes, f.body_begin, f.body_end);
    Instr in;
    while (!r.at_end()) {
      read_instr(r, in, true);
      if (info(in.op).imm == Imm::AtomicMemArg) return true;
    }
  }
  return false;
}

void Lowering::define_memory() {
  if (m_.num_memories() == 0 || !uses_memory()) return;
  if (const Import* im = m_.import_of(ExternKind::Memory, 0)) {
    if (!o_.linkable) unsupported(im->offset, "an imported memory needs --linkable");
    // Another instance's memory: every size is read at run time.
    const std::string sym = import_symbol(im->module, im->name, o_.prefix);
    const std::string what = describe(*im);
    claim(sym, what, im->offset);
    claim(sym + kMemorySizeSymbols.size, "the page count of " + what, im->offset);
    claim(sym + kMemorySizeSymbols.capacity, "the page capacity of " + what, im->offset);
    memory_ = new llvm::GlobalVariable(*mod_, llvm::ArrayType::get(b_.getInt8Ty(), 0), false,
                                       llvm::GlobalValue::ExternalLinkage, nullptr, sym);
    memory_pages_ = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::ExternalLinkage, nullptr,
                                             sym + kMemorySizeSymbols.size);
    memory_max_pages_ = new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                                                 nullptr, sym + kMemorySizeSymbols.capacity);
    return;
  }
  const Limits lim = m_.memory_limits(0);
  memory_size_ = o_.memory_bytes ? *o_.memory_bytes : lim.min * kPage;
  memory_capacity_ = memory_size_;
  bool exported = false;
  for (const auto& e : m_.exports) exported = exported || e.kind == ExternKind::Memory;
  if (o_.memory_max_bytes && !o_.memory_bytes && (uses_op(Op::MemoryGrow) || (o_.linkable && exported))) {
    uint64_t max_pages = lim.max ? *lim.max : 65536;
    max_pages = std::min(max_pages, *o_.memory_max_bytes / kPage);
    if (max_pages > lim.min || (o_.linkable && exported)) {
      memory_capacity_ = std::max<uint64_t>(max_pages, lim.min) * kPage;
      memory_pages_ =
          new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                   b_.getInt32(uint32_t(lim.min)), local_name("memory") + kMemorySizeSymbols.size);
    }
  }
  // A region gust places statically: it must fit the Cortex-M SRAM space,
  // and one with initial contents is stored whole in the object.
  if (memory_capacity_ > kMaxRegion) {
    Error e;
    e.kind = Error::Kind::Limit;
    e.message = "a " + std::to_string(memory_capacity_) + "-byte linear memory region is larger than gust places (" +
                std::to_string(kMaxRegion) + " bytes)";
    throw Failure{e};
  }
  // Initial contents go in the initialiser (.data) when the region is small
  // enough to store byte for byte; a larger one is zeroed (.bss) and its
  // segments are copied in by gust_start.
  bool has_data = false;
  for (const auto& d : m_.datas) has_data = has_data || (d.mode == SegmentMode::Active && !d.bytes.empty());
  data_at_start_ = has_data && memory_capacity_ > kMaxDataRegion;
  std::vector<uint8_t> image(has_data && !data_at_start_ ? memory_capacity_ : 0, 0);
  bool any = false;
  for (const auto& d : m_.datas) {
    if (d.mode != SegmentMode::Active || data_at_start_) continue;
    if (d.offset.op != Op::I32Const) continue;  // placed at start-up, by gust_start
    const uint64_t at = uint32_t(d.offset.value);
    if (at + d.bytes.size() > memory_size_) {
      Error e;
      e.kind = Error::Kind::Limit;
      e.offset = d.position;
      e.message = "data segment [" + std::to_string(at) + ", " + std::to_string(at + d.bytes.size()) +
                  ") lies outside the " + std::to_string(memory_size_) + "-byte memory region";
      throw Failure{e};
    }
    if (!d.bytes.empty()) std::memcpy(image.data() + at, d.bytes.data(), d.bytes.size());
    any = any || !d.bytes.empty();
  }
  if (const ReadOnlyData ro = read_only_data(m_, o_); !ro.empty() && any && !memory_pages_) {
    // The read-only hull [A, B) goes to flash, the rest to SRAM as one array
    // G: [0, A), then copies of the hull's first and last kReadOnlyPad
    // bytes, then [B, N). A load that straddles A or B then reads the copies
    // (G + e below A, G + e + hi_off from B - pad up), so every access has
    // one of three bases and never spans two; stores to the copies trap with
    // every other store to [A, B) (see Lowering::address).
    const uint64_t a = ro.begin, b = ro.end, n = memory_capacity_;
    ro_begin_ = a;
    ro_end_ = b;
    // With atomics, a gap after the low copy keeps hi_off a multiple of 8,
    // so that an aligned wasm address above the hull is an aligned native
    // one (LDREX and STREX fault otherwise).
    // A hull from 0 (the low layout) has nothing below it to copy: no low
    // copy, and a load below B - size + 1 is in flash.
    lo_pad_ = a == 0 ? 0 : kReadOnlyPad;
    const int64_t unaligned = int64_t(a + lo_pad_ + kReadOnlyPad) - int64_t(b);
    const uint64_t gap = uses_atomics(m_) ? uint64_t((8 - (unaligned % 8 + 8) % 8) % 8) : 0;
    hi_off_ = unaligned + int64_t(gap);
    std::vector<uint8_t> flash(image.begin() + a, image.begin() + b);
    std::vector<uint8_t> sram(image.begin(), image.begin() + int64_t(a + lo_pad_));
    sram.insert(sram.end(), gap, 0);
    sram.insert(sram.end(), image.begin() + (b - kReadOnlyPad), image.begin() + n);
    rodata_ = new llvm::GlobalVariable(*mod_, llvm::ArrayType::get(b_.getInt8Ty(), flash.size()), true,
                                       llvm::GlobalValue::InternalLinkage, llvm::ConstantDataArray::get(ctx_, flash),
                                       local_name("rodata"));
    rodata_->setAlignment(llvm::Align(8));
    // Only the writable part's bytes go to .data: a region of zeros is .bss.
    bool nonzero = false;
    for (uint8_t c : sram) nonzero = nonzero || c;
    auto* arr = llvm::ArrayType::get(b_.getInt8Ty(), sram.size());
    llvm::Constant* init = nonzero ? llvm::ConstantDataArray::get(ctx_, sram)
                                   : static_cast<llvm::Constant*>(llvm::ConstantAggregateZero::get(arr));
    memory_ =
        new llvm::GlobalVariable(*mod_, arr, false, llvm::GlobalValue::InternalLinkage, init, memory_symbol(o_.prefix));
    memory_->setAlignment(llvm::Align(8));
    return;
  }
  auto* arr = llvm::ArrayType::get(b_.getInt8Ty(), memory_capacity_);
  llvm::Constant* init = any ? llvm::ConstantDataArray::get(ctx_, image)
                             : static_cast<llvm::Constant*>(llvm::ConstantAggregateZero::get(arr));
  memory_ =
      new llvm::GlobalVariable(*mod_, arr, false, llvm::GlobalValue::InternalLinkage, init, memory_symbol(o_.prefix));
  memory_->setAlignment(llvm::Align(8));
}

llvm::Constant* Lowering::const_value(const ConstExpr& c) {
  switch (c.op) {
    case Op::I32Const:
      return b_.getInt32(uint32_t(c.value));
    case Op::I64Const:
      return b_.getInt64(c.value);
    case Op::F32Const:
      return llvm::ConstantFP::get(ctx_, llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, c.value)));
    case Op::F64Const:
      return llvm::ConstantFP::get(ctx_, llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, c.value)));
    case Op::RefNull:
      return llvm::ConstantPointerNull::get(b_.getPtrTy());
    case Op::RefFunc:
      return descriptor(uint32_t(c.value));
    default:
      unsupported(c.offset, "constant expression reading an imported global", info(c.op).text);
  }
}

llvm::Constant* Lowering::descriptor(uint32_t func) {
  auto it = descriptors_.find(func);
  if (it != descriptors_.end()) return it->second;
  auto* init = llvm::ConstantStruct::get(desc_type_, {funcs_[func], signature(m_.func_type(func))});
  auto* g = new llvm::GlobalVariable(*mod_, desc_type_, true, llvm::GlobalValue::InternalLinkage, init,
                                     local_name("ref_f" + std::to_string(func)));
  return descriptors_[func] = g;
}

// A signature's identity: the address of a read-only object named by the
// type's binary encoding (signature_symbol), one per image: a COMDAT group
// keeps one copy of each however many objects define it. It has a size, so
// no two share an address, and a significant address (not unnamed_addr), so
// the linker merges none with equal bytes. call_indirect then compares two
// addresses: equal exactly when the signatures are, with no hash to collide.
llvm::GlobalVariable* Lowering::signature(const FuncType& t) {
  const std::string sym = signature_symbol(t);
  llvm::GlobalVariable*& g = signatures_[sym];
  if (g) return g;
  const std::vector<uint8_t> bytes = signature_bytes(t);
  llvm::Constant* init = llvm::ConstantDataArray::get(ctx_, bytes);
  g = new llvm::GlobalVariable(*mod_, init->getType(), true, llvm::GlobalValue::LinkOnceODRLinkage, init, sym);
  g->setComdat(mod_->getOrInsertComdat(sym));
  g->setAlignment(llvm::Align(1));
  return g;
}

void Lowering::define_globals() {
  for (uint32_t i = 0; i < m_.num_globals(); ++i) {
    GlobalType gt = m_.global_type(i);
    if (auto* im = m_.import_of(ExternKind::Global, i)) {
      const std::string sym = import_symbol(im->module, im->name, o_.prefix);
      claim(sym, describe(*im), im->offset);  // imported twice: the same type, or refused
      llvm::GlobalVariable* g = mod_->getGlobalVariable(sym);
      if (!g)
        g = new llvm::GlobalVariable(*mod_, type(gt.type), !gt.mutable_, llvm::GlobalValue::ExternalLinkage, nullptr,
                                     sym);
      globals_.push_back(g);
      continue;
    }
    const Global& def = m_.globals[i - m_.imported(ExternKind::Global)];
    llvm::Constant* init;
    // An imported global's value is known only at start-up: gust_start copies it.
    init = def.init.op == Op::GlobalGet ? llvm::Constant::getNullValue(type(gt.type)) : const_value(def.init);
    const bool set_at_start = def.init.op == Op::GlobalGet;
    globals_.push_back(new llvm::GlobalVariable(*mod_, type(gt.type), !gt.mutable_ && !set_at_start,
                                                llvm::GlobalValue::InternalLinkage, init,
                                                local_name("global" + std::to_string(i))));
  }
}

void Lowering::define_tables() {
  for (uint32_t t = 0; t < m_.num_tables(); ++t) {
    if (const Import* im = m_.import_of(ExternKind::Table, t)) {
      if (!o_.linkable) unsupported(im->offset, "an imported table needs --linkable");
      const std::string sym = import_symbol(im->module, im->name, o_.prefix);
      const std::string what = describe(*im);
      claim(sym, what, im->offset);
      claim(sym + kTableSizeSymbols.size, "the size of " + what, im->offset);
      claim(sym + kTableSizeSymbols.capacity, "the capacity of " + what, im->offset);
      // One table imported twice is one table: the same three symbols.
      auto declare = [&](const std::string& name, llvm::Type* ty, bool constant) {
        if (llvm::GlobalVariable* g = mod_->getGlobalVariable(name)) return g;
        return new llvm::GlobalVariable(*mod_, ty, constant, llvm::GlobalValue::ExternalLinkage, nullptr, name);
      };
      Table tab;
      tab.slots = declare(sym, llvm::ArrayType::get(b_.getPtrTy(), 0), false);
      tab.size = declare(sym + kTableSizeSymbols.size, b_.getInt32Ty(), false);
      tab.capacity_var = declare(sym + kTableSizeSymbols.capacity, b_.getInt32Ty(), true);
      tables2_.push_back(tab);
      continue;
    }
    TableType tt = m_.table_type(t);
    Table tab;
    tab.min = tt.limits.min;
    const uint64_t max = tt.limits.max ? *tt.limits.max : UINT32_MAX;
    tab.capacity = std::min<uint64_t>(max, tab.min + o_.table_growth);
    if (tab.capacity > 65536) {
      Error e;
      e.kind = Error::Kind::Limit;
      e.message =
          "table " + std::to_string(t) + " needs " + std::to_string(tab.capacity) + " entries, more than gust places";
      throw Failure{e};
    }
    std::vector<llvm::Constant*> slots(tab.capacity, llvm::ConstantPointerNull::get(b_.getPtrTy()));
    for (const auto& e : m_.elems) {
      if (e.mode != SegmentMode::Active || e.table != t) continue;
      if (e.offset.op != Op::I32Const) continue;  // placed at start-up, by gust_start
      const uint64_t at = uint32_t(e.offset.value);
      if (at + e.items.size() > tab.min) {
        Error err;
        err.kind = Error::Kind::Limit;
        err.offset = e.position;
        err.message = "element segment out of bounds of table " + std::to_string(t) + " (out of bounds table access)";
        throw Failure{err};
      }
      for (size_t k = 0; k < e.items.size(); ++k) slots[at + k] = const_value(e.items[k]);
    }
    auto* arr = llvm::ArrayType::get(b_.getPtrTy(), tab.capacity);
    tab.slots = new llvm::GlobalVariable(*mod_, arr, false, llvm::GlobalValue::InternalLinkage,
                                         llvm::ConstantArray::get(arr, slots), table_symbol(t, o_.prefix));
    bool exported = false;
    for (const auto& e : m_.exports) exported = exported || (e.kind == ExternKind::Table && e.index == t);
    if (tab.capacity > tab.min || (o_.linkable && exported))
      tab.size =
          new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                   b_.getInt32(uint32_t(tab.min)), table_symbol(t, o_.prefix) + kTableSizeSymbols.size);
    tables2_.push_back(tab);
  }
}

// Passive segments stay in flash for memory.init / table.init; a length
// global per segment drops to 0 at data.drop / elem.drop. Active and
// declarative segments count as dropped once instantiated.
void Lowering::define_segments() {
  for (size_t i = 0; i < m_.datas.size(); ++i) {
    const auto& d = m_.datas[i];
    const bool passive = d.mode == SegmentMode::Passive;
    auto* arr = llvm::ArrayType::get(b_.getInt8Ty(), passive ? d.bytes.size() : 0);
    data_segs_.push_back(new llvm::GlobalVariable(
        *mod_, arr, true, llvm::GlobalValue::InternalLinkage,
        passive ? llvm::ConstantDataArray::get(ctx_, d.bytes) : llvm::ConstantAggregateZero::get(arr),
        local_name("data" + std::to_string(i))));
    data_lens_.push_back(new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                                  b_.getInt32(passive ? uint32_t(d.bytes.size()) : 0),
                                                  local_name("data_len" + std::to_string(i))));
  }
  for (size_t i = 0; i < m_.elems.size(); ++i) {
    const auto& e = m_.elems[i];
    const bool passive = e.mode == SegmentMode::Passive;
    std::vector<llvm::Constant*> items;
    if (passive)
      for (const auto& it : e.items) items.push_back(const_value(it));
    auto* arr = llvm::ArrayType::get(b_.getPtrTy(), items.size());
    elem_segs_.push_back(new llvm::GlobalVariable(*mod_, arr, true, llvm::GlobalValue::InternalLinkage,
                                                  llvm::ConstantArray::get(arr, items),
                                                  local_name("elem" + std::to_string(i))));
    elem_lens_.push_back(new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), false, llvm::GlobalValue::InternalLinkage,
                                                  b_.getInt32(uint32_t(items.size())),
                                                  local_name("elem_len" + std::to_string(i))));
  }
}

void Lowering::declare_functions() {
  for (uint32_t i = 0; i < m_.num_funcs(); ++i) {
    const FuncType& ft = m_.func_type(i);
    llvm::Function* f;
    if (auto* im = m_.import_of(ExternKind::Func, i)) {
      const auto link = o_.import_links.find({im->module, im->name});
      const std::string sym =
          link != o_.import_links.end() ? link->second : import_symbol(im->module, im->name, o_.prefix);
      claim(sym, describe(*im), im->offset);  // imported twice: the same type, or refused
      f = mod_->getFunction(sym);
      if (!f) f = llvm::Function::Create(fn_type(ft), llvm::GlobalValue::ExternalLinkage, sym, *mod_);
    } else {
      const std::string name = i < func_names_.size() ? func_names_[i] : "";
      f = llvm::Function::Create(fn_type(ft), llvm::GlobalValue::InternalLinkage,
                                 function_symbol(i, name, o_.prefix), *mod_);
    }
    f->addFnAttr(llvm::Attribute::NoUnwind);
    funcs_.push_back(f);
  }
}

void Lowering::export_symbols() {
  // An exported memory that the module uses: the region and its size in
  // bytes under gust's names (memory_symbol), whatever the export is called,
  // for a bridge that moves blocks of bytes in and out of it (it checks
  // every address against the size). No export of a function or global can
  // take these names, so a bridge never moves bytes through a forged region.
  // Without a prefix (and not --linkable), no bridge can name the region
  // (bridge_uart.h names <instance>_gust_memory), so it stays local: two
  // modules dissolved without a prefix then link together. With read-only
  // data in flash the region is not one array; read_only_data keeps it whole
  // for a module whose imports may address it.
  const bool region_visible = (!o_.prefix.empty() || o_.linkable) && !rodata_;
  for (const auto& e : m_.exports) {
    if (e.kind != ExternKind::Memory || !memory_ || !memory_->hasInternalLinkage() || !region_visible) continue;
    const std::string sym = memory_symbol(o_.prefix);
    claim(sym, "the memory region");
    claim(sym + kMemoryBytesSymbol, "the memory region's size");
    memory_->setLinkage(llvm::GlobalValue::ExternalLinkage);
    new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                             b_.getInt32(uint32_t(memory_size_)), sym + kMemoryBytesSymbol);
    if (o_.linkable && memory_pages_) {
      claim(sym + kMemorySizeSymbols.size, "the memory's page count");
      claim(sym + kMemorySizeSymbols.capacity, "the memory's page capacity");
      memory_pages_->setLinkage(llvm::GlobalValue::ExternalLinkage);
      new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                               b_.getInt32(uint32_t(memory_capacity_ / kPage)), sym + kMemorySizeSymbols.capacity);
    }
  }
  if (o_.linkable) {
    for (const auto& e : m_.exports) {
      if (e.kind != ExternKind::Table) continue;
      Table& t = tables2_[e.index];
      if (!t.slots->hasInternalLinkage() || !t.size) continue;  // re-exported import, or already exported
      const std::string sym = table_symbol(e.index, o_.prefix);
      claim(sym, "table " + std::to_string(e.index));
      claim(sym + kTableSizeSymbols.size, "the size of table " + std::to_string(e.index));
      claim(sym + kTableSizeSymbols.capacity, "the capacity of table " + std::to_string(e.index));
      t.slots->setLinkage(llvm::GlobalValue::ExternalLinkage);
      t.size->setLinkage(llvm::GlobalValue::ExternalLinkage);
      new llvm::GlobalVariable(*mod_, b_.getInt32Ty(), true, llvm::GlobalValue::ExternalLinkage,
                               b_.getInt32(uint32_t(t.capacity)), sym + kTableSizeSymbols.capacity);
    }
  }
  // A function or global export's symbol is named by the module: refused
  // where it would reach gust's own, or what it already imports.
  auto export_sym = [&](const Export& e) {
    if (const std::string why = export_refusal(e.name, o_.prefix); !why.empty()) {
      Error err;
      err.kind = Error::Kind::Input;
      err.offset = e.offset;
      err.message =
          "export \"" + e.name + "\" (" + name(e.kind) + " " + std::to_string(e.index) + ") is refused: " + why;
      throw Failure{err};
    }
    const std::string sym = export_symbol(e.name, o_.prefix);
    claim(sym, "export \"" + e.name + "\"", e.offset);
    return sym;
  };
  std::map<uint32_t, int> seen_globals;
  for (const auto& e : m_.exports) {
    if (e.kind != ExternKind::Global) continue;
    if (!o_.keep_exports.empty() && !o_.keep_exports.count(e.name)) continue;
    llvm::GlobalVariable* g = globals_[e.index];
    if (g->isDeclaration()) continue;  // a re-exported import: its symbol is the importer's to define
    const std::string sym = export_sym(e);
    if (g->hasInternalLinkage() && !seen_globals.count(e.index)) {
      g->setName(sym);
      g->setLinkage(llvm::GlobalValue::ExternalLinkage);
    } else {
      llvm::GlobalAlias::create(llvm::GlobalValue::ExternalLinkage, sym, g);
    }
    seen_globals[e.index]++;
  }
  std::map<uint32_t, int> seen;
  for (const auto& e : m_.exports) {
    if (e.kind != ExternKind::Func) continue;
    if (!o_.keep_exports.empty() && !o_.keep_exports.count(e.name)) continue;
    llvm::Function* f = funcs_[e.index];
    const std::string sym = export_sym(e);
    if (f->isDeclaration()) {
      // A re-exported import: a thunk that calls it.
      auto* thunk =
          llvm::Function::Create(fn_type(m_.func_type(e.index)), llvm::GlobalValue::ExternalLinkage, sym, *mod_);
      thunk->addFnAttr(llvm::Attribute::NoUnwind);
      llvm::IRBuilder<> tb(BasicBlock::Create(ctx_, "entry", thunk));
      std::vector<Value*> args;
      for (auto& a : thunk->args()) args.push_back(&a);
      Value* r = tb.CreateCall(llvm::FunctionCallee(thunk->getFunctionType(), f), args);
      if (thunk->getReturnType()->isVoidTy())
        tb.CreateRetVoid();
      else
        tb.CreateRet(r);
    } else if (f->hasInternalLinkage() && !seen.count(e.index)) {
      f->setName(sym);
      f->setLinkage(llvm::GlobalValue::ExternalLinkage);
    } else {
      llvm::GlobalAlias::create(llvm::GlobalValue::ExternalLinkage, sym, f);
    }
    seen[e.index]++;
  }
}

// What instantiation does at run time rather than at dissolve time: globals
// and segment offsets that read imported globals, then the start function.
// All of it runs from <prefix>gust_start, which the firmware (or the spec
// runner) calls before it uses the instance. A module that needs none of it
// has no gust_start.
void Lowering::define_start() {
  const uint32_t nimported = m_.imported(ExternKind::Global);
  bool needed = m_.start.has_value();
  for (const auto& g : m_.globals) needed = needed || g.init.op == Op::GlobalGet;
  // Segments whose offset reads a global, or whose memory or table is
  // another instance's, are placed here; the others are in the initialisers.
  auto runtime_data = [&](const DataSegment& d) {
    return d.mode == SegmentMode::Active && (d.offset.op == Op::GlobalGet || memory_imported() || data_at_start_);
  };
  auto runtime_elem = [&](const ElemSegment& e) {
    return e.mode == SegmentMode::Active &&
           (e.offset.op == Op::GlobalGet || m_.import_of(ExternKind::Table, e.table) != nullptr);
  };
  for (const auto& d : m_.datas) needed = needed || runtime_data(d);
  for (const auto& e : m_.elems) needed = needed || runtime_elem(e);
  if (!needed) return;
  claim(start_symbol(o_.prefix), "the start function");
  fn_ = llvm::Function::Create(llvm::FunctionType::get(b_.getVoidTy(), false), llvm::GlobalValue::ExternalLinkage,
                               start_symbol(o_.prefix), *mod_);
  fn_->addFnAttr(llvm::Attribute::NoUnwind);
  fn_->addFnAttr(llvm::Attribute::StrictFP);
  trap_blocks_.clear();
  b_.SetInsertPoint(BasicBlock::Create(ctx_, "entry", fn_));
  auto read_global = [&](uint64_t index) { return b_.CreateLoad(globals_[index]->getValueType(), globals_[index]); };
  for (size_t i = 0; i < m_.globals.size(); ++i)
    if (m_.globals[i].init.op == Op::GlobalGet)
      b_.CreateStore(read_global(m_.globals[i].init.value), globals_[nimported + i]);
  llvm::Type* i64 = b_.getInt64Ty();
  for (size_t i = 0; i < m_.elems.size(); ++i) {
    const auto& e = m_.elems[i];
    if (!runtime_elem(e)) continue;
    Value* at = e.offset.op == Op::GlobalGet ? static_cast<Value*>(read_global(e.offset.value))
                                             : b_.getInt32(uint32_t(e.offset.value));
    trap_if(b_.CreateICmpUGT(b_.CreateAdd(b_.CreateZExt(at, i64), b_.getInt64(e.items.size())),
                             b_.CreateZExt(table_size(e.table), i64)),
            GUST_TRAP_TABLE_ACCESS_OOB);
    const Table& t = tables2_[e.table];
    for (size_t k = 0; k < e.items.size(); ++k)
      b_.CreateStore(const_value(e.items[k]),
                     b_.CreateInBoundsGEP(t.slots->getValueType(), t.slots,
                                          {b_.getInt32(0), b_.CreateAdd(at, b_.getInt32(uint32_t(k)))}));
  }
  for (size_t i = 0; i < m_.datas.size(); ++i) {
    const auto& d = m_.datas[i];
    if (!runtime_data(d)) continue;
    Value* at = d.offset.op == Op::GlobalGet ? static_cast<Value*>(read_global(d.offset.value))
                                             : b_.getInt32(uint32_t(d.offset.value));
    trap_if(b_.CreateICmpUGT(b_.CreateAdd(b_.CreateZExt(at, i64), b_.getInt64(d.bytes.size())), memory_bytes()),
            GUST_TRAP_MEMORY_OOB);
    if (d.bytes.empty()) continue;
    auto* src = new llvm::GlobalVariable(
        *mod_, llvm::ArrayType::get(b_.getInt8Ty(), d.bytes.size()), true, llvm::GlobalValue::InternalLinkage,
        llvm::ConstantDataArray::get(ctx_, d.bytes), local_name("data_init" + std::to_string(i)));
    b_.CreateMemCpy(b_.CreateInBoundsGEP(b_.getInt8Ty(), memory_, {b_.CreateZExt(at, i64)}), llvm::MaybeAlign(1), src,
                    llvm::MaybeAlign(1), d.bytes.size());
  }
  if (m_.start) b_.CreateCall(funcs_[*m_.start]);
  b_.CreateRetVoid();
}

}  // namespace gust::dissolve
