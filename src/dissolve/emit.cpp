// Stage 4: LLVM IR -> LLVM's optimisation pipeline -> Thumb-2 ELF object for
// the Cortex-M3 (thumbv7m-none-eabi, soft float, one section per function).
#include <mutex>

#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Triple.h>

#include "dissolve/lower.h"

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
  });
  std::string err;
  const llvm::Target* t = llvm::TargetRegistry::lookupTarget(kTriple, err);
  if (!t) GUST_DIE("libLLVM has no ARM target: " + err);
  llvm::TargetOptions to;
  to.FloatABIType = llvm::FloatABI::Soft;
  to.FunctionSections = true;
  to.DataSections = true;
  to.EmitStackSizeSection = true;  // .stack_sizes: read by the SRAM oracle, not loaded
  return std::unique_ptr<llvm::TargetMachine>(t->createTargetMachine(
      kTriple, kCpu, "+soft-float", to, llvm::Reloc::Static, llvm::CodeModel::Small, llvm::CodeGenOptLevel::Aggressive));
}

llvm::OptimizationLevel level(const std::string& name) {
  if (name == "O0") return llvm::OptimizationLevel::O0;
  if (name == "O2") return llvm::OptimizationLevel::O2;
  if (name == "Os") return llvm::OptimizationLevel::Os;
  return llvm::OptimizationLevel::Oz;
}

}  // namespace

Result<Output> emit(llvm::Module& mod, const Options& opts) {
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

  Output out;
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

Result<Output> dissolve(const wasm::Module& m, const Options& opts) {
  llvm::LLVMContext ctx;
  auto mod = lower(m, opts, ctx);
  if (!mod) return mod.error();
  return emit(**mod, opts);
}

}  // namespace gust::dissolve
