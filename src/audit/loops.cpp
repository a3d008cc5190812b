// The audit's induction variables (flow.h): the registers a loop steps by a
// constant, bounded by the loop's exit compare, so that a store through a
// stepped pointer is proven by the check of the counter beside it.
#include <algorithm>
#include <optional>

#include "audit/flow.h"

namespace gust::audit::detail {

// ---- induction variables. In a loop entered only at its head, a register whose every write in the
// loop adds a constant, the same sum on every path around it, holds `entry + step*j + offset` before
// each of the loop's instructions on iteration j (from 0), modulo 2^32. A compare of such a register
// with a value the loop does not change, whose failing edge leaves the loop and which every path
// around the loop passes, bounds j: the iteration goes on only while the compare holds, and the
// register moves by `step` each time, so j cannot pass a bound that the entry value and the other
// side give (see jmax()). Every stepped register of the loop is then a range on each instruction:
// the pointer a post-indexed store steps is bounded by the compare of the counter beside it, or
// of the pointer itself.

// A numeric or pointer value as the absolute range it lies in, if it has one.
std::optional<std::pair<int64_t, int64_t>> absolute(const Value& v) {
  if (v.kind == Value::Const) return std::pair{int64_t(v.v), int64_t(v.v)};
  if (v.kind == Value::Bounded) return std::pair{int64_t(v.lo), int64_t(v.v)};
  if (v.kind == Value::Pointer) return std::pair{int64_t(v.base) + v.lo, int64_t(v.base) + v.v};
  return std::nullopt;
}

// What a loop's continuing edge knows of the counter c against the loop-invariant X.
enum class Holds { Ne, Lt, Le, Gt, Ge };

std::optional<Holds> holds_of(image::Cond cond, bool cond_true) {
  using image::Cond;
  switch (cond) {
    case Cond::EQ:
      return cond_true ? std::nullopt : std::optional{Holds::Ne};
    case Cond::NE:
      return cond_true ? std::optional{Holds::Ne} : std::nullopt;
    case Cond::HI:
      return cond_true ? Holds::Gt : Holds::Le;
    case Cond::LS:
      return cond_true ? Holds::Le : Holds::Gt;
    case Cond::CS:
      return cond_true ? Holds::Ge : Holds::Lt;
    case Cond::CC:
      return cond_true ? Holds::Lt : Holds::Ge;
    default:
      return std::nullopt;
  }
}

Holds swapped(Holds h) {
  switch (h) {
    case Holds::Lt:
      return Holds::Gt;
    case Holds::Le:
      return Holds::Ge;
    case Holds::Gt:
      return Holds::Lt;
    case Holds::Ge:
      return Holds::Le;
    default:
      return h;
  }
}

// The largest iteration j on which the loop goes on past the compare, when the counter is
// v0 + step*j there (v0 in [v0l, v0h], no wrap on the iterations that went on) and the
// compare's other side is X in [xl, xh]; nullopt when nothing bounds it (or no iteration goes on).
std::optional<int64_t> jmax(Holds h, int64_t step, int64_t v0l, int64_t v0h, int64_t xl, int64_t xh) {
  constexpr int64_t kWrap = int64_t(1) << 32;
  std::optional<int64_t> j;
  if (step > 0) {
    if (h == Holds::Lt && xh + step <= kWrap && xh > v0l) j = (xh - 1 - v0l) / step;
    if (h == Holds::Le && xh + step < kWrap && xh >= v0l) j = (xh - v0l) / step;
    // Not equal: the counter meets X exactly, at j = X - v0, before it could wrap.
    if (h == Holds::Ne && step == 1 && xl >= v0h) j = xh - v0l - 1;
    if (h == Holds::Ne && step > 1 && v0l == v0h && xl == xh && xl >= v0l && (xl - v0l) % step == 0)
      j = (xl - v0l) / step - 1;
  } else if (step < 0) {
    const int64_t s = -step;
    if (h == Holds::Gt && xl + 1 >= s && v0h > xl) j = (v0h - xl - 1) / s;
    if (h == Holds::Ge && xl >= s && v0h >= xl) j = (v0h - xl) / s;
    if (h == Holds::Ne && s == 1 && v0l >= xh) j = v0h - xl - 1;
    if (h == Holds::Ne && s > 1 && v0l == v0h && xl == xh && v0l >= xl && (v0l - xl) % s == 0) j = (v0l - xl) / s - 1;
  }
  if (j && *j < 0) return std::nullopt;
  return j;
}

// How much instruction x adds to register r (0 when it leaves r alone), or nullopt when it writes r
// otherwise: ADD/SUB rN, #k; a load or store that writes its base back (post- or pre-indexed, LDM/STM!).
std::optional<int64_t> step_of(const Insn& x, int r) {
  const bool call = x.flow == Flow::Call || x.flow == Flow::IndirectCall;
  const bool clobbered = call && (r <= 3 || r == 12 || r == 14);
  if (!(x.writes & reg_bit(r)) && !clobbered) return 0;
  if (x.in_it || clobbered) return std::nullopt;
  if (x.has_imm && (x.alu == image::AluOp::Add || x.alu == image::AluOp::Sub) && x.op != Op::AddSubSp && x.rd == r &&
      x.rn == r && x.writes == reg_bit(r))
    return x.alu == image::AluOp::Add ? x.imm : -x.imm;
  const bool single = x.op == Op::Str || x.op == Op::Strd || x.op == Op::Ldr || x.op == Op::Ldrd;
  if (single && (x.writeback || x.post_index) && x.rn == r && !x.reg_offset && x.rd != r && x.ra != r &&
      (x.is_load() || x.writes == reg_bit(r)))
    return x.imm;
  if ((x.op == Op::Stm || x.op == Op::Ldm) && x.writeback && x.rn == r &&
      !(x.op == Op::Ldm && (x.reglist & reg_bit(r))))
    return (x.imm < 0 ? -4 : 4) * int64_t(std::popcount(x.reglist));
  return std::nullopt;
}

Overrides ValueFlow::induction(const std::vector<std::optional<State>>& in) const {
  const size_t n = c.insns.size();
  std::vector<std::vector<size_t>> succ(n), pred(n);
  for (size_t i = 0; i < n; ++i)
    if (in[i])
      out_edges(in, i, *in[i], [&](size_t k, const State&) {
        succ[i].push_back(k);
        pred[k].push_back(i);
      });
  Overrides out;
  for (size_t h = 0; h < n; ++h) {
    std::vector<size_t> latches;
    for (size_t p : pred[h])
      if (p >= h) latches.push_back(p);
    if (latches.empty()) continue;
    // The loop: what the head reaches and what reaches a latch without passing the head.
    std::vector<bool> from_head(n), body(n);
    std::vector<size_t> work{h};
    while (!work.empty()) {
      const size_t k = work.back();
      work.pop_back();
      if (from_head[k]) continue;
      from_head[k] = true;
      for (size_t s : succ[k]) work.push_back(s);
    }
    body[h] = true;
    work = latches;
    while (!work.empty()) {
      const size_t k = work.back();
      work.pop_back();
      if (body[k] || !from_head[k]) continue;
      body[k] = true;
      for (size_t p : pred[k]) work.push_back(p);
    }
    // Entered only at its head, and what the entering edges bring.
    bool reducible = true;
    std::optional<State> entry;
    auto bring = [&](const State& st) {
      if (!entry) {
        entry = st;
        return;
      }
      for (size_t r = 0; r < 16; ++r) (*entry)[r] = join((*entry)[r], st[r], false);
    };
    for (size_t k = 0; k < n; ++k)
      if (body[k])
        for (size_t p : pred[k])
          if (!body[p] && k != h) reducible = false;
    if (!reducible) continue;
    if (h == 0) {
      State start{};
      start[image::kSP] = {Value::Stack};
      bring(start);
    }
    for (size_t p : pred[h])
      if (!body[p])
        out_edges(in, p, *in[p], [&](size_t k, const State& st) {
          if (k == h) bring(st);
        });
    if (!entry) continue;
    // The stepped registers: each one's offset from its value at the head, before each instruction.
    struct Stepped {
      int64_t step;
      std::vector<std::optional<int64_t>> off;
    };
    std::map<int, Stepped> stepped;
    for (int r = 0; r < image::kSP; ++r) {
      bool written = false;
      for (size_t k = 0; k < n && !written; ++k)
        if (body[k] && step_of(c.insns[k], r) != std::optional<int64_t>(0)) written = true;
      if (!written) continue;
      std::vector<std::optional<int64_t>> off(n);
      std::optional<int64_t> back;
      bool ok = true;
      off[h] = 0;
      work = {h};
      while (ok && !work.empty()) {
        const size_t k = work.back();
        work.pop_back();
        const auto d = step_of(c.insns[k], r);
        if (!d || *d > (1 << 20) || *d < -(1 << 20)) {
          ok = false;
          break;
        }
        const int64_t o = *off[k] + *d;
        for (size_t s : succ[k]) {
          if (!body[s]) continue;
          if (s == h) {
            ok = ok && (!back || *back == o);
            back = o;
          } else if (off[s]) {
            ok = ok && *off[s] == o;
          } else {
            off[s] = o;
            work.push_back(s);
          }
        }
      }
      if (ok && back && *back != 0 && std::abs(*back) < (1 << 20)) stepped[int(r)] = {*back, off};
    }
    if (stepped.empty()) continue;
    // The compares that bound the iteration: the largest j before each instruction.
    std::vector<int64_t> bound(n, INT64_MAX);
    for (size_t e = 0; e < n; ++e) {
      const Insn& x = c.insns[e];
      if (!body[e] || x.flow != Flow::CondJump || x.in_it) continue;
      const bool taken_stays = x.target && c.at.count(*x.target) && body[c.at.at(*x.target)];
      const bool fall_stays = e + 1 < n && body[e + 1];
      if (taken_stays == fall_stays) continue;
      const Insn* cmp = nullptr;
      int a = -1, b = -1;
      std::optional<uint32_t> b_imm;
      size_t at = e;
      if (x.op == Op::Cbz) {
        a = x.rn, b_imm = 0;
      } else if ((cmp = compare_of(e)) && cmp->alu == image::AluOp::Cmp && !cmp->in_it) {
        a = cmp->rn;
        if (cmp->has_imm)
          b_imm = uint32_t(cmp->imm);
        else if (cmp->shift_amount == 0)
          b = cmp->rm;
        at = c.at.at(cmp->addr);
        if (!body[at]) continue;
      } else if (auto f = flag_step_before(e); f && body[*f]) {
        // `subs rC, #k; bne` (or adds, beq): the stepped value tested against zero.
        a = c.insns[*f].rd, b_imm = 0, at = *f + 1;
      } else {
        continue;
      }
      auto h_of = holds_of(x.cond, taken_stays);
      if (!h_of) continue;
      // The counter on one side, the other side the same on every iteration.
      auto invariant = [&](int r) {
        if (r < 0 || r >= image::kSP) return false;
        for (size_t k = 0; k < n; ++k)
          if (body[k] && step_of(c.insns[k], r) != std::optional<int64_t>(0)) return false;
        return true;
      };
      int counter = -1;
      Value other;
      Holds rel = *h_of;
      if (a >= 0 && stepped.count(a) && (b_imm || invariant(b))) {
        counter = a, other = b_imm ? Value{Value::Const, *b_imm} : (*entry)[size_t(b)];
      } else if (!b_imm && b >= 0 && stepped.count(b) && invariant(a)) {
        counter = b, other = (*entry)[size_t(a)], rel = swapped(rel);
      }
      if (counter < 0) continue;
      const Stepped& st = stepped.at(counter);
      auto c0 = absolute((*entry)[size_t(counter)]);
      auto xr = absolute(other);
      if (!c0 || !xr || !st.off[at]) continue;
      const int64_t v0l = c0->first + *st.off[at], v0h = c0->second + *st.off[at];
      if (v0l < 0 || v0h >= (int64_t(1) << 32)) continue;
      auto j = jmax(rel, st.step, v0l, v0h, xr->first, xr->second);
      if (!j) continue;
      // Before the compare on some path of an iteration: one iteration more.
      std::vector<bool> before(n);
      work = {h};
      while (!work.empty()) {
        const size_t k = work.back();
        work.pop_back();
        if (before[k]) continue;
        before[k] = true;
        if (k == e) continue;
        for (size_t s : succ[k])
          if (body[s] && s != h) work.push_back(s);
      }
      bool every_iteration = true;
      for (size_t l : latches)
        if (before[l] && l != e) every_iteration = false;
      if (!every_iteration) continue;
      for (size_t k = 0; k < n; ++k)
        if (body[k]) bound[k] = std::min(bound[k], before[k] ? *j + 1 : *j);
    }
    for (const auto& [r, st] : stepped) {
      auto e = absolute((*entry)[size_t(r)]);
      if (!e) continue;
      for (size_t k = 0; k < n; ++k) {
        if (!body[k] || bound[k] == INT64_MAX || !st.off[k] || bound[k] > (int64_t(1) << 32)) continue;
        const int64_t span = st.step * bound[k];
        const int64_t lo = e->first + *st.off[k] + std::min<int64_t>(0, span),
                      hi = e->second + *st.off[k] + std::max<int64_t>(0, span);
        if (lo < 0 || hi >= (int64_t(1) << 32)) continue;
        const Value& was = (*entry)[size_t(r)];
        const bool in_object = was.kind == Value::Pointer && lo >= int64_t(was.base);
        out[k].push_back({r, in_object ? pointer(was.base, uint32_t(lo - was.base), uint32_t(hi - was.base))
                                       : bounded(uint32_t(lo), uint32_t(hi))});
      }
    }
  }
  return out;
}

// The flow with the loops' stepped registers bounded: solved until the bounds that induction()
// finds in the states are those they were solved with; without that, the plain flow.
std::vector<std::optional<State>> ValueFlow::solve_loops() const {
  std::vector<std::optional<State>> states = solve();
  Overrides known = induction(states);
  for (int round = 0; round < 8 && !known.empty(); ++round) {
    states = solve(known);
    Overrides again = induction(states);
    if (again == known) return states;
    known = std::move(again);
  }
  return known.empty() ? states : solve();
}

}  // namespace gust::audit::detail
