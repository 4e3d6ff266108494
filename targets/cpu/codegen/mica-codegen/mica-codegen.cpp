//===- mica-codegen.cpp - Emit a native object from an MLIR module --------===//
//
// Developer tool: `mica-codegen IN.mlir --target host|arm64
// [--cpu-features +x,...] -o OUT.o`. The input is graph-dialect IR (lowered
// with the mica-lower-to-llvm pipeline first) or already LLVM-dialect IR; the
// output is the ELF relocatable object that Mica's runtime loader maps. Used
// by the codegen tests and by the runtime team to produce test objects. Errors
// go to stderr and leave no output file.
//
//===----------------------------------------------------------------------===//
#include "compiler/registration/Registration.h"
#include "targets/Target.h"
#include "targets/cpu/Pipeline.h"
#include "targets/cpu/codegen/ObjectEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::OptionCategory category("mica-codegen options");
static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<input .mlir>"),
                                          cl::init("-"), cl::cat(category));
static cl::opt<std::string> outputFilename("o", cl::desc("Output object file"),
                                           cl::value_desc("file"),
                                           cl::cat(category));
static cl::opt<std::string> targetName("target",
                                       cl::desc("Target: host | arm64"),
                                       cl::init("host"), cl::cat(category));
static cl::opt<std::string>
    cpuFeatures("cpu-features",
                cl::desc("Extra CPU features, e.g. +dotprod,+i8mm"),
                cl::init(""), cl::cat(category));
static cl::opt<bool>
    fpContract("fp-contract",
               cl::desc("Fuse a*b+c into fused multiply-adds (default on)"),
               cl::init(true), cl::cat(category));
static cl::opt<bool>
    printTarget("print-target",
                cl::desc("Print the resolved target description and exit"),
                cl::init(false), cl::cat(category));

static int fail(const Twine &message) {
  WithColor::error(errs(), "mica-codegen") << message << "\n";
  return 1;
}

/// True when every op below the module is already in the LLVM dialect.
static bool isLLVMDialectOnly(mlir::ModuleOp module) {
  bool onlyLLVM = true;
  module.getBody()->walk([&](mlir::Operation *op) {
    if (!isa_and_nonnull<mlir::LLVM::LLVMDialect>(op->getDialect())) {
      onlyLLVM = false;
      return mlir::WalkResult::interrupt();
    }
    return mlir::WalkResult::advance();
  });
  return onlyLLVM;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Mica object emitter (MLIR -> ELF .o)\n");

  std::string error;
  FailureOr<mica::TargetDescription> target =
      mica::resolveTarget(targetName, cpuFeatures, error);
  if (failed(target))
    return fail(error);
  if (printTarget) {
    outs() << "name: " << target->name << "\ntriple: " << target->triple
           << "\ncpu: " << target->cpu
           << "\nformat: " << mica::stringifyObjectFormat(target->objectFormat)
           << "\nrequires: " << join(target->requiredFeatures(), ",")
           << "\nfeatures: " << target->featureString() << "\n";
    return 0;
  }
  if (outputFilename.empty())
    return fail("no output file; pass -o OUT.o");

  mlir::DialectRegistry registry;
  mica::registerAllDialects(registry);
  mica::registerObjectEmitterTranslations(registry);
  mlir::MLIRContext context(registry);

  std::string openError;
  std::unique_ptr<MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &openError);
  if (!input)
    return fail(openError);
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), SMLoc());
  // Parse and pipeline errors print through the source manager, with the
  // ONNX node names that the locations carry.
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot parse '" + inputFilename + "'");

  if (!isLLVMDialectOnly(*module)) {
    mlir::PassManager pm(&context);
    mica::cpu::buildGraphToLLVMPipeline(pm);
    if (failed(pm.run(*module)))
      return fail("lowering '" + inputFilename +
                  "' to the LLVM dialect failed");
  }

  mica::ObjectEmitOptions options;
  options.fpContract = fpContract;
  FailureOr<std::string> object =
      mica::emitObject(*module, *target, options, error);
  if (failed(object))
    return fail(error);

  // ToolOutputFile removes the file unless keep() is reached: no partial
  // output on a write error.
  std::error_code ec;
  ToolOutputFile output(outputFilename, ec, sys::fs::OF_None);
  if (ec)
    return fail("cannot open '" + outputFilename + "': " + ec.message());
  output.os() << *object;
  output.os().flush();
  if (output.os().has_error())
    return fail("cannot write '" + outputFilename + "'");
  output.keep();
  return 0;
}
