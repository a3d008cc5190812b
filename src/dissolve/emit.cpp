// Stage 4: LLVM IR -> LLVM's optimisation pipeline -> Thumb-2 ELF object for
// the Cortex-M3 (thumbv7m-none-eabi, soft float, one section per function).
#include <llvm/IR/Instructions.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IRReader/IRReader.h>
#include <llvm/Linker/Linker.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Triple.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>

#include <mutex>
#include <set>

#include "dissolve/check_form.h"
#include "dissolve/checks.h"
#include "dissolve/lower.h"
#include "dissolve/lowering.h"
#include "dissolve/predload.h"
#include "gust/trap.h"

namespace gust::dissolve {

namespace {

// The normalised form: "thumbv7m-none-eabi" unnormalised would leave the EABI
// environment unset, and LLVM would call __addsf3 instead of __aeabi_fadd.
constexpr const char* kTriple = "thumbv7m-unknown-none-eabi";
constexpr const char* kCpu = "cortex-m3";

std::unique_ptr<llvm::TargetMachine> target_machine() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeARMTargetInfo();
    LLVMInitializeARMTarget();
    LLVMInitializeARMTargetMC();
    LLVMInitializeARMAsmPrinter();
    LLVMInitializeARMAsmParser();  // for the movw/movt of call_indirect's expected signature
  });
  std::string err;
  const llvm::Target* t = llvm::TargetRegistry::lookupTarget(kTriple, err);
  if (!t) GUST_DIE("libLLVM has no ARM target: " + err);
  llvm::TargetOptions to;
  to.FloatABIType = llvm::FloatABI::Soft;
  to.FunctionSections = true;
  to.DataSections = true;
  to.EmitStackSizeSection = true;  // .stack_sizes: read by the SRAM oracle, not loaded
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(kTriple, kCpu, "+soft-float", to, llvm::Reloc::Static,
                                                                 llvm::CodeModel::Small,
                                                                 llvm::CodeGenOptLevel::Aggressive));
  // No machine outliner (LLVM runs it on minsize functions by default): its
  // OUTLINED_FUNCTION_n pieces return through BX of a register other than
  // LR, which gust audit cannot tell from a computed jump, and they belong to
  // no wasm function.
  tm->setMachineOutliner(false);
  tm->setSupportsDefaultOutlining(false);
  return tm;
}

// The functions that still make an indirect call after optimisation, by
// symbol, NUL-separated, in a section of their own: the SRAM oracle reads it
// (an indirect call leaves no relocation to follow), and the firmware's
// linker script discards it.
void note_indirect_callers(llvm::Module& mod) {
  std::string names;
  for (llvm::Function& f : mod) {
    bool indirect = false;
    for (auto& bb : f)
      for (auto& inst : bb)
        if (auto* call = llvm::dyn_cast<llvm::CallBase>(&inst); call && call->isIndirectCall()) indirect = true;
    if (indirect) names += f.getName().str() + '\0';
  }
  if (names.empty()) return;
  auto* init = llvm::ConstantDataArray::getString(mod.getContext(), names, false);
  auto* g = new llvm::GlobalVariable(mod, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                     "gust_indirect_callers");
  g->setSection(".gust.indirect");
  llvm::appendToUsed(mod, {g});
}

llvm::OptimizationLevel level(const std::string& name) {
  if (name == "O0") return llvm::OptimizationLevel::O0;
  if (name == "O2") return llvm::OptimizationLevel::O2;
  if (name == "Os") return llvm::OptimizationLevel::Os;
  return llvm::OptimizationLevel::Oz;
}

}  // namespace

// The lowering's warnings, then one for each function that the optimiser
// found always traps out of bounds (a region smaller than a struct the code
// reaches through a pointer that inlining made constant): its entry block
// calls gust_trap(GUST_TRAP_MEMORY_OOB) and ends there.
static void collect_warnings(llvm::Module& mod, std::vector<std::string>& out) {
  if (llvm::NamedMDNode* md = mod.getNamedMetadata(kWarningsMetadata))
    for (llvm::MDNode* n : md->operands())
      out.push_back(llvm::cast<llvm::MDString>(n->getOperand(0))->getString().str());
  std::string region = "?";
  if (llvm::NamedMDNode* md = mod.getNamedMetadata(kRegionMetadata))
    region = llvm::cast<llvm::MDString>(md->getOperand(0)->getOperand(0))->getString().str();
  for (llvm::Function& f : mod) {
    if (f.isDeclaration() || f.hasFnAttribute("gust-warned")) continue;
    llvm::BasicBlock& entry = f.getEntryBlock();
    if (!llvm::isa<llvm::UnreachableInst>(entry.getTerminator())) continue;
    for (llvm::Instruction& i : entry) {
      auto* call = llvm::dyn_cast<llvm::CallInst>(&i);
      if (!call || !call->getCalledFunction() || call->getCalledFunction()->getName() != "gust_trap") continue;
      auto* code = llvm::dyn_cast<llvm::ConstantInt>(call->getArgOperand(0));
      if (!code || code->getZExtValue() != GUST_TRAP_MEMORY_OOB) continue;
      out.push_back("warning: function " + f.getName().str() +
                    ": every call traps: after inlining, an access it always makes lies outside the " + region +
                    "-byte memory region");
      break;
    }
  }
}

