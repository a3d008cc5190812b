// The shadow-stack half of a driver's linear-memory size: the worst-case
// depth of __stack_pointer, read from the wasm module's own code. A
// function's frame is how far below its entry value it moves the pointer
// (global.set of a value it computed from global.get and constants) or
// reaches without moving it (a leaf's red zone); the
// depth of an export is its frame plus the deepest of its callees: direct
// calls, and for call_indirect every function of that signature that can
// reach a table (the native stack oracle reads the same set from the image's
// descriptors).
// Recursion, and a pointer moved by an amount known only at run time (alloca,
// a variable-length array), leave the depth unbounded, and say where.
#include <llvm/Demangle/Demangle.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "wasm/reader.h"
#include "compose/stages.h"

namespace gust::compose {

namespace {

using wasm::Instr;
using wasm::Op;

// An abstract i32: the stack pointer's entry value minus `off`, a constant,
// or anything.
struct Val {
  enum Kind : uint8_t { Any, Sp, Const } kind = Any;
  int64_t v = 0;  // Sp: bytes below the entry value; Const: the constant
  static Val sp(int64_t off) { return {Sp, off}; }
  static Val k(int64_t c) { return {Const, c}; }
};

struct Frame {
  int64_t bytes = 0;
  std::string unbounded;        // why the frame is not known, or ""
  std::set<uint32_t> calls;     // direct callees
  std::set<uint32_t> indirect;  // type indices of call_indirect
  std::set<uint32_t> refs;      // functions its ref.func names
};

}  // namespace

// function_names with the C++ names demangled (as the seam messages
// demangle them), "export NAME" where the name section gives none.
std::map<uint32_t, std::string> wasm_function_names(const wasm::Module& m) {
  auto names = function_names(m);
  for (auto& [index, name] : names)
    if (name.rfind("export ", 0) != 0) name = llvm::demangle(name);
  return names;
}

namespace {

// The index of __stack_pointer: wasm-ld's first global, a mutable i32
// defined by the module.
std::optional<uint32_t> stack_pointer_global(const wasm::Module& m) {
  const uint32_t base = m.imported(wasm::ExternKind::Global);
  if (m.globals.empty()) return std::nullopt;
  const auto& g = m.globals[0];
  if (!g.type.mutable_ || g.type.type != wasm::ValType::I32 || g.init.op != Op::I32Const) return std::nullopt;
  return base;
}

// One pass over a body in code order. The pointer's value is followed along
// the straight line of the code; clang moves it down at a function's (or a
// scope's) start and back at its end, within one structured block, so code
// order is execution order for it. Each loop must leave the pointer where it
// found it, so that an iteration cannot go deeper than the first.
Frame frame_of(const wasm::Module& m, const wasm::Function& f, uint32_t sp) {
  Frame fr;
  std::vector<Val> stack;
  std::map<uint32_t, Val> locals;
  int64_t cur = 0;
  std::vector<std::pair<bool, int64_t>> blocks;  // (is loop, pointer at entry)
  auto pop = [&] {
    if (stack.empty()) return Val{};
    Val v = stack.back();
    stack.pop_back();
    return v;
  };
  auto fail = [&](const std::string& why) {
    if (fr.unbounded.empty()) fr.unbounded = why;
  };
  wasm::Reader r(m.bytes, f.body_begin, f.body_end);
  Instr in;
  while (!r.at_end()) {
    wasm::read_instr(r, in, m.data_count.has_value());
    const auto& info = wasm::info(in.op);
    switch (in.op) {
      case Op::GlobalGet:
        stack.push_back(in.a == sp ? Val::sp(cur) : Val{});
        continue;
      case Op::GlobalSet: {
        Val v = pop();
        if (in.a != sp) continue;
        if (v.kind != Val::Sp) {
          fail("sets the stack pointer to a value known only at run time (alloca or a variable-length array)");
          continue;
        }
        cur = v.v;
        fr.bytes = std::max(fr.bytes, cur);
        continue;
      }
      case Op::I32Const:
        stack.push_back(Val::k(int32_t(uint32_t(in.value))));
        continue;
      case Op::LocalGet:
        stack.push_back(locals.count(in.a) ? locals[in.a] : Val{});
        continue;
      case Op::LocalSet:
        locals[in.a] = pop();
        continue;
      case Op::LocalTee:
        locals[in.a] = stack.empty() ? Val{} : stack.back();
        continue;
      case Op::I32Sub:
      case Op::I32Add:
      case Op::I32And: {
        Val b = pop(), a = pop();
        Val out;
        if (a.kind == Val::Sp && b.kind == Val::Const) {
          if (in.op == Op::I32Sub) out = Val::sp(a.v + b.v);
          if (in.op == Op::I32Add) out = Val::sp(a.v - b.v);
          // Realigning down to a power of two A moves at most A - 1 lower.
          if (in.op == Op::I32And && b.v < 0 && ((-b.v) & (-b.v - 1)) == 0) out = Val::sp(a.v + (-b.v) - 1);
          // A leaf's frame (clang's 128-byte red zone) is used below the
          // pointer without a global.set: every address computed below the
          // entry value counts, as a frame would.
          if (out.kind == Val::Sp) fr.bytes = std::max(fr.bytes, out.v);
        } else if (a.kind == Val::Const && b.kind == Val::Const) {
          out = Val::k(in.op == Op::I32Sub   ? int32_t(a.v - b.v)
                       : in.op == Op::I32Add ? int32_t(a.v + b.v)
                                             : int32_t(a.v & b.v));
        }
        stack.push_back(out);
        continue;
      }
      case Op::Call:
        fr.calls.insert(in.a);
        break;
      case Op::CallIndirect:
        fr.indirect.insert(in.a);
        break;
      case Op::RefFunc:
        fr.refs.insert(in.a);
        break;
      case Op::Drop:
        pop();
        continue;
      case Op::Select:
      case Op::SelectT:
        pop(), pop(), pop();
        stack.push_back(Val{});
        continue;
      case Op::BrIf:
        pop();
        continue;
      case Op::If:
        pop();
        blocks.push_back({false, cur});
        continue;
      case Op::Block:
        blocks.push_back({false, cur});
        continue;
      case Op::Loop:
        blocks.push_back({true, cur});
        continue;
      case Op::End:
        if (!blocks.empty()) {
          if (blocks.back().first && blocks.back().second != cur)
            fail("moves the stack pointer by a different amount on each iteration of a loop");
          blocks.pop_back();
        }
        break;
      default:
        break;
    }
    // Every other instruction: its operands and results, values unknown.
    // The signature string is params '_' results, as in opcodes.def; calls
    // and control take their arity from the module, which only unknown
    // values on the operand stack could come from.
    if (in.op == Op::Call || in.op == Op::CallIndirect) {
      const wasm::FuncType& t = in.op == Op::Call ? m.func_type(in.a) : m.types.at(in.a);
      for (size_t i = 0; i < t.params.size() + (in.op == Op::CallIndirect ? 1 : 0); ++i) pop();
      for (size_t i = 0; i < t.results.size(); ++i) stack.push_back(Val{});
      continue;
    }
    const std::string sig = info.signature ? info.signature : "";
    const size_t us = sig.find('_');
    if (us == std::string::npos) {
      // Control and stack-polymorphic instructions: the values left are not
      // followed further (clang keeps the pointer in locals across them).
      stack.clear();
      continue;
    }
    for (size_t i = 0; i < us; ++i) pop();
    for (size_t i = us + 1; i < sig.size(); ++i) stack.push_back(Val{});
  }
  return fr;
}

}  // namespace

// The module's function names: from the "name" custom section when the
// module has one (gust's driver link keeps it), else its export names.
std::map<uint32_t, std::string> function_names(const wasm::Module& m) {
  std::map<uint32_t, std::string> names;
  const std::vector<std::string> by_index = dissolve::function_names(m);
  for (uint32_t i = 0; i < by_index.size(); ++i)
    if (!by_index[i].empty()) names[i] = by_index[i];
  for (const auto& e : m.exports)
    if (e.kind == wasm::ExternKind::Func && !names.count(e.index)) names[e.index] = "export " + e.name;
  return names;
}

ShadowStack shadow_stack_depth(const wasm::Module& m, const std::vector<uint32_t>& roots) {
  ShadowStack out;
  const auto names = wasm_function_names(m);
  auto name = [&](uint32_t f) {
    auto it = names.find(f);
    return it != names.end() ? it->second + " (function " + std::to_string(f) + ")" : "function " + std::to_string(f);
  };
  const auto sp = stack_pointer_global(m);
  if (!sp) {  // no shadow stack at all: nothing moves below its start
    out.depth = 0;
    return out;
  }
  const uint32_t nimp = m.imported(wasm::ExternKind::Func);
  std::vector<Frame> frames;
  for (const auto& f : m.functions) frames.push_back(frame_of(m, f, *sp));
  // No function moves the pointer (wasm-ld keeps __stack_pointer even when
  // nothing uses it): every path's depth is 0, recursion or not.
  if (std::all_of(frames.begin(), frames.end(), [](const Frame& fr) { return fr.bytes == 0 && fr.unbounded.empty(); })) {
    out.depth = 0;
    return out;
  }
  // The targets of call_indirect: every function that can reach a table,
  // by signature. A table holds only what the element segments give and what
  // ref.func makes (in a global's initialiser or in code), so those are all
  // the functions a call_indirect can find; of type T, those whose type
  // equals T.
  std::set<uint32_t> declared;
  for (const auto& seg : m.elems)
    for (const auto& item : seg.items)
      if (item.op == Op::RefFunc) declared.insert(uint32_t(item.value));
  for (const auto& g : m.globals)
    if (g.init.op == Op::RefFunc) declared.insert(uint32_t(g.init.value));
  for (const auto& fr : frames) declared.insert(fr.refs.begin(), fr.refs.end());
  std::map<uint32_t, std::set<uint32_t>> by_type;
  for (uint32_t f : declared)
    if (f < m.num_funcs())
      for (uint32_t t = 0; t < m.types.size(); ++t)
        if (m.types[t] == m.func_type(f)) by_type[t].insert(f);

  std::map<uint32_t, std::pair<int64_t, std::vector<uint32_t>>> memo;  // depth, deepest path
  std::vector<uint32_t> on_path;
  std::function<std::optional<std::pair<int64_t, std::vector<uint32_t>>>(uint32_t)> depth =
      [&](uint32_t f) -> std::optional<std::pair<int64_t, std::vector<uint32_t>>> {
    if (f < nimp) return std::make_pair(int64_t(0), std::vector<uint32_t>{});  // the bridge: no shadow stack
    if (auto it = memo.find(f); it != memo.end()) return it->second;
    if (auto it = std::find(on_path.begin(), on_path.end(), f); it != on_path.end()) {
      std::string cycle;
      for (; it != on_path.end(); ++it) cycle += name(*it) + " -> ";
      out.why = "recursion: " + cycle + name(f);
      return std::nullopt;
    }
    const Frame& fr = frames[f - nimp];
    if (!fr.unbounded.empty()) {
      out.why = name(f) + " " + fr.unbounded;
      return std::nullopt;
    }
    on_path.push_back(f);
    std::set<uint32_t> callees = fr.calls;
    for (uint32_t t : fr.indirect)
      if (auto it = by_type.find(t); it != by_type.end()) callees.insert(it->second.begin(), it->second.end());
    std::pair<int64_t, std::vector<uint32_t>> best{0, {}};
    for (uint32_t c : callees) {
      auto d = depth(c);
      if (!d) return std::nullopt;
      if (d->first > best.first || best.second.empty()) best = *d;
    }
    on_path.pop_back();
    best.first += fr.bytes;
    best.second.insert(best.second.begin(), f);
    return memo[f] = best;
  };
  int64_t worst = 0;
  for (uint32_t root : roots) {
    auto d = depth(root);
    if (!d) return out;
    if (d->first >= worst) {
      worst = d->first;
      out.path.clear();
      for (uint32_t f : d->second) out.path.push_back(name(f) + " " + std::to_string(frames[f - nimp].bytes) + " B");
    }
  }
  out.depth = uint32_t(worst);
  return out;
}

ShadowStack shadow_stack_with_handlers(const wasm::Module& m) {
  std::vector<uint32_t> thread, handlers;
  for (const auto& e : m.exports)
    if (e.kind == wasm::ExternKind::Func) (e.name.rfind("irq_handler_", 0) == 0 ? handlers : thread).push_back(e.index);
  ShadowStack out = shadow_stack_depth(m, thread);
  for (uint32_t h : handlers) {
    if (!out.depth) return out;
    const ShadowStack hs = shadow_stack_depth(m, {h});
    if (!hs.depth) return hs;
    if (!*hs.depth) continue;
    *out.depth += *hs.depth;
    out.path.push_back("preempted by:");
    out.path.insert(out.path.end(), hs.path.begin(), hs.path.end());
  }
  return out;
}

}  // namespace gust::compose
