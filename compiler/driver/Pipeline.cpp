//===- Pipeline.cpp - Mica's pass pipelines -------------------------------===//
#include "compiler/driver/Pipeline.h"

#include "compiler/conversion/graph_to_linalg/Passes.h"
#include "compiler/conversion/onnx_to_graph/Passes.h"
#include "compiler/kernel/Passes.h"

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
                                      llvm::StringRef symbol) {
  buildGraphToBuffersPipeline(pm);
  // Right after bufferization, while every buffer is still a top-level
  // memref.alloc and every op still carries its node's location.
  pm.addPass(mica::createBindKernelInterface());
  pm.addPass(mica::createInsertLayerHooks());
  pm.addPass(mlir::createCanonicalizerPass());
  buildBuffersToLLVMPipeline(pm);
  EmitKernelEntryOptions entry;
  entry.symbol = symbol.str();
  pm.addPass(mica::createEmitKernelEntry(entry));
}

void mica::registerGraphToKernelPipeline() {
  mlir::PassPipelineRegistration<>(
      "mica-lower-to-kernel",
      "Lower graph-dialect functions to an LLVM-dialect kernel with the "
      "runtime's ABI (exported as mica_main)",
      [](mlir::OpPassManager &pm) {
        buildGraphToKernelPipeline(pm, "mica_main");
      });
}