Result<Output> emit(llvm::Module& mod, const Options& opts, const std::vector<std::string>& regions) {
  if (opts.opt_level != "Oz" && opts.opt_level != "Os" && opts.opt_level != "O2" && opts.opt_level != "O0") {
    Error e;
    e.message = "unknown optimisation level '" + opts.opt_level + "' (Oz, Os, O2 or O0)";
    return e;
  }
  auto tm = target_machine();
  mod.setTargetTriple(kTriple);
  mod.setDataLayout(tm->createDataLayout());
  for (llvm::Function& f : mod) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", kCpu);
    f.addFnAttr("target-features", "+armv7-m,+hwdiv,+soft-float,+thumb-mode");
    f.addFnAttr("frame-pointer", "none");
    if (opts.opt_level == "Oz" || opts.opt_level == "Os") f.addFnAttr(llvm::Attribute::OptimizeForSize);
    if (opts.opt_level == "Oz") f.addFnAttr(llvm::Attribute::MinSize);
  }

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(tm.get());
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  const llvm::OptimizationLevel lvl = level(opts.opt_level);
  llvm::ModulePassManager mpm =
      lvl == llvm::OptimizationLevel::O0 ? pb.buildO0DefaultPipeline(lvl) : pb.buildPerModuleDefaultPipeline(lvl);
  mpm.run(mod, mam);
  // Bounds-check motion on the optimised IR (where the checks' operands are
  // SSA values LLVM has simplified), then a cleanup of what it leaves: the
  // checks it made never-taken, the blocks only they reached.
  bool moved = false;
  for (const std::string& prefix : regions.empty() ? std::vector<std::string>{opts.prefix} : regions) {
    Options region = opts;
    region.prefix = prefix;
    if (lvl != llvm::OptimizationLevel::O0 && move_checks(mod, region, fam).any()) moved = true;
  }
  if (moved) {
    llvm::ModulePassManager cleanup;
    if (auto e = pb.parsePassPipeline(cleanup, "function(instcombine,simplifycfg,loop-mssa(licm),simplifycfg)"))
      GUST_DIE("the cleanup pipeline does not parse: " + llvm::toString(std::move(e)));
    cleanup.run(mod, mam);
  }
  // Last, so that no IR pass sinks the two loads back into one.
  if (opts.predicated_loads && lvl != llvm::OptimizationLevel::O0) predicate_place_loads(mod);

  // The compares' instruction form, last, so that no IR pass folds it back.
  if (opts.check_form && lvl != llvm::OptimizationLevel::O0) shape_compares(mod, *tm);

  note_indirect_callers(mod);

  Output out;
  collect_warnings(mod, out.warnings);
  llvm::raw_string_ostream ir(out.ir);
  mod.print(ir, nullptr);

  llvm::SmallVector<char, 0> buf;
  llvm::raw_svector_ostream os(buf);
  llvm::legacy::PassManager cg;
  if (tm->addPassesToEmitFile(cg, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    GUST_DIE("the ARM target cannot emit an object file");
  cg.run(mod);
  out.object.assign(buf.begin(), buf.end());
  return out;
}

// Links the bridge's bitcode in: the imports it defines become internal
// functions that the optimiser inlines.
static Result<void> link_bridge(llvm::Module& mod, const std::string& path) {
  llvm::SMDiagnostic diag;
  std::unique_ptr<llvm::Module> bridge = llvm::parseIRFile(path, diag, mod.getContext());
  if (!bridge)
    return Error::make(Error::Kind::Input, "cannot read the bridge bitcode: " + diag.getMessage().str(), path);
  bridge->setTargetTriple(mod.getTargetTriple());
  bridge->setDataLayout(mod.getDataLayout());
  std::set<std::string> own;  // what the module defined before the bridge came in
  for (llvm::Function& f : mod)
    if (!f.isDeclaration()) own.insert(f.getName().str());
  for (llvm::GlobalVariable& g : mod.globals()) own.insert(g.getName().str());
  if (llvm::Linker::linkModules(mod, std::move(bridge)))
    return Error::make(Error::Kind::Input, "the bridge bitcode does not link with the module", path);
  // Everything the bridge brought becomes local to this object: the inlined
  // copies serve this module only, and nothing clashes with a bridge object.
  for (llvm::Function& f : mod) {
    if (f.isDeclaration() || own.count(f.getName().str())) continue;
    f.addFnAttr(llvm::Attribute::StrictFP);  // inlines into the strict wasm functions
    f.setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  for (llvm::GlobalVariable& g : mod.globals())
    if (!g.isDeclaration() && !own.count(g.getName().str())) g.setLinkage(llvm::GlobalValue::InternalLinkage);
  return {};
}

Result<Output> dissolve(const wasm::Module& m, const Options& opts) {
  llvm::LLVMContext ctx;
  auto mod = lower(m, opts, ctx);
  if (!mod) return mod.error();
  if (!opts.bridge_bitcode.empty()) {
    (*mod)->setTargetTriple(kTriple);
    (*mod)->setDataLayout(target_machine()->createDataLayout());
    if (auto r = link_bridge(**mod, opts.bridge_bitcode); !r) return r.error();
  }
  return emit(**mod, opts);
}

}  // namespace gust::dissolve
