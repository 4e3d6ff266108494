//===- Pipeline.cpp - Mica's pass pipelines -------------------------------===//
#include "compiler/driver/Pipeline.h"

#include "compiler/conversion/graph_to_linalg/Passes.h"
#include "compiler/conversion/onnx_to_graph/Passes.h"
#include "compiler/kernel/Passes.h"
#include "compiler/transforms/cpu/Passes.h"
#include "compiler/transforms/graph/Passes.h"

#include "mlir/Pass/PassRegistry.h"

#include "mlir/Transforms/Passes.h"

void mica::buildOnnxToGraphPipeline(mlir::OpPassManager &pm) {
  // The conversion runs graph canonicalisations in the same rewrite sweep
  // (shape subgraphs fold as their producers convert, which unlocks the
  // conversion of the Reshape/Expand/Slice they feed).
  pm.addPass(mica::createConvertOnnxToGraph());
  // Then a general clean-up: CSE merges the duplicated constants conversion
  // leaves behind, canonicalize removes what became dead.
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createCanonicalizerPass());
  // Canonicalisation can make types more static after their users were
  // built (partially constant reshape shapes); propagate that forward, with
  // the folds it enables, to a fixed point.
  pm.addPass(mica::createRefineGraphTypes());
  pm.addPass(mlir::createCanonicalizerPass());
}

void mica::buildGraphToKernelPipeline(mlir::OpPassManager &pm,
                                      llvm::StringRef symbol,
                                      const KernelPipelineOptions &options) {
  // Graph rewrites for speed first: what they produce is lowered like any
  // other graph op. Only with the CPU kernels, which make their pieces fast.
  if (options.vectorWidth) {
    pm.addPass(mica::createFoldTransposes());
    if (options.winograd)
      pm.addPass(mica::createWinogradConv());
  }
  buildGraphToBuffersPipeline(pm);
  if (options.vectorWidth) {
    // CPU kernels on the bufferized ops, while each buffer is still one
    // top-level allocation (the memory plan below then sees the fused
    // kernels' real buffer uses). Copies become linalg.copy first so that
    // they are vectorised too.
    pm.addPass(mica::createMemrefCopyToLinalg());
    pm.addNestedPass<mlir::func::FuncOp>(mica::createCpuShrinkFills());
    CpuContractionCodegenOptions contraction;
    contraction.vectorWidth = options.vectorWidth;
    contraction.registers = options.vectorRegisters;
    pm.addPass(mica::createCpuContractionCodegen(contraction));
    CpuElementwiseCodegenOptions elementwise;
    elementwise.vectorWidth = options.vectorWidth;
    pm.addNestedPass<mlir::func::FuncOp>(
        mica::createCpuElementwiseCodegen(elementwise));
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(mlir::createCSEPass());
    if (options.polynomialExp)
      pm.addPass(mica::createCpuPolynomialExp());
    if (!options.vectorMathIsa.empty()) {
      CpuVectorMathOptions math;
      math.isa = options.vectorMathIsa;
      pm.addPass(mica::createCpuVectorMath(math));
    }
  }
  // Right after bufferization, while every buffer is still a top-level
  // memref.alloc and every op still carries its node's location.
  pm.addPass(mica::createBindKernelInterface());
  pm.addPass(mica::createInsertLayerHooks());
  pm.addPass(mlir::createCanonicalizerPass());
  // The kernels' parallel loops become tasks for the runtime's threads; it
  // needs the bound signature (the tasks rebuild their buffers from it).
  if (options.vectorWidth)
    pm.addPass(mica::createCpuOutlineParallel());
  buildBuffersToLLVMPipeline(pm);
  EmitKernelEntryOptions entry;
  entry.symbol = symbol.str();
  pm.addPass(mica::createEmitKernelEntry(entry));
}

namespace {
struct KernelPipelineCliOptions
    : mlir::PassPipelineOptions<KernelPipelineCliOptions> {
  Option<unsigned> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes of the CPU kernels (0: scalar loops)"),
      llvm::cl::init(0)};
  Option<unsigned> registers{*this, "registers",
                             llvm::cl::desc("Vector registers of the target"),
                             llvm::cl::init(32)};
  Option<std::string> vectorMath{
      *this, "vector-math",
      llvm::cl::desc("x86-64 ISA of the libmvec variants to call (avx512, "
                     "avx2, avx, sse; empty: none)"),
      llvm::cl::init("")};
  Option<bool> winograd{
      *this, "winograd",
      llvm::cl::desc("3x3 convolutions as Winograd F(4x4, 3x3) where it pays"),
      llvm::cl::init(true)};
  Option<bool> polynomialExp{
      *this, "polynomial-exp",
      llvm::cl::desc("f32 exp as MLIR's polynomial approximation"),
      llvm::cl::init(true)};
};
} // namespace

void mica::registerGraphToKernelPipeline() {
  mlir::PassPipelineRegistration<KernelPipelineCliOptions>(
      "mica-lower-to-kernel",
      "Lower graph-dialect functions to an LLVM-dialect kernel with the "
      "runtime's ABI (exported as mica_main)",
      [](mlir::OpPassManager &pm, const KernelPipelineCliOptions &cli) {
        KernelPipelineOptions options;
        options.vectorWidth = cli.vectorWidth;
        options.vectorRegisters = cli.registers;
        options.vectorMathIsa = cli.vectorMath;
        options.winograd = cli.winograd;
        options.polynomialExp = cli.polynomialExp;
        buildGraphToKernelPipeline(pm, "mica_main", options);
      });
}
