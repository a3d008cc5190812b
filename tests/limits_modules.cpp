// Worst-case modules for the resource caps: the encoder and the families.
#include "limits_modules.h"

#include <algorithm>

#include "wasm/limits.h"

namespace gust::limits_test {

using namespace op;

void leb(Bytes& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}

void sleb(Bytes& out, int64_t v) {
  for (;;) {
    const uint8_t b = v & 0x7F;
    v >>= 7;
    const bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : b | 0x80);
    if (done) return;
  }
}

void name(Bytes& out, const std::string& s) {
  leb(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

static void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

uint32_t WasmModule::type(const Bytes& params, const Bytes& results) {
  Bytes& b = types_.bytes;
  b.push_back(0x60);
  leb(b, params.size());
  append(b, params);
  leb(b, results.size());
  append(b, results);
  return types_.count++;
}

uint32_t WasmModule::import_func(const std::string& module, const std::string& field, uint32_t type) {
  Bytes& b = imports_.bytes;
  name(b, module);
  name(b, field);
  b.push_back(0x00);
  leb(b, type);
  ++imports_.count;
  return imported_funcs_++;
}

uint32_t WasmModule::func(uint32_t type, const std::vector<std::pair<uint32_t, uint8_t>>& locals, const Bytes& body) {
  leb(funcs_.bytes, type);
  Bytes entry;
  leb(entry, locals.size());
  for (auto [count, t] : locals) {
    leb(entry, count);
    entry.push_back(t);
  }
  append(entry, body);
  leb(code_.bytes, entry.size());
  append(code_.bytes, entry);
  ++code_.count;
  return imported_funcs_ + funcs_.count++;
}

void WasmModule::memory(uint32_t min_pages) {
  memories_.bytes.push_back(0x00);
  leb(memories_.bytes, min_pages);
  ++memories_.count;
}

void WasmModule::table(uint32_t min) {
  tables_.bytes.push_back(funcref);
  tables_.bytes.push_back(0x00);
  leb(tables_.bytes, min);
  ++tables_.count;
}

uint32_t WasmModule::global(uint8_t type, bool mutable_, const Bytes& init) {
  globals_.bytes.push_back(type);
  globals_.bytes.push_back(mutable_ ? 1 : 0);
  append(globals_.bytes, init);
  globals_.bytes.push_back(end);
  return globals_.count++;
}

void WasmModule::export_func(const std::string& field, uint32_t index) {
  name(exports_.bytes, field);
  exports_.bytes.push_back(0x00);
  leb(exports_.bytes, index);
  ++exports_.count;
}

void WasmModule::data(uint32_t offset, const Bytes& bytes) {
  Bytes& b = datas_.bytes;
  b.push_back(0x00);
  b.push_back(i32_const);
  sleb(b, int32_t(offset));
  b.push_back(end);
  leb(b, bytes.size());
  append(b, bytes);
  ++datas_.count;
}

void WasmModule::elem(uint32_t offset, const std::vector<uint32_t>& funcs) {
  Bytes& b = elems_.bytes;
  b.push_back(0x00);
  b.push_back(i32_const);
  sleb(b, int32_t(offset));
  b.push_back(end);
  leb(b, funcs.size());
  for (uint32_t f : funcs) leb(b, f);
  ++elems_.count;
}

void WasmModule::section(Bytes& out, uint8_t id, const Vec& v) {
  if (!v.count) return;
  Bytes payload;
  leb(payload, v.count);
  append(payload, v.bytes);
  out.push_back(id);
  leb(out, payload.size());
  append(out, payload);
}

Bytes WasmModule::bytes() const {
  Bytes out = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  section(out, 1, types_);
  section(out, 2, imports_);
  section(out, 3, funcs_);
  section(out, 4, tables_);
  section(out, 5, memories_);
  section(out, 6, globals_);
  section(out, 7, exports_);
  section(out, 9, elems_);
  section(out, 10, code_);
  section(out, 11, datas_);
  return out;
}

namespace {

using wasm::Cap;

void put(Bytes& b, std::initializer_list<uint8_t> bytes) { b.insert(b.end(), bytes); }
void put_idx(Bytes& b, uint8_t opcode, uint64_t index) {
  b.push_back(opcode);
  leb(b, index);
}

// Functions that each declare `per` i32 locals and do nothing: the shape of
// the reported 1.6 KB module that took 23 s and 2.9 GB (each local an alloca
// and a store before mem2reg).
Bytes locals_in_many_functions(uint64_t funcs, uint64_t per) {
  WasmModule m;
  const uint32_t t = m.type({}, {});
  for (uint64_t i = 0; i < funcs; ++i) m.func(t, {{uint32_t(per), i32}}, {end});
  m.export_func("f", 0);
  return m.bytes();
}

// One function declaring `n` i32 locals in one group, returning the last.
Bytes one_function_locals(uint64_t n) {
  WasmModule m;
  const uint32_t t = m.type({}, {i32});
  Bytes body;
  put_idx(body, local_get, n - 1);
  body.push_back(end);
  m.export_func("f", m.func(t, {{uint32_t(n), i32}}, body));
  return m.bytes();
}

// `n` empty functions, all exported so none is dropped before code generation.
Bytes many_functions(uint64_t n) {
  WasmModule m;
  const uint32_t t = m.type({}, {});
  for (uint64_t i = 0; i < n; ++i) m.func(t, {}, {end});
  for (uint64_t i = 0; i < n; ++i) m.export_func("f" + std::to_string(i), uint32_t(i));
  return m.bytes();
}

// `n` imported functions, each called once by an exported function.
Bytes many_imports(uint64_t n) {
  WasmModule m;
  const uint32_t t = m.type({}, {});
  for (uint64_t i = 0; i < n; ++i) m.import_func("env", "f" + std::to_string(i), t);
  Bytes body;
  for (uint64_t i = 0; i < n; ++i) put_idx(body, call, i);
  body.push_back(end);
  m.export_func("run", m.func(t, {}, body));
  return m.bytes();
}

// `depth` nested blocks (or loops, or ifs), each of which leaves one i32;
// an imported `next` gives every condition and value, so nothing folds.
Bytes nesting(uint8_t kind, uint64_t depth) {
  WasmModule m;
  const uint32_t next = m.import_func("env", "next", m.type({}, {i32}));
  const uint32_t t = m.type({}, {i32});
  Bytes body;
  for (uint64_t i = 0; i < depth; ++i) {
    if (kind == if_) put_idx(body, call, next);
    put(body, {kind, i32});
  }
  put_idx(body, call, next);
  for (uint64_t i = 0; i < depth; ++i) {
    if (kind == loop) {
      put_idx(body, call, next);
      put(body, {br_if, 0});
    } else if (kind == block) {
      put_idx(body, call, next);
      put(body, {br_if, 0});
    } else {
      put(body, {else_});
      put_idx(body, call, next);
    }
    put(body, {end});
    if (i + 1 < depth) {
      put_idx(body, call, next);
      body.push_back(i32_add);
    }
  }
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

// A br_table of `targets` labels over `depth` nested blocks that each carry
// one i32, so every landing feeds a phi.
Bytes br_table_wide(uint64_t targets, uint64_t depth) {
  WasmModule m;
  const uint32_t t = m.type({i32}, {i32});
  Bytes body;
  for (uint64_t i = 0; i < depth; ++i) put(body, {block, i32});
  put(body, {local_get, 0, local_get, 0, br_table});
  leb(body, targets - 1);
  for (uint64_t i = 0; i < targets; ++i) leb(body, i % depth);
  for (uint64_t i = 0; i < depth; ++i) put(body, {end, i32_const, 3, i32_add});
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

// `tables` br_tables of `targets` labels each, cycling over 64 nested
// blocks that carry no value: no phis, only switch cases.
Bytes br_tables_void(uint64_t targets, uint64_t tables) {
  WasmModule m;
  const uint32_t next = m.import_func("env", "next", m.type({}, {i32}));
  const uint32_t t = m.type({}, {});
  Bytes body;
  for (uint64_t n = 0; n < tables; ++n) {
    for (uint64_t i = 0; i < 64; ++i) put(body, {block, void_});
    put_idx(body, call, next);
    body.push_back(br_table);
    leb(body, targets - 1);
    for (uint64_t i = 0; i < targets; ++i) leb(body, i % 64);
    for (uint64_t i = 0; i < 64; ++i) {
      put(body, {end});
      put_idx(body, call, next);
      body.push_back(drop);
    }
  }
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

// `locals` locals set inside `depth` nested loops and summed after them: a
// local defined in a loop and live after it needs a phi at every enclosing
// loop header, so mem2reg makes locals x depth phis. An imported `next`
// makes every value and condition opaque to the optimiser.
Bytes phis_nested(uint8_t kind, uint64_t depth, uint64_t locals) {
  WasmModule m;
  const uint32_t next = m.import_func("env", "next", m.type({}, {i32}));
  const uint32_t t = m.type({i32}, {i32});
  Bytes body;
  for (uint64_t i = 0; i < depth; ++i) {
    if (kind == if_) put_idx(body, call, next);
    put(body, {kind, void_});
  }
  for (uint64_t k = 1; k <= locals; ++k) {
    put_idx(body, call, next);
    put_idx(body, local_set, k);
  }
  for (uint64_t i = 0; i < depth; ++i) {
    if (kind == loop) {
      put_idx(body, call, next);
      put(body, {br_if, 0});
    } else {
      put(body, {else_});
      put_idx(body, call, next);
      put(body, {local_set, 1});
    }
    put(body, {end});
  }
  put(body, {local_get, 0});
  for (uint64_t k = 1; k <= locals; ++k) {
    put_idx(body, local_get, k);
    body.push_back(i32_add);
  }
  body.push_back(end);
  m.export_func("f", m.func(t, {{uint32_t(locals), i32}}, body));
  return m.bytes();
}

// Blocks of type [arity x i32] -> [arity x i32], one after another in live
// code, each with `arity` phis at its end, filling a body of `bytes`.
Bytes multivalue_blocks(uint64_t bytes, uint64_t arity) {
  WasmModule m;
  const Bytes ints(arity, i32);
  const uint32_t bt = m.type(ints, ints);
  const uint32_t t = m.type({i32}, {i32});
  Bytes body;
  for (uint64_t k = 0; k < arity; ++k) put(body, {local_get, 0});
  while (body.size() + arity * 2 + 16 < bytes) {
    put(body, {local_get, 0, if_});
    sleb(body, bt);
    put(body, {else_, end});
  }
  for (uint64_t k = 1; k < arity; ++k) body.push_back(i32_add);
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

// A function of `arity` parameters and results, and a caller filling a body
// of `bytes` with calls to it, each passing its results back in.
Bytes wide_calls(uint64_t bytes, uint64_t arity) {
  WasmModule m;
  const Bytes ints(arity, i32);
  const uint32_t wide = m.type(ints, ints);
  const uint32_t t = m.type({i32}, {i32});
  Bytes callee;
  for (uint64_t k = arity; k-- > 0;) put_idx(callee, local_get, k);
  callee.push_back(end);
  const uint32_t f = m.func(wide, {}, callee);
  Bytes body;
  for (uint64_t k = 0; k < arity; ++k) put(body, {local_get, 0});
  while (body.size() + arity + 16 < bytes) put_idx(body, call, f);
  for (uint64_t k = 1; k < arity; ++k) body.push_back(i32_add);
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

// The heaviest straight-line code per byte: i64 division (a trap check, a
// libgcc call), bounds-checked loads and stores, and calls, filling `bytes`.
Bytes heavy_body(uint64_t bytes) {
  Bytes body;
  while (body.size() + 32 < bytes) {
    put(body, {local_get, 0, local_get, 1, i64_div_s, local_get, 1, i64_rem_u, local_set, 0});
    put(body, {local_get, 2, local_get, 2, i32_load, 2, 0, i32_store, 2, 4});
    put(body, {local_get, 2, i32_const, 1, i32_add, local_set, 2});
  }
  put(body, {local_get, 0, end});
  return body;
}

// One body of `bytes` repeating one pattern, so each kind of instruction's
// cost per byte shows alone: loads and stores (each bounds-checked), i64
// division (trap checks and a libgcc call), calls, plain arithmetic.
Bytes repeated(uint64_t bytes, const Bytes& pattern) {
  WasmModule m;
  m.memory(1);
  const uint32_t next = m.import_func("env", "next", m.type({i32}, {i32}));
  (void)next;
  const uint32_t t = m.type({i64, i64, i32}, {i64});
  Bytes body;
  while (body.size() + pattern.size() + 8 < bytes) body.insert(body.end(), pattern.begin(), pattern.end());
  put(body, {local_get, 0, end});
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}
const Bytes kLoadStore = {local_get, 2,         local_get, 2,         i32_load, 2,       0,         i32_store, 2,
                          4,         local_get, 2,         i32_const, 1,        i32_add, local_set, 2};
const Bytes kDivide = {local_get, 0, local_get, 1, i64_div_s, local_get, 1, i64_rem_u, local_set, 0};
const Bytes kCall = {local_get, 2, call, 0, local_set, 2};
const Bytes kArith = {local_get, 2, local_get, 2, i32_mul, i32_const, 7, i32_add, local_set, 2};

Bytes one_heavy_function(uint64_t bytes) {
  WasmModule m;
  m.memory(1);
  const uint32_t t = m.type({i64, i64, i32}, {i64});
  m.export_func("f", m.func(t, {}, heavy_body(bytes)));
  return m.bytes();
}

// `n` trap sites on one value: loads at growing offsets from one address
// (each bounds check a condition on it), or divisions by one divisor. The
// optimiser's dominating-condition analysis is quadratic in these.
Bytes same_base_traps(uint64_t n, bool divide) {
  WasmModule m;
  m.memory(1);
  const uint32_t t = m.type({i32, i32}, {i32});
  Bytes body = {local_get, 1};
  for (uint64_t k = 0; k < n; ++k) {
    if (divide) {
      put(body,
          {local_get, 0, i32_const, uint8_t(0x80 | (k & 0x7F)), 0x01, i32_add, local_get, 1, 0x6D /* i32.div_s */});
    } else {
      put(body, {local_get, 0, i32_load, 2});
      leb(body, 4 * k);
    }
    body.push_back(i32_add);
  }
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

// `n` internal functions of `each` bytes of i64 division, each called once
// from one export: the inliner folds them all into the caller, so the
// optimiser sees one function of n x each bytes, whatever the per-body cap.
Bytes inlined_divides(uint64_t n, uint64_t each) {
  WasmModule m;
  const uint32_t t = m.type({i64, i64}, {i64});
  Bytes body;
  while (body.size() + 16 < each)
    put(body, {local_get, 0, local_get, 1, i64_div_s, local_get, 1, i64_rem_u, local_set, 0});
  put(body, {local_get, 0, end});
  for (uint64_t i = 0; i < n; ++i) m.func(t, {}, body);
  Bytes caller = {local_get, 0};
  for (uint64_t i = 0; i < n; ++i) {
    put(caller, {local_get, 1});
    put_idx(caller, call, i);
  }
  put(caller, {end});
  m.export_func("f", m.func(m.type({i64, i64}, {i64}), {}, caller));
  return m.bytes();
}

// A code section of `total` bytes in functions of `each` bytes.
Bytes heavy_code(uint64_t total, uint64_t each) {
  WasmModule m;
  m.memory(1);
  const uint32_t t = m.type({i64, i64, i32}, {i64});
  const Bytes body = heavy_body(each);
  for (uint64_t done = 0, i = 0; done + body.size() <= total; done += body.size() + 4, ++i)
    m.export_func("f" + std::to_string(i), m.func(t, {}, body));
  return m.bytes();
}

// Locals all live at once across a loop: register pressure, spills.
Bytes live_locals(uint64_t locals) {
  WasmModule m;
  m.memory(1);
  const uint32_t t = m.type({i32}, {i32});
  Bytes body;
  for (uint64_t k = 1; k <= locals; ++k) {
    put(body, {local_get, 0, i32_load, 2});
    leb(body, k * 4);
    put_idx(body, local_set, k);
  }
  put(body, {loop, void_});
  for (uint64_t k = 1; k <= locals; ++k) {
    put_idx(body, local_get, k);
    put(body, {local_get, 0, i32_mul});
    put_idx(body, local_set, k);
  }
  put(body, {local_get, 0, br_if, 0, end, local_get, 0});
  for (uint64_t k = 1; k <= locals; ++k) {
    put_idx(body, local_get, k);
    body.push_back(i32_add);
  }
  body.push_back(end);
  m.export_func("f", m.func(t, {{uint32_t(locals), i32}}, body));
  return m.bytes();
}

// A chain of functions, each calling the one before twice: an inliner that
// inlined all would grow 2^n.
Bytes call_chain(uint64_t n) {
  WasmModule m;
  const uint32_t t = m.type({i32}, {i32});
  m.func(t, {}, {local_get, 0, i32_const, 3, i32_mul, end});
  for (uint64_t i = 1; i < n; ++i) {
    Bytes body = {local_get, 0};
    put_idx(body, call, i - 1);
    body.push_back(local_get);
    body.push_back(0);
    put_idx(body, call, i - 1);
    put(body, {i32_add, end});
    m.func(t, {}, body);
  }
  m.export_func("f", uint32_t(n - 1));
  return m.bytes();
}

// `n` imported functions of the widest type, never called: declarations only.
Bytes wide_imports(uint64_t n, uint64_t arity) {
  WasmModule m;
  const uint32_t t = m.type(Bytes(arity, i32), Bytes(arity, i32));
  for (uint64_t i = 0; i < n; ++i) m.import_func("env", "f" + std::to_string(i), t);
  m.export_func("f", m.func(m.type({}, {}), {}, {end}));
  return m.bytes();
}

Bytes many_globals(uint64_t n) {
  WasmModule m;
  const uint32_t t = m.type({}, {});
  Bytes body;
  for (uint64_t i = 0; i < n; ++i) {
    m.global(i32, true, {i32_const, 0});
    put_idx(body, global_get, i);
    body.push_back(i32_const);
    body.push_back(1);
    body.push_back(i32_add);
    put_idx(body, global_set, i);
  }
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

Bytes many_data_segments(uint64_t n) {
  WasmModule m;
  m.memory(uint32_t(std::max<uint64_t>(1, n / 65536 + 1)));
  const uint32_t t = m.type({i32}, {i32});
  m.export_func("f", m.func(t, {}, {local_get, 0, i32_load, 0, 0, end}));
  for (uint64_t i = 0; i < n; ++i) m.data(uint32_t(i), {uint8_t(i)});
  return m.bytes();
}

Bytes data_bytes(uint64_t n) {
  WasmModule m;
  m.memory(uint32_t(n / 65536 + 1));
  const uint32_t t = m.type({i32}, {i32});
  m.export_func("f", m.func(t, {}, {local_get, 0, i32_load, 0, 0, end}));
  m.data(0, Bytes(n, 0xA5));
  return m.bytes();
}

// A table of `n` entries filled by one element segment, and a call through it.
Bytes table_entries(uint64_t n) {
  WasmModule m;
  const uint32_t t = m.type({}, {});
  const uint32_t caller = m.type({i32}, {});
  m.table(uint32_t(n));
  const uint32_t f = m.func(t, {}, {end});
  m.export_func("f", m.func(caller, {}, {local_get, 0, 0x11 /* call_indirect */, uint8_t(t), 0, end}));
  m.elem(0, std::vector<uint32_t>(n, f));
  return m.bytes();
}

// `n` tables sharing the entry cap, each called through.
Bytes many_tables(uint64_t n) {
  WasmModule m;
  const uint64_t each = wasm::kMaxTableEntries.value / n;
  for (uint64_t i = 0; i < n; ++i) m.table(uint32_t(each));
  const uint32_t t = m.type({}, {});
  m.func(t, {}, {end});
  Bytes body;
  for (uint64_t i = 0; i < n; ++i) {
    put(body, {local_get, 0, 0x11, uint8_t(t)});
    leb(body, i);
  }
  body.push_back(end);
  m.export_func("f", m.func(m.type({i32}, {}), {}, body));
  return m.bytes();
}

Bytes many_types(uint64_t n) {
  WasmModule m;
  for (uint64_t i = 0; i < n; ++i) m.type(Bytes(i % 64, i32), Bytes(i % 3, i64));
  return m.bytes();
}

// `n` br_if to the function's outermost block carrying `arity` values.
Bytes many_branches(uint64_t bytes, uint64_t arity) {
  WasmModule m;
  const Bytes ints(arity, i32);
  const uint32_t bt = m.type({}, ints);
  const uint32_t t = m.type({i32}, {i32});
  Bytes body = {block};
  sleb(body, bt);
  for (uint64_t k = 0; k < arity; ++k) put(body, {local_get, 0});
  while (body.size() + arity + 16 < bytes) put(body, {local_get, 0, br_if, 0});
  put(body, {end});
  for (uint64_t k = 1; k < arity; ++k) body.push_back(i32_add);
  body.push_back(end);
  m.export_func("f", m.func(t, {}, body));
  return m.bytes();
}

uint64_t cap(const Cap& c) { return c.value; }

// Every cap pressed at once in one module under 1 MiB: the widest type
// among the most types, imports of it filling the function cap, functions at
// the locals caps, the most globals, a full table, half a MiB of data, and
// i64 division for what is left of the code's cost.
Bytes everything(uint64_t) {
  using namespace wasm;
  WasmModule m;
  const uint32_t wide = m.type(Bytes(cap(kMaxTypeArity), i64), Bytes(cap(kMaxTypeArity), i64));
  for (uint64_t i = 1; i + 2 < cap(kMaxTypes); ++i) m.type(Bytes(i % 16, i32), {});
  const uint32_t t = m.type({}, {});
  const uint32_t div = m.type({i64, i64}, {i64});
  const uint64_t heavy = cap(kMaxModuleLocals) / cap(kMaxFunctionLocals);  // functions at the locals cap
  const uint64_t imports = cap(kMaxFunctions) - heavy - 1;
  for (uint64_t i = 0; i < imports; ++i) m.import_func("env", "f" + std::to_string(i), wide);
  m.memory(9);
  m.table(uint32_t(cap(kMaxTableEntries)));
  for (uint64_t i = 0; i < cap(kMaxGlobals); ++i) m.global(i64, true, {i64_const, uint8_t(i & 0x3F)});
  for (uint64_t i = 0; i < heavy; ++i) m.func(t, {{uint32_t(cap(kMaxFunctionLocals)), i64}}, {end});
  Bytes body;
  while (body.size() / 10 * 12 + heavy + 16 < cap(kMaxCodeCost))
    put(body, {local_get, 0, local_get, 1, i64_div_s, local_get, 1, i64_rem_u, local_set, 0});
  put(body, {local_get, 0, end});
  const uint32_t f = m.func(div, {}, body);
  m.export_func("f", f);
  m.elem(0, std::vector<uint32_t>(cap(kMaxTableEntries), uint32_t(imports)));
  m.data(0, Bytes(512 << 10, 0x5A));
  return m.bytes();
}

}  // namespace

const std::vector<WorstCase>& worst_cases() {
  using wasm::kMaxFunctionLocals, wasm::kMaxLoopNesting, wasm::kMaxTypeArity;
  auto one = [](Bytes (*f)(uint64_t)) { return [f](uint64_t n, uint64_t) { return f(n); }; };
  auto pattern = [](const Bytes& p) { return [p](uint64_t n, uint64_t) { return repeated(n, p); }; };
  constexpr uint64_t kMiB = 1 << 20;
  static const std::vector<WorstCase> cases = {
      // What the caps bound: locals, functions, declarations.
      {"function-locals", "one function of n locals", one(one_function_locals), (1ull << 32) - 1},
      {"locals-many-functions", "n functions each at the per-function locals cap",
       [](uint64_t n, uint64_t a) { return locals_in_many_functions(n, a ? a : cap(kMaxFunctionLocals)); }, 100000},
      {"functions", "n empty exported functions", one(many_functions), 100000},
      {"imports", "n imported functions, each called", one(many_imports), 100000},
      {"wide-imports", "n imports of the widest function type, never called",
       [](uint64_t n, uint64_t a) { return wide_imports(n, a ? a : cap(kMaxTypeArity)); }, 100000},
      {"types", "n function types", one(many_types), 100000},
      {"globals", "n mutable globals, each read and written", one(many_globals), 100000},
      // Control flow.
      {"nesting-block", "n nested blocks", [](uint64_t n, uint64_t) { return nesting(block, n); }, 100000},
      {"nesting-if", "n nested if/else", [](uint64_t n, uint64_t) { return nesting(if_, n); }, 100000},
      {"nesting-loop", "n nested loops", [](uint64_t n, uint64_t) { return nesting(loop, n); }, 100000},
      {"phis-loops", "n locals set inside the deepest loop nest, live after it",
       [](uint64_t n, uint64_t a) { return phis_nested(loop, a ? a : cap(kMaxLoopNesting), n); }, 100000},
      {"phis-ifs", "n locals set inside 64 nested ifs, live after them",
       [](uint64_t n, uint64_t a) { return phis_nested(if_, a ? a : 64, n); }, 100000},
      {"br-table", "a br_table of n labels over 64 blocks carrying an i32",
       [](uint64_t n, uint64_t a) { return br_table_wide(n, a ? a : 64); }, kMiB},
      {"br-table-void", "br_tables of n labels over 64 blocks carrying nothing",
       [](uint64_t n, uint64_t a) { return br_tables_void(n, a ? a : 1); }, kMiB},
      {"br-table-deep", "a br_table to each of n nested blocks",
       [](uint64_t n, uint64_t) { return br_table_wide(n, n); }, 100000},
      {"multivalue-ifs", "ifs of the widest block type, filling n bytes",
       [](uint64_t n, uint64_t a) { return multivalue_blocks(n, a ? a : cap(kMaxTypeArity)); }, kMiB},
      {"wide-calls", "calls of the widest function type, filling n bytes",
       [](uint64_t n, uint64_t a) { return wide_calls(n, a ? a : cap(kMaxTypeArity)); }, kMiB},
      {"wide-branches", "br_if carrying the widest block type, filling n bytes",
       [](uint64_t n, uint64_t a) { return many_branches(n, a ? a : cap(kMaxTypeArity)); }, kMiB},
      // Straight-line code, n bytes of one pattern.
      {"loads-body", "bounds-checked loads and stores", pattern(kLoadStore), kMiB},
      {"divides-body", "i64 division and remainder", pattern(kDivide), kMiB},
      {"calls-body", "calls", pattern(kCall), kMiB},
      {"arith-body", "i32 arithmetic", pattern(kArith), kMiB},
      {"mixed-body", "i64 division, loads and stores", one(one_heavy_function), kMiB},
      {"same-base-loads", "n loads at offsets from one address",
       [](uint64_t n, uint64_t) { return same_base_traps(n, false); }, kMiB},
      {"same-divisor", "n divisions by one divisor", [](uint64_t n, uint64_t) { return same_base_traps(n, true); },
       kMiB},
      {"live-locals", "n locals all live across a loop", one(live_locals), 50000},
      // Across functions: the inliner merges them.
      {"inlined-divides", "n internal functions of 1000 bytes of i64 division, each called once",
       [](uint64_t n, uint64_t a) { return inlined_divides(n, a ? a : 1000); }, 10000},
      {"call-chain", "n functions, each calling the one before twice", one(call_chain), 100000},
      {"many-bodies", "a code section of n bytes in bodies of 4 KiB of mixed code",
       [](uint64_t n, uint64_t a) { return heavy_code(n, a ? a : 4096); }, 4 * kMiB},
      // Data and tables.
      {"data-segments", "n one-byte data segments", one(many_data_segments), kMiB},
      {"data-bytes", "one data segment of n bytes", one(data_bytes), 16 * kMiB},
      {"table-entries", "a table of n entries, filled and called through", one(table_entries), kMiB},
      {"tables", "n tables sharing the entry cap", one(many_tables), 100000},
      {"everything", "every cap pressed at once", one(everything), 1},
  };
  return cases;
}

const WorstCase* find_case(const std::string& family) {
  for (const auto& c : worst_cases())
    if (c.family == family) return &c;
  return nullptr;
}

}  // namespace gust::limits_test
