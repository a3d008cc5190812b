// Stage 1 of the pipeline: bytes -> Module. Checks the binary format only;
// typing rules are validate.cpp's.
#include <cstdio>
#include <optional>

#include "limits.h"
#include "module.h"
#include "reader.h"

namespace gust::wasm {

namespace {

class Decoder {
 public:
  explicit Decoder(Module& m) : m_(m), r_(m.bytes, 0, m.bytes.size()) {}
  void run();

 private:
  Limits limits(bool is_memory);
  void second_memory(size_t at);
  void extended_const(const Instr& after_value);
  ConstExpr const_expr();
  TableType table_type();
  GlobalType global_type();
  void section(uint8_t id, Reader& s);
  void code_section(Reader& s);
  void elem_section(Reader& s);
  void data_section(Reader& s);
  void read_locals(Reader& body, Function& f);
  void check_body(const Function& f);

  Module& m_;
  Reader r_;
  std::vector<uint32_t> func_decls_;  // the function section's type indices
  bool saw_code_ = false;
  std::optional<CodeBudget> budget_;  // over the code section's bodies
  uint64_t locals_ = 0;               // summed over the bodies read so far
  uint64_t table_entries_ = 0, elem_items_ = 0, data_bytes_ = 0;
};

Limits Decoder::limits(bool is_memory) {
  const size_t at = r_.pos();
  const uint8_t flags = r_.u8();
  if (flags > 1) {
    if (is_memory && (flags == 2 || flags == 3)) r_.fail_at(at, "threads: shared memory", Error::Kind::Unsupported);
    if (is_memory && flags >= 4 && flags <= 7)
      r_.fail_at(at, "memory64: 64-bit memory limits", Error::Kind::Unsupported);
    r_.fail_at(at, "integer too large: malformed limits flags");
  }
  Limits l;
  l.min = r_.u32();
  if (flags & 1) l.max = r_.u32();
  return l;
}

TableType Decoder::table_type() {
  TableType t;
  t.elem = r_.reftype();
  t.limits = limits(false);
  return t;
}

// One memory is what gust places; a second is the multi-memory proposal.
void Decoder::second_memory(size_t at) {
  if (m_.num_memories() >= 1) r_.fail_at(at, "multi-memory: a second memory", Error::Kind::Unsupported);
}

// More than one value in a constant expression: the extended-const proposal
// when constants and global.get are combined by i32/i64 add, sub or mul (then
// unsupported, at the arithmetic), else invalid as in the MVP (the caller's).
void Decoder::extended_const(const Instr& after_value) {
  const size_t resume = r_.pos();
  Instr in = after_value;
  for (;;) {
    switch (in.op) {
      case Op::I32Const:
      case Op::I64Const:
      case Op::GlobalGet:
        if (r_.at_end()) break;
        read_instr(r_, in, true);
        continue;
      case Op::I32Add:
      case Op::I32Sub:
      case Op::I32Mul:
      case Op::I64Add:
      case Op::I64Sub:
      case Op::I64Mul:
        r_.fail_at(in.offset, std::string("extended constant expressions: ") + info(in.op).text,
                   Error::Kind::Unsupported);
      default:
        break;
    }
    break;
  }
  r_.seek(resume);
}

GlobalType Decoder::global_type() {
  GlobalType g;
  g.type = r_.valtype();
  const uint8_t mut = r_.u8();
  if (mut > 1) r_.fail_at(r_.pos() - 1, "malformed mutability");
  g.mutable_ = mut == 1;
  return g;
}

ConstExpr Decoder::const_expr() {
  ConstExpr c;
  c.offset = r_.pos();
  Instr in;
  read_instr(r_, in, true);
  c.op = in.op;
  switch (in.op) {
    case Op::I32Const:
    case Op::I64Const:
    case Op::F32Const:
    case Op::F64Const:
      c.value = in.value;
      break;
    case Op::GlobalGet:
    case Op::RefFunc:
      c.value = in.a;
      break;
    case Op::RefNull:
      c.ref_type = in.types[0];
      break;
    case Op::End:
      r_.fail_at(in.offset, "type mismatch: constant expression is empty", Error::Kind::Invalid);
    default:
      r_.fail_at(in.offset, std::string("constant expression required, not ") + info(in.op).text, Error::Kind::Invalid);
  }
  read_instr(r_, in, true);
  if (in.op != Op::End) extended_const(in);
  if (in.op != Op::End)
    r_.fail_at(in.offset, std::string("constant expression required: ") + info(in.op).text + " after the value",
               Error::Kind::Invalid);
  return c;
}

void Decoder::run() {
  if (m_.bytes.size() < 4 || m_.bytes[0] != 0 || m_.bytes[1] != 'a' || m_.bytes[2] != 's' || m_.bytes[3] != 'm')
    r_.fail_at(0, "magic header not detected");
  if (m_.bytes.size() < 8) r_.fail_at(4, "unexpected end: no version");
  r_.seek(4);
  if (r_.fixed32() != 1) r_.fail_at(4, "unknown binary version");
  check_cap(kMaxModuleBytes, m_.bytes.size(), kMaxModuleBytes.value);

  // Non-custom sections must appear in this order, each at most once.
  auto rank = [](uint8_t id) -> int {
    static const int order[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id <= 12 ? order[id] : -1;
  };
  int last = 0;
  while (!r_.at_end()) {
    const size_t at = r_.pos();
    const uint8_t id = r_.u8();
    if (id == 13) r_.fail_at(at, "exception handling: tag section", Error::Kind::Unsupported);
    if (id > 12) r_.fail_at(at, "malformed section id " + std::to_string(id));
    const uint32_t size = r_.u32();
    if (size > r_.end() - r_.pos()) r_.fail_at(at, "unexpected end: section size out of bounds (length out of bounds)");
    Reader s(m_.bytes, r_.pos(), r_.pos() + size);
    if (id != 0) {
      if (rank(id) <= last)
        r_.fail_at(
            at, "unexpected content after last section (section " + std::to_string(id) + " out of order or repeated)");
      last = rank(id);
    }
    std::swap(r_, s);  // read the section with r_ bounded to it
    section(id, r_);
    if (!r_.at_end()) r_.fail("section size mismatch");
    std::swap(r_, s);
    r_.seek(r_.pos() + size);
  }
  if (func_decls_.size() != m_.functions.size() || (!func_decls_.empty() && !saw_code_))
    r_.fail_at(m_.bytes.size(), "function and code section have inconsistent lengths");
  if (m_.data_count && *m_.data_count != m_.datas.size())
    r_.fail_at(m_.bytes.size(), "data count and data section have inconsistent lengths");
}

void Decoder::section(uint8_t id, Reader& s) {
  // A vector's length: within the section, and within `cap` counting the
  // `already` entries of its index space that came before (the imports).
  auto count = [&](const char* what, const Cap* cap = nullptr, uint64_t already = 0) {
    const size_t at = s.pos();
    const uint32_t n = s.u32();
    if (n > s.end() - s.pos()) s.fail(std::string("unexpected end: ") + what + " count too large");
    if (cap) check_cap(*cap, already + n, at);
    return n;
  };
  switch (id) {
    case 0:  // custom: a name, then anything
      (void)s.name();
      s.seek(s.end());
      break;
    case 1:
      for (uint32_t i = 0, n = count("type", &kMaxTypes); i < n; ++i) {
        const size_t at = s.pos();
        const uint8_t form = s.u8();
        if (form != 0x60) s.fail_at(at, "malformed function type form (integer representation too long)");
        FuncType t;
        for (uint32_t k = 0, np = count("parameter", &kMaxTypeArity); k < np; ++k) t.params.push_back(s.valtype());
        for (uint32_t k = 0, nr = count("result", &kMaxTypeArity); k < nr; ++k) t.results.push_back(s.valtype());
        m_.types.push_back(std::move(t));
      }
      break;
    case 2:
      for (uint32_t i = 0, n = count("import", &kMaxImports); i < n; ++i) {
        Import im;
        im.offset = s.pos();
        im.module = s.name();
        im.name = s.name();
        const size_t at = s.pos();
        const uint8_t kind = s.u8();
        switch (kind) {
          case 0:
            im.kind = ExternKind::Func;
            im.func_type = s.u32();
            break;
          case 1:
            im.kind = ExternKind::Table;
            im.table = table_type();
            break;
          case 2:
            im.kind = ExternKind::Memory;
            im.memory = limits(true);
            break;
          case 3:
            im.kind = ExternKind::Global;
            im.global = global_type();
            break;
          case 4:
            s.fail_at(at, "exception handling: tag import", Error::Kind::Unsupported);
          default:
            s.fail_at(at, "malformed import kind");
        }
        if (im.kind == ExternKind::Memory) second_memory(im.offset);
        m_.imports.push_back(std::move(im));
      }
      check_cap(kMaxFunctions, m_.imported(ExternKind::Func), s.pos());
      check_cap(kMaxTables, m_.imported(ExternKind::Table), s.pos());
      check_cap(kMaxGlobals, m_.imported(ExternKind::Global), s.pos());
      break;
    case 3:
      for (uint32_t i = 0, n = count("function", &kMaxFunctions, m_.imported(ExternKind::Func)); i < n; ++i)
        func_decls_.push_back(s.u32());
      break;
    case 4:
      for (uint32_t i = 0, n = count("table", &kMaxTables, m_.imported(ExternKind::Table)); i < n; ++i) {
        const size_t at = s.pos();
        m_.tables.push_back(table_type());
        check_cap(kMaxTableEntries, table_entries_ += m_.tables.back().limits.min, at);
      }
      break;
    case 5:
      for (uint32_t i = 0, n = count("memory"); i < n; ++i) {
        second_memory(s.pos());
        m_.memories.push_back(limits(true));
      }
      break;
    case 6:
      for (uint32_t i = 0, n = count("global", &kMaxGlobals, m_.imported(ExternKind::Global)); i < n; ++i) {
        Global g;
        g.type = global_type();
        g.init = const_expr();
        m_.globals.push_back(g);
      }
      break;
    case 7:
      for (uint32_t i = 0, n = count("export", &kMaxExports); i < n; ++i) {
        Export e;
        e.offset = s.pos();
        e.name = s.name();
        const size_t at = s.pos();
        const uint8_t kind = s.u8();
        if (kind == 4) s.fail_at(at, "exception handling: tag export", Error::Kind::Unsupported);
        if (kind > 3) s.fail_at(at, "malformed export kind");
        e.kind = ExternKind(kind);
        e.index = s.u32();
        m_.exports.push_back(std::move(e));
      }
      break;
    case 8:
      m_.start = s.u32();
      break;
    case 9:
      elem_section(s);
      break;
    case 10:
      code_section(s);
      break;
    case 11:
      data_section(s);
      break;
    case 12:
      m_.data_count = s.u32();
      break;
  }
}

void Decoder::elem_section(Reader& s) {
  const size_t at = s.pos();
  const uint32_t n = s.u32();
  check_cap(kMaxElemSegments, n, at);
  for (uint32_t i = 0; i < n; ++i) {
    ElemSegment e;
    e.position = s.pos();
    const uint32_t flags = s.u32();
    if (flags > 7) s.fail_at(e.position, "malformed elements segment kind");
    const bool passive_or_declarative = flags & 1;
    const bool explicit_table = flags & 2;
    const bool uses_exprs = flags & 4;
    if (!passive_or_declarative) {
      e.mode = SegmentMode::Active;
      if (explicit_table) e.table = s.u32();
      e.offset = const_expr();
    } else {
      e.mode = explicit_table ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    if (passive_or_declarative || explicit_table) {
      if (uses_exprs) {
        e.type = s.reftype();
      } else {
        const size_t at = s.pos();
        if (s.u8() != 0x00) s.fail_at(at, "malformed element kind");
      }
    }
    const size_t count_at = s.pos();
    const uint32_t count = s.u32();
    if (count > s.end() - s.pos()) s.fail("unexpected end: element count too large");
    check_cap(kMaxElemItems, elem_items_ += count, count_at);
    for (uint32_t k = 0; k < count; ++k) {
      if (uses_exprs) {
        e.items.push_back(const_expr());
      } else {
        ConstExpr c;
        c.offset = s.pos();
        c.op = Op::RefFunc;
        c.value = s.u32();
        e.items.push_back(c);
      }
    }
    m_.elems.push_back(std::move(e));
  }
}

void Decoder::data_section(Reader& s) {
  const size_t at = s.pos();
  const uint32_t n = s.u32();
  check_cap(kMaxDataSegments, n, at);
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment d;
    d.position = s.pos();
    const uint32_t flags = s.u32();
    if (flags > 2) s.fail_at(d.position, "malformed data segment kind");
    if (flags == 1) {
      d.mode = SegmentMode::Passive;
    } else {
      if (flags == 2) {
        const size_t mem_at = s.pos();
        d.memory = s.u32();
        if (d.memory != 0)
          s.fail_at(mem_at, "multi-memory: data segment for memory " + std::to_string(d.memory),
                    Error::Kind::Unsupported);
      }
      d.offset = const_expr();
    }
    const size_t len_at = s.pos();
    const uint32_t len = s.u32();
    if (len > s.end() - s.pos()) s.fail("unexpected end of section or function: data segment length out of bounds");
    check_cap(kMaxDataBytes, data_bytes_ += len, len_at);
    d.bytes.assign(m_.bytes.begin() + s.pos(), m_.bytes.begin() + s.pos() + len);
    s.seek(s.pos() + len);
    m_.datas.push_back(std::move(d));
  }
}

void Decoder::code_section(Reader& s) {
  saw_code_ = true;
  check_cap(kMaxCodeBytes, s.end() - s.pos(), s.pos());
  const uint32_t n = s.u32();
  if (n != func_decls_.size()) s.fail("function and code section have inconsistent lengths");
  const uint32_t base = m_.imported(ExternKind::Func);
  std::vector<uint32_t> func_types;
  for (const auto& im : m_.imports)
    if (im.kind == ExternKind::Func) func_types.push_back(im.func_type);
  func_types.insert(func_types.end(), func_decls_.begin(), func_decls_.end());
  budget_.emplace(m_, std::move(func_types));
  for (uint32_t i = 0; i < n; ++i) {
    const size_t at = s.pos();
    const uint32_t size = s.u32();
    if (size > s.end() - s.pos()) s.fail_at(at, "unexpected end: function body size out of bounds");
    const size_t body_end = s.pos() + size;
    Reader body(m_.bytes, s.pos(), body_end);
    Function f;
    f.type = func_decls_[i];
    try {
      check_cap(kMaxBodyBytes, size, at);
      read_locals(body, f);
      f.body_begin = body.pos();
      f.body_end = body_end;
      check_body(f);
    } catch (Failure& fail) {
      fail.error.func = base + i;
      throw;
    }
    m_.functions.push_back(std::move(f));
    s.seek(body_end);
  }
}

// The local declarations: (count, type) groups. Their sum past 2^32 - 1 is
// malformed, as the spec says; past gust's caps, a limit. Both are checked
// before any local is stored, so a hostile count costs no memory.
void Decoder::read_locals(Reader& body, Function& f) {
  const size_t at = body.pos();
  const uint32_t groups = body.u32();
  if (groups > body.end() - body.pos()) body.fail("unexpected end: local declaration count too large");
  std::vector<std::pair<uint32_t, ValType>> decls;
  uint64_t total = f.type < m_.types.size() ? m_.types[f.type].params.size() : 0;
  for (uint32_t g = 0; g < groups; ++g) {
    const uint32_t count = body.u32();
    decls.emplace_back(count, body.valtype());
    total += count;
  }
  if (total > UINT32_MAX) body.fail_at(at, "too many locals");
  check_cap(kMaxFunctionLocals, total, at);
  check_cap(kMaxModuleLocals, locals_ += total, at);
  for (auto [count, t] : decls) f.locals.insert(f.locals.end(), count, t);
}

// Every instruction must decode, and the body must end with the `end` that
// closes the function: the nesting of block/loop/if and end is a format rule.
// The code budget sees each instruction as it is read.
void Decoder::check_body(const Function& f) {
  Reader r(m_.bytes, f.body_begin, f.body_end);
  Instr in;
  int depth = 1;
  budget_->begin_function(f.type);
  while (!r.at_end()) {
    try {
      read_instr(r, in, m_.data_count.has_value());
    } catch (Failure& fail) {
      if (fail.error.opcode.empty() && in.offset < m_.bytes.size()) {
        if (auto op = lookup(0, m_.bytes[in.offset])) fail.error.opcode = info(*op).text;
      }
      throw;
    }
    try {
      budget_->step(in);
    } catch (Failure& fail) {
      fail.error.opcode = info(in.op).text;
      throw;
    }
    switch (in.op) {
      case Op::Block:
      case Op::Loop:
      case Op::If:
        ++depth;
        break;
      case Op::End:
        if (--depth == 0 && !r.at_end()) r.fail_at(r.pos(), "section size mismatch: operators after the final end");
        break;
      default:
        break;
    }
  }
  if (depth != 0) r.fail_at(f.body_end, "unexpected end of section or function: END opcode expected");
}

}  // namespace

Result<Module> decode(std::vector<uint8_t> bytes) {
  Module m;
  m.bytes = std::move(bytes);
  try {
    Decoder d(m);
    d.run();
  } catch (Failure& f) {
    if (f.error.kind == Error::Kind::Malformed && f.error.message.rfind("unexpected end", 0) != 0 && f.error.offset &&
        *f.error.offset >= m.bytes.size())
      f.error.message = "unexpected end: " + f.error.message;
    return f.error;
  }
  return m;
}

}  // namespace gust::wasm
