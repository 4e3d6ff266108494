//===- ObjectEmitter.cpp - LLVM-dialect module -> ELF relocatable ---------===//
//
// Four steps, each with its own error path: TargetMachine from the
// description; MLIR LLVM dialect -> LLVM IR; the new-PM O2 pipeline; legacy-PM
// codegen into an in-memory object. The contract (relocations, numerics,
// determinism) is written in ObjectEmitter.h.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/codegen/ObjectEmitter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>

using namespace mlir;

namespace mica {

void registerObjectEmitterTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

/// The TargetMachine for `target`. Reloc::PIC_ because Mica's loader maps the
/// object at an address it does not choose up front: with the static model,
/// x86-64 addresses globals with 32-bit absolute relocations that only work
/// in the low 2 GiB; PIC keeps every in-object reference PC-relative (see
/// ObjectEmitter.h). Small code model: code plus constants stay below 2 GiB
/// (x86-64) / 4 GiB ADRP range (AArch64) per object.
static std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const TargetDescription &target,
                    const ObjectEmitOptions &options, std::string &error) {
  initializeCpuTargets();
  llvm::Triple triple(target.triple);
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  llvm::TargetOptions targetOptions;
  // No fast-math of any kind: these are LLVM's defaults, spelled out because
  // they are Mica's numerics policy.
  targetOptions.NoInfsFPMath = false;
  targetOptions.NoNaNsFPMath = false;
  targetOptions.NoSignedZerosFPMath = false;
  targetOptions.AllowFPOpFusion =
      options.fpContract ? llvm::FPOpFusion::Fast : llvm::FPOpFusion::Strict;
  // Unique section names would embed nothing host-specific, but one .text and
  // one .rodata keep the loader's section table small.
  targetOptions.FunctionSections = false;
  targetOptions.DataSections = false;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, target.cpu, target.featureString(), targetOptions,
      llvm::Reloc::PIC_, llvm::CodeModel::Small,
      llvm::CodeGenOptLevel::Default));
  if (!machine)
    error = "LLVM cannot create a code generator for '" + target.triple + "'";
  return machine;
}

/// Makes the module self-contained for the loader: every definition is
/// dso_local (PC-relative access, no GOT/PLT inside the object) and nounwind
/// without unwind tables (generated code never throws; no .eh_frame).
static void prepareForObject(llvm::Module &module) {
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.isDeclaration() || value.hasLocalLinkage())
      continue;
    value.setDSOLocal(true);
  }
  for (llvm::Function &function : module) {
    if (function.isDeclaration())
      continue;
    function.setDoesNotThrow();
    function.setUWTableKind(llvm::UWTableKind::None);
  }
}

/// LLVM's O2 function and module pipeline (new pass manager), with the loop
/// and SLP vectorisers on as clang's -O2 has them. Without fast-math flags in
/// the IR they never reassociate floating-point arithmetic.
static void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  tuning.LoopUnrolling = true;
  llvm::PassBuilder builder(&machine, tuning);
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(module, mam);
}

namespace {
/// Collects LLVM's error diagnostics (codegen can report, e.g., an
/// unsupported construct) into a string instead of printing them.
struct LLVMErrorCollector {
  std::string messages;
  static void handle(const llvm::DiagnosticInfo *info, void *context) {
    if (info->getSeverity() != llvm::DS_Error)
      return;
    auto *self = static_cast<LLVMErrorCollector *>(context);
    llvm::raw_string_ostream os(self->messages);
    llvm::DiagnosticPrinterRawOStream printer(os);
    info->print(printer);
    os << "\n";
  }
};
} // namespace

FailureOr<std::string> emitObject(ModuleOp llvmDialectModule,
                                  const TargetDescription &target,
                                  std::string &error) {
  return emitObject(llvmDialectModule, target, ObjectEmitOptions(), error);
}

FailureOr<std::string> emitObject(ModuleOp llvmDialectModule,
                                  const TargetDescription &target,
                                  const ObjectEmitOptions &options,
                                  std::string &error) {
  if (target.objectFormat != ObjectFormat::ElfRelocatable) {
    error = ("target '" + target.name + "' delivers " +
             stringifyObjectFormat(target.objectFormat) + ", not an ELF object")
                .str();
    return failure();
  }
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(target, options, error);
  if (!machine)
    return failure();

  // MLIR -> LLVM IR. Diagnostics (with the ONNX node locations they carry)
  // are collected into `error` rather than printed.
  MLIRContext *context = llvmDialectModule.getContext();
  DialectRegistry registry;
  registerObjectEmitterTranslations(registry);
  context->appendDialectRegistry(registry);
  std::string diagnostics;
  llvm::LLVMContext llvmContext;
  LLVMErrorCollector llvmErrors;
  llvmContext.setDiagnosticHandlerCallBack(&LLVMErrorCollector::handle,
                                           &llvmErrors);
  std::unique_ptr<llvm::Module> module;
  {
    ScopedDiagnosticHandler handler(context, [&](Diagnostic &diagnostic) {
      llvm::raw_string_ostream os(diagnostics);
      os << diagnostic.getLocation() << ": " << diagnostic << "\n";
      return success();
    });
    // The name becomes the module identifier, the source file name and the
    // object's STT_FILE symbol: a fixed one keeps host paths out.
    module = translateModuleToLLVMIR(llvmDialectModule, llvmContext, "mica");
  }
  if (!module) {
    error = "cannot translate the module to LLVM IR";
    if (!diagnostics.empty())
      error += ":\n" + diagnostics;
    return failure();
  }
  module->setSourceFileName("mica");
  module->setTargetTriple(machine->getTargetTriple());
  module->setDataLayout(machine->createDataLayout());
  module->setPICLevel(llvm::PICLevel::BigPIC);
  prepareForObject(*module);
  {
    std::string verifierErrors;
    llvm::raw_string_ostream os(verifierErrors);
    if (llvm::verifyModule(*module, &os)) {
      error = "translated LLVM IR does not verify:\n" + verifierErrors;
      return failure();
    }
  }

  optimize(*module, *machine);

  // Codegen still runs on the legacy pass manager.
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager codegen;
  llvm::TargetLibraryInfoImpl libraryInfo(machine->getTargetTriple());
  codegen.add(new llvm::TargetLibraryInfoWrapperPass(libraryInfo));
  if (machine->addPassesToEmitFile(codegen, os, /*DwoOut=*/nullptr,
                                   llvm::CodeGenFileType::ObjectFile,
                                   /*DisableVerify=*/false)) {
    error = "LLVM cannot emit an object file for '" + target.triple + "'";
    return failure();
  }
  codegen.run(*module);
  if (!llvmErrors.messages.empty()) {
    error = "code generation for '" + target.name + "' failed:\n" +
            llvmErrors.messages;
    return failure();
  }
  return std::string(buffer.data(), buffer.size());
}

} // namespace mica
