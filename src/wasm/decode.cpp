// Stage 1 of the pipeline: bytes -> Module. Checks the binary format only;
// typing rules are validate.cpp's.
#include <cstdio>

#include "module.h"
#include "reader.h"

namespace gust::wasm {

namespace {

constexpr uint32_t kMaxLocals = 50000;  // per function, as engines limit it

class Decoder {
 public:
  explicit Decoder(Module& m) : m_(m), r_(m.bytes, 0, m.bytes.size()) {}
  void run();

 private:
  Limits limits(bool is_memory);
  ConstExpr const_expr();
  TableType table_type();
  GlobalType global_type();
  void section(uint8_t id, Reader& s);
  void code_section(Reader& s);
  void elem_section(Reader& s);
  void data_section(Reader& s);
  void check_body(uint32_t func_index, const Function& f);

  Module& m_;
  Reader r_;
  std::vector<uint32_t> func_decls_;  // the function section's type indices
  bool saw_code_ = false;
};

Limits Decoder::limits(bool is_memory) {
  const size_t at = r_.pos();
  const uint8_t flags = r_.u8();
  if (flags > 1) {
    if (is_memory && (flags == 2 || flags == 3))
      r_.fail_at(at, "unsupported feature: shared memory", Error::Kind::Unsupported);
    if (is_memory && flags >= 4 && flags <= 7)
      r_.fail_at(at, "unsupported feature: memory64", Error::Kind::Unsupported);
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

  // Non-custom sections must appear in this order, each at most once.
  auto rank = [](uint8_t id) -> int {
    static const int order[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id <= 12 ? order[id] : -1;
  };
  int last = 0;
  while (!r_.at_end()) {
    const size_t at = r_.pos();
    const uint8_t id = r_.u8();
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
  auto count = [&](const char* what) {
    const uint32_t n = s.u32();
    if (n > s.end() - s.pos()) s.fail(std::string("unexpected end: ") + what + " count too large");
    return n;
  };
  switch (id) {
    case 0:  // custom: a name, then anything
      (void)s.name();
      s.seek(s.end());
      break;
    case 1:
      for (uint32_t i = 0, n = count("type"); i < n; ++i) {
        const size_t at = s.pos();
        const uint8_t form = s.u8();
        if (form != 0x60) s.fail_at(at, "malformed function type form (integer representation too long)");
        FuncType t;
        for (uint32_t k = 0, np = count("parameter"); k < np; ++k) t.params.push_back(s.valtype());
        for (uint32_t k = 0, nr = count("result"); k < nr; ++k) t.results.push_back(s.valtype());
        m_.types.push_back(std::move(t));
      }
      break;
    case 2:
      for (uint32_t i = 0, n = count("import"); i < n; ++i) {
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
          default:
            s.fail_at(at, "malformed import kind");
        }
        m_.imports.push_back(std::move(im));
      }
      break;
    case 3:
      for (uint32_t i = 0, n = count("function"); i < n; ++i) func_decls_.push_back(s.u32());
      break;
    case 4:
      for (uint32_t i = 0, n = count("table"); i < n; ++i) m_.tables.push_back(table_type());
      break;
    case 5:
      for (uint32_t i = 0, n = count("memory"); i < n; ++i) m_.memories.push_back(limits(true));
      break;
    case 6:
      for (uint32_t i = 0, n = count("global"); i < n; ++i) {
        Global g;
        g.type = global_type();
        g.init = const_expr();
        m_.globals.push_back(g);
      }
      break;
    case 7:
      for (uint32_t i = 0, n = count("export"); i < n; ++i) {
        Export e;
        e.offset = s.pos();
        e.name = s.name();
        const size_t at = s.pos();
        const uint8_t kind = s.u8();
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
  const uint32_t n = s.u32();
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
    const uint32_t count = s.u32();
    if (count > s.end() - s.pos()) s.fail("unexpected end: element count too large");
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
  const uint32_t n = s.u32();
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment d;
    d.position = s.pos();
    const uint32_t flags = s.u32();
    if (flags > 2) s.fail_at(d.position, "malformed data segment kind");
    if (flags == 1) {
      d.mode = SegmentMode::Passive;
    } else {
      if (flags == 2) d.memory = s.u32();
      d.offset = const_expr();
    }
    const uint32_t len = s.u32();
    if (len > s.end() - s.pos()) s.fail("unexpected end of section or function: data segment length out of bounds");
    d.bytes.assign(m_.bytes.begin() + s.pos(), m_.bytes.begin() + s.pos() + len);
    s.seek(s.pos() + len);
    m_.datas.push_back(std::move(d));
  }
}

void Decoder::code_section(Reader& s) {
  saw_code_ = true;
  const uint32_t n = s.u32();
  if (n != func_decls_.size()) s.fail("function and code section have inconsistent lengths");
  const uint32_t base = m_.imported(ExternKind::Func);
  for (uint32_t i = 0; i < n; ++i) {
    const size_t at = s.pos();
    const uint32_t size = s.u32();
    if (size > s.end() - s.pos()) s.fail_at(at, "unexpected end: function body size out of bounds");
    const size_t body_end = s.pos() + size;
    Reader body(m_.bytes, s.pos(), body_end);
    Function f;
    f.type = func_decls_[i];
    uint64_t total = 0;
    for (uint32_t g = 0, ng = body.u32(); g < ng; ++g) {
      const uint32_t count = body.u32();
      total += count;
      if (total > kMaxLocals) body.fail("too many locals", Error::Kind::Malformed);
      const ValType t = body.valtype();
      f.locals.insert(f.locals.end(), count, t);
    }
    f.body_begin = body.pos();
    f.body_end = body_end;
    m_.functions.push_back(std::move(f));
    try {
      check_body(base + i, m_.functions.back());
    } catch (Failure& fail) {
      fail.error.func = base + i;
      throw;
    }
    s.seek(body_end);
  }
}

// Every instruction must decode, and the body must end with the `end` that
// closes the function: the nesting of block/loop/if and end is a format rule.
void Decoder::check_body(uint32_t, const Function& f) {
  Reader r(m_.bytes, f.body_begin, f.body_end);
  Instr in;
  int depth = 1;
  while (!r.at_end()) {
    try {
      read_instr(r, in, m_.data_count.has_value());
    } catch (Failure& fail) {
      if (fail.error.opcode.empty() && in.offset < m_.bytes.size()) {
        if (auto op = lookup(0, m_.bytes[in.offset])) fail.error.opcode = info(*op).text;
      }
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
