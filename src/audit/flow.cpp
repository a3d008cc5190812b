// The joins of the audit's data flow (flow.h): what two paths' values have in common.
#include "audit/flow.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace gust::audit::detail {

std::string hex(uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

Value meet(const Value& a, const Value& b, bool widen) {
  Value m = meet_value(a, b, widen);
  m.same = a.same & b.same;
  if (a.rel >= 0 && a.rel == b.rel && a.delta == b.delta) m.rel = a.rel, m.delta = a.delta;
  return m;
}

Value meet_value(const Value& a, const Value& b, bool widen) {
  if (a == b) return a;
  auto based = [](const Value& x) -> std::optional<uint32_t> {
    if (x.kind == Value::Pointer || x.kind == Value::Based) return x.base;
    return std::nullopt;
  };
  if (auto x = based(a), y = based(b); x && y && *x == *y) {
    if (!widen && a.kind == Value::Pointer && b.kind == Value::Pointer)
      return pointer(a.base, std::min(a.lo, b.lo), std::max(a.v, b.v));
    return {Value::Based, 0, *x};
  }
  // A constant address at or above a pointer's object: the pointer's range, stretched to it.
  for (auto [c, p] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    if (c->kind != Value::Const || !based(*p) || c->v < p->base) continue;
    if (!widen && p->kind == Value::Pointer)
      return pointer(p->base, std::min(c->v - p->base, p->lo), std::max(c->v - p->base, p->v));
    return {Value::Based, 0, p->base};
  }
  if (!widen && numeric(a) && numeric(b)) return bounded(std::min(lo_of(a), lo_of(b)), std::max(a.v, b.v));
  return {};
}

}  // namespace gust::audit::detail
