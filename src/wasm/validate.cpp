// Stage 2 of the pipeline: the validation rules of the core spec, with the
// operand-stack algorithm of the spec's appendix.
#include <set>
#include <string>

#include "module.h"
#include "reader.h"

namespace gust::wasm {

namespace {

ValType sig_type(char c) {
  switch (c) {
    case 'i':
      return ValType::I32;
    case 'I':
      return ValType::I64;
    case 'f':
      return ValType::F32;
    default:
      return ValType::F64;
  }
}

[[noreturn]] void invalid(size_t at, const std::string& msg) {
  Error e;
  e.kind = Error::Kind::Invalid;
  e.offset = at;
  e.message = msg;
  throw Failure{e};
}

class FuncValidator {
 public:
  FuncValidator(const Module& m, const std::set<uint32_t>& declared, uint32_t index, const Function& f)
      : m_(m), declared_(declared), index_(index), f_(f), type_(m.types[f.type]) {
    locals_ = type_.params;
    locals_.insert(locals_.end(), f.locals.begin(), f.locals.end());
  }
  void run();

 private:
  struct Ctrl {
    Op op;
    std::vector<ValType> params, results;
    size_t height;
    bool unreachable;
  };

  void push(ValType t) { vals_.push_back(t); }
  ValType pop() {
    if (vals_.size() == ctrls_.back().height) {
      if (ctrls_.back().unreachable) return ValType::Unknown;
      invalid(at_, "type mismatch: the operand stack is empty");
    }
    ValType t = vals_.back();
    vals_.pop_back();
    return t;
  }
  ValType pop(ValType expect) {
    ValType t = pop();
    if (t != expect && t != ValType::Unknown && expect != ValType::Unknown)
      invalid(at_, std::string("type mismatch: expected ") + name(expect) + ", got " + name(t));
    return t == ValType::Unknown ? expect : t;
  }
  void pop_all(const std::vector<ValType>& ts) {
    for (size_t i = ts.size(); i-- > 0;) pop(ts[i]);
  }
  // What pop_all(ts) would check, leaving the stack as it is.
  void check_top(const std::vector<ValType>& ts) {
    const size_t height = ctrls_.back().height;
    for (size_t depth = 1; depth <= ts.size(); ++depth) {  // from the top, as pop_all goes
      const ValType expect = ts[ts.size() - depth];
      if (vals_.size() < height + depth) {
        if (ctrls_.back().unreachable) return;  // the rest pops as Unknown
        invalid(at_, "type mismatch: the operand stack is empty");
      }
      const ValType t = vals_[vals_.size() - depth];
      if (t != expect && t != ValType::Unknown && expect != ValType::Unknown)
        invalid(at_, std::string("type mismatch: expected ") + name(expect) + ", got " + name(t));
    }
  }
  void push_all(const std::vector<ValType>& ts) {
    for (auto t : ts) push(t);
  }
  void push_ctrl(Op op, std::vector<ValType> in, std::vector<ValType> out) {
    ctrls_.push_back({op, in, std::move(out), vals_.size(), false});
    push_all(in);
  }
  Ctrl pop_ctrl() {
    if (ctrls_.empty()) invalid(at_, "unbalanced end");
    Ctrl c = ctrls_.back();
    pop_all(c.results);
    if (vals_.size() != c.height) invalid(at_, "type mismatch: values remain on the stack at the end of a block");
    ctrls_.pop_back();
    return c;
  }
  const std::vector<ValType>& label_types(const Ctrl& c) { return c.op == Op::Loop ? c.params : c.results; }
  void unreachable() {
    vals_.resize(ctrls_.back().height);
    ctrls_.back().unreachable = true;
  }
  const Ctrl& label(uint32_t depth) {
    if (depth >= ctrls_.size()) invalid(at_, "unknown label " + std::to_string(depth));
    return ctrls_[ctrls_.size() - 1 - depth];
  }
  FuncType block_type(const BlockType& bt) {
    auto ft = block_signature(m_, bt);
    if (!ft) invalid(at_, "unknown type " + std::to_string(bt.index));
    return *ft;
  }
  void need_memory() {
    if (m_.num_memories() == 0) invalid(at_, "unknown memory 0");
  }
  TableType table(uint32_t i) {
    if (i >= m_.num_tables()) invalid(at_, "unknown table " + std::to_string(i));
    return m_.table_type(i);
  }
  void step(const Instr& in);

