// Stages 3 and 4 for several modules at once (fused dissolving): each module
// is lowered on its own, under its own prefix, with its own region, tables
// and bounds checks, into one LLVM context; llvm::Linker joins the lowered
// modules into one, so that a wired import (Options::import_links: a
// declaration of the callee's export symbol) is bound to the callee's own
// LLVM function; then the one module is optimised and emitted once, and
// LLVM may inline a driver's export into the app that calls it. Nothing of
// one module's lowering reads another's: only the optimiser sees them
// together, and gust audit holds what it made to the regions each function
// is wired to reach (README "Fused dissolving").
#include <llvm/Linker/Linker.h>

#include <algorithm>
#include <set>

#include "dissolve/lower.h"
#include "dissolve/lowering.h"

namespace gust::dissolve {

namespace {

Error refusal(const std::string& why, const std::string& prefix = "") {
  Error e;
  e.kind = Error::Kind::Input;
  e.message = "fused dissolve: " + (prefix.empty() ? "" : "part " + prefix + ": ") + why;
  return e;
}

// What one optimisation of the whole module needs every part to agree on.
bool same_pipeline(const Options& a, const Options& b) {
  return a.opt_level == b.opt_level && a.widen_checks == b.widen_checks && a.hoist_checks == b.hoist_checks &&
         a.predicated_loads == b.predicated_loads &&
         a.bounds_checks == b.bounds_checks && a.debug_info == b.debug_info;
}

}  // namespace

Result<Output> dissolve_fused(const std::vector<FusedPart>& parts) {
  if (parts.empty()) return refusal("no modules to dissolve");
  std::set<std::string> prefixes;
  for (const FusedPart& p : parts) {
    if (!p.module) return refusal("a part without a module", p.opts.prefix);
    // Each part's symbols lie in its own namespace only when it has a prefix
    // of its own (dissolve.h: valid_prefix), which the fused object needs
    // to tell the parts apart again.
    if (p.opts.prefix.empty() || !valid_prefix(p.opts.prefix))
      return refusal("each part needs an instance prefix of its own ('" + p.opts.prefix + "' is not one)");
    if (!prefixes.insert(p.opts.prefix).second) return refusal("two parts share the prefix", p.opts.prefix);
    if (p.opts.linkable) return refusal("--linkable parts are not fused", p.opts.prefix);
    if (!p.opts.bridge_bitcode.empty()) return refusal("bridge inlining is not fused", p.opts.prefix);
    if (!same_pipeline(p.opts, parts.front().opts))
      return refusal("the parts must share the optimisation level, the check levers and debug_info", p.opts.prefix);
  }
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> fused;
  for (const FusedPart& p : parts) {
    auto mod = lower(*p.module, p.opts, ctx);
    if (!mod) {
      Error e = mod.error();
      e.message = "part " + p.opts.prefix + ": " + e.message;
      return e;
    }
    if (!fused) {
      fused = std::move(*mod);
      continue;
    }
    // The parts' symbols are disjoint but for what they share on purpose:
    // gust_trap (declared by each), the signature objects (one COMDAT each),
    // and a wired import, declared by the caller and defined by the callee.
    if (llvm::Linker::linkModules(*fused, std::move(*mod)))
      return refusal("the lowered module does not link with the others", p.opts.prefix);
  }
  // The wired exports nothing native calls become internal: the app's calls
  // are bound to them inside this module, so the optimiser may inline them
  // and drop what is left.
  for (const FusedPart& p : parts)
    for (const std::string& sym : p.internalise) {
      llvm::GlobalValue* g = fused->getNamedValue(sym);
      if (!g) continue;  // the optimiser's to drop anyway
      if (g->isDeclaration()) return refusal("a wired export '" + sym + "' that nothing defines", p.opts.prefix);
      if (sym.rfind(p.opts.prefix, 0) != 0)
        return refusal("'" + sym + "' is not in the part's namespace", p.opts.prefix);
      g->setLinkage(llvm::GlobalValue::InternalLinkage);
    }
  // Each part's variables in sections of their own part (.bss.<prefix>gust,
  // .data.<prefix>gust, .rodata.<prefix>gust): the ARM backend's global
  // merging may then join two variables of one part, as it does in a
  // separate object, but never one part's with another's, so every byte of
  // data stays named by its instance's prefix (the report's components,
  // the audit's data of each instance).
  // The part whose namespace a symbol is in (prefixes.end(): none).
  auto part_of = [&](const std::string& name) {
    return std::find_if(prefixes.begin(), prefixes.end(),
                        [&](const std::string& pre) { return name.rfind(pre, 0) == 0; });
  };
  for (llvm::GlobalVariable& g : fused->globals()) {
    if (g.isDeclaration() || g.hasSection() || g.hasComdat() || g.getName().starts_with("llvm.")) continue;
    auto part = part_of(g.getName().str());
    if (part == prefixes.end()) continue;
    const char* kind = g.isConstant() ? ".rodata." : g.getInitializer()->isNullValue() ? ".bss." : ".data.";
    g.setSection(kind + *part + "gust");
  }
  // A wired import into a fused part's namespace must be bound: one that
  // names no definition there is a wiring error, not a bridge function.
  for (const FusedPart& p : parts)
    for (const auto& [import, sym] : p.opts.import_links) {
      llvm::GlobalValue* g = fused->getNamedValue(sym);
      if (g && g->isDeclaration() && part_of(sym) != prefixes.end())
        return refusal("the wired import " + import.first + " \"" + import.second + "\" names " + sym +
                           ", which its part does not define (or does not keep)",
                       p.opts.prefix);
    }
  std::vector<std::string> regions(prefixes.begin(), prefixes.end());
  return emit(*fused, parts.front().opts, regions);
}

}  // namespace gust::dissolve