  const Module& m_;
  const std::set<uint32_t>& declared_;
  uint32_t index_;
  const Function& f_;
  const FuncType& type_;
  std::vector<ValType> locals_;
  std::vector<ValType> vals_;
  std::vector<Ctrl> ctrls_;
  size_t at_ = 0;
};

void FuncValidator::run() {
  Reader r(m_.bytes, f_.body_begin, f_.body_end);
  ctrls_.push_back({Op::Block, {}, type_.results, 0, false});
  Instr in;
  while (!r.at_end()) {
    read_instr(r, in, m_.data_count.has_value());
    at_ = in.offset;
    try {
      step(in);
    } catch (Failure& f) {
      f.error.func = index_;
      f.error.opcode = info(in.op).text;
      throw;
    }
  }
}

void FuncValidator::step(const Instr& in) {
  const OpInfo& oi = info(in.op);
  switch (in.op) {
    case Op::Unreachable:
      unreachable();
      return;
    case Op::Nop:
      return;
    case Op::Block:
    case Op::Loop:
    case Op::If: {
      FuncType bt = block_type(in.block);
      if (in.op == Op::If) pop(ValType::I32);
      pop_all(bt.params);
      push_ctrl(in.op, bt.params, bt.results);
      return;
    }
    case Op::Else: {
      if (ctrls_.back().op != Op::If) invalid(at_, "else without a matching if");
      Ctrl c = pop_ctrl();
      push_ctrl(Op::Else, c.params, c.results);
      return;
    }
    case Op::End: {
      Ctrl c = pop_ctrl();
      if (c.op == Op::If && c.params != c.results)
        invalid(at_, "type mismatch: if without else must leave its parameters as its results");
      push_all(c.results);
      return;
    }
    case Op::Br: {
      pop_all(label_types(label(in.a)));
      unreachable();
      return;
    }
    case Op::BrIf: {
      pop(ValType::I32);
      auto ts = label_types(label(in.a));
      pop_all(ts);
      push_all(ts);
      return;
    }
    case Op::BrTable: {
      pop(ValType::I32);
      const auto dflt = label_types(label(in.targets.back()));
      // Each distinct label once, checked in place: a copy of the stack per
      // label would be quadratic in a long br_table over a deep stack.
      std::set<uint32_t> seen;
      for (uint32_t t : in.targets) {
        const auto& ts = label_types(label(t));
        if (ts.size() != dflt.size()) invalid(at_, "type mismatch: br_table targets differ in arity");
        if (seen.insert(t).second) check_top(ts);
      }
      pop_all(dflt);
      unreachable();
      return;
    }
    case Op::Return:
      pop_all(type_.results);
      unreachable();
      return;
    case Op::Call: {
      if (in.a >= m_.num_funcs()) invalid(at_, "unknown function " + std::to_string(in.a));
      const FuncType& ft = m_.func_type(in.a);
      pop_all(ft.params);
      push_all(ft.results);
      return;
    }
    case Op::CallIndirect: {
      if (table(in.b).elem != ValType::FuncRef) invalid(at_, "type mismatch: call_indirect on a table of externref");
      if (in.a >= m_.types.size()) invalid(at_, "unknown type " + std::to_string(in.a));
      pop(ValType::I32);
      pop_all(m_.types[in.a].params);
      push_all(m_.types[in.a].results);
      return;
    }
    case Op::RefNull:
      push(in.types[0]);
      return;
    case Op::RefIsNull: {
      ValType t = pop();
      if (t != ValType::Unknown && !is_ref(t)) invalid(at_, "type mismatch: ref.is_null of a number");
      push(ValType::I32);
      return;
    }
    case Op::RefFunc:
      if (in.a >= m_.num_funcs()) invalid(at_, "unknown function " + std::to_string(in.a));
      if (!declared_.count(in.a)) invalid(at_, "undeclared function reference " + std::to_string(in.a));
      push(ValType::FuncRef);
      return;
    case Op::Drop:
      pop();
      return;
    case Op::Select: {
      pop(ValType::I32);
      ValType a = pop(), b = pop();
      if (is_ref(a) || is_ref(b)) invalid(at_, "type mismatch: select without a type needs numeric operands");
      if (a != b && a != ValType::Unknown && b != ValType::Unknown)
        invalid(at_, "type mismatch: select operands differ");
      push(a == ValType::Unknown ? b : a);
      return;
    }
    case Op::SelectT: {
      if (in.types.size() != 1) invalid(at_, "invalid result arity: select takes one type");
      pop(ValType::I32);
      pop(in.types[0]);
      pop(in.types[0]);
      push(in.types[0]);
      return;
    }
    case Op::LocalGet:
    case Op::LocalSet:
    case Op::LocalTee: {
      if (in.a >= locals_.size()) invalid(at_, "unknown local " + std::to_string(in.a));
      ValType t = locals_[in.a];
      if (in.op == Op::LocalGet)
        push(t);
      else if (in.op == Op::LocalSet)
        pop(t);
      else {
        pop(t);
        push(t);
      }
      return;
    }
    case Op::GlobalGet:
    case Op::GlobalSet: {
      if (in.a >= m_.num_globals()) invalid(at_, "unknown global " + std::to_string(in.a));
      GlobalType g = m_.global_type(in.a);
      if (in.op == Op::GlobalGet) {
        push(g.type);
        return;
      }
      if (!g.mutable_) invalid(at_, "global is immutable");
      pop(g.type);
      return;
    }
    case Op::TableGet: {
      TableType t = table(in.a);
      pop(ValType::I32);
      push(t.elem);
      return;
    }
    case Op::TableSet: {
      TableType t = table(in.a);
      pop(t.elem);
      pop(ValType::I32);
      return;
    }
    case Op::TableSize:
      table(in.a);
      push(ValType::I32);
      return;
    case Op::TableGrow: {
      TableType t = table(in.a);
      pop(ValType::I32);
      pop(t.elem);
      push(ValType::I32);
      return;
    }
    case Op::TableFill: {
      TableType t = table(in.a);
      pop(ValType::I32);
      pop(t.elem);
      pop(ValType::I32);
      return;
    }
    case Op::TableInit: {
      TableType t = table(in.b);
      if (in.a >= m_.elems.size()) invalid(at_, "unknown elem segment " + std::to_string(in.a));
      if (m_.elems[in.a].type != t.elem) invalid(at_, "type mismatch: element segment and table types differ");
      break;
    }
    case Op::TableCopy: {
      TableType dst = table(in.a), src = table(in.b);
      if (dst.elem != src.elem) invalid(at_, "type mismatch: table.copy between tables of different types");
      break;
    }
    case Op::ElemDrop:
      if (in.a >= m_.elems.size()) invalid(at_, "unknown elem segment " + std::to_string(in.a));
      return;
    case Op::MemoryInit:
      need_memory();
      if (in.a >= *m_.data_count) invalid(at_, "unknown data segment " + std::to_string(in.a));
      break;
    case Op::DataDrop:
      if (in.a >= *m_.data_count) invalid(at_, "unknown data segment " + std::to_string(in.a));
      return;
    case Op::MemorySize:
    case Op::MemoryGrow:
    case Op::MemoryCopy:
    case Op::MemoryFill:
      need_memory();
      break;
    default:
      if (oi.imm == Imm::MemArg) {
        need_memory();
        static const unsigned natural_log2[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2};
        const unsigned natural = natural_log2[size_t(in.op) - size_t(Op::I32Load)];
        if (in.a > natural) invalid(at_, "alignment must not be larger than natural");
      } else if (oi.imm == Imm::AtomicMemArg) {
        need_memory();
        if (in.a != atomic_width_log2(in.op)) invalid(at_, "alignment must be equal to the access width (atomic)");
      }
      break;
  }
  // A plain operator: its types come from the opcode table.
  const char* sig = oi.signature;
  if (!*sig) GUST_DIE(std::string("no signature for ") + oi.text);
  const char* us = sig;
  while (*us != '_') ++us;
  for (const char* p = us; p-- > sig;) pop(sig_type(*p));
  for (const char* p = us + 1; *p; ++p) push(sig_type(*p));
}

ValType const_type(const Module& m, const ConstExpr& c, bool in_global) {
  switch (c.op) {
    case Op::I32Const:
      return ValType::I32;
    case Op::I64Const:
      return ValType::I64;
    case Op::F32Const:
      return ValType::F32;
    case Op::F64Const:
      return ValType::F64;
    case Op::RefNull:
      return c.ref_type;
    case Op::RefFunc:
      if (c.value >= m.num_funcs()) invalid(c.offset, "unknown function " + std::to_string(c.value));
      return ValType::FuncRef;
    case Op::GlobalGet: {
      const uint32_t imported = m.imported(ExternKind::Global);
      if (c.value >= (in_global ? imported : m.num_globals()))
        invalid(c.offset, "unknown global " + std::to_string(c.value));
      if (c.value >= imported) invalid(c.offset, "unknown global: constant expressions read imported globals only");
      GlobalType g = m.global_type(uint32_t(c.value));
      if (g.mutable_) invalid(c.offset, "constant expression required: global.get of a mutable global");
      return g.type;
    }
    default:
      invalid(c.offset, "constant expression required");
  }
}

void check_limits(const Limits& l, uint64_t bound, size_t at, const char* what) {
  if (l.min > bound) invalid(at, std::string(what) + " size must be at most " + std::to_string(bound) + " pages");
  if (l.max && *l.max > bound)
    invalid(at, std::string(what) + " size must be at most " + std::to_string(bound) + " pages");
  if (l.max && *l.max < l.min) invalid(at, "size minimum must not be greater than maximum");
}

void validate_module(const Module& m) {
  for (const auto& im : m.imports) {
    if (im.kind == ExternKind::Func && im.func_type >= m.types.size())
      invalid(im.offset, "unknown type " + std::to_string(im.func_type));
    if (im.kind == ExternKind::Memory) check_limits(im.memory, 65536, im.offset, "memory");
    if (im.kind == ExternKind::Table) check_limits(im.table.limits, UINT32_MAX, im.offset, "table");
  }
  for (const auto& f : m.functions)
    if (f.type >= m.types.size()) invalid(f.body_begin, "unknown type " + std::to_string(f.type));
  for (const auto& t : m.tables) check_limits(t.limits, UINT32_MAX, 0, "table");
  if (m.num_memories() > 1) invalid(0, "multiple memories");
  for (const auto& l : m.memories) check_limits(l, 65536, 0, "memory");
  for (size_t i = 0; i < m.globals.size(); ++i) {
    const auto& g = m.globals[i];
    if (const_type(m, g.init, true) != g.type.type)
      invalid(g.init.offset, "type mismatch: global initializer has the wrong type");
  }
  std::set<std::string> names;
  for (const auto& e : m.exports) {
    if (!names.insert(e.name).second) invalid(0, "duplicate export name \"" + e.name + "\"");
    const uint32_t limit = e.kind == ExternKind::Func     ? m.num_funcs()
                           : e.kind == ExternKind::Table  ? m.num_tables()
                           : e.kind == ExternKind::Memory ? m.num_memories()
                                                          : m.num_globals();
    if (e.index >= limit) invalid(0, std::string("unknown ") + name(e.kind) + " " + std::to_string(e.index));
  }
  if (m.start) {
    if (*m.start >= m.num_funcs()) invalid(0, "unknown function " + std::to_string(*m.start));
    const FuncType& t = m.func_type(*m.start);
    if (!t.params.empty() || !t.results.empty()) invalid(0, "start function must take and return nothing");
  }
  for (const auto& e : m.elems) {
    for (const auto& item : e.items)
      if (const_type(m, item, false) != e.type) invalid(item.offset, "type mismatch: element of the wrong type");
    if (e.mode == SegmentMode::Active) {
      if (e.table >= m.num_tables()) invalid(e.position, "unknown table " + std::to_string(e.table));
      if (const_type(m, e.offset, false) != ValType::I32) invalid(e.offset.offset, "type mismatch: offset must be i32");
      if (m.table_type(e.table).elem != e.type) invalid(e.position, "type mismatch: segment and table types differ");
    }
  }
  for (const auto& d : m.datas) {
    if (d.mode != SegmentMode::Active) continue;
    if (d.memory >= m.num_memories()) invalid(d.position, "unknown memory " + std::to_string(d.memory));
    if (const_type(m, d.offset, false) != ValType::I32) invalid(d.offset.offset, "type mismatch: offset must be i32");
  }
}

}  // namespace

Result<void> validate(const Module& m) {
  try {
    validate_module(m);
    // Functions that ref.func may name: those referenced outside function bodies.
    std::set<uint32_t> declared;
    for (const auto& e : m.exports)
      if (e.kind == ExternKind::Func) declared.insert(e.index);
    for (const auto& g : m.globals)
      if (g.init.op == Op::RefFunc) declared.insert(uint32_t(g.init.value));
    for (const auto& e : m.elems)
      for (const auto& item : e.items)
        if (item.op == Op::RefFunc) declared.insert(uint32_t(item.value));
    const uint32_t base = m.imported(ExternKind::Func);
    for (size_t i = 0; i < m.functions.size(); ++i) {
      FuncValidator v(m, declared, base + uint32_t(i), m.functions[i]);
      v.run();
    }
  } catch (Failure& f) {
    return f.error;
  }
  return {};
}

}  // namespace gust::wasm
