//===- Pipeline.cpp - Mica's pass pipelines -------------------------------===//
#include "compiler/driver/Pipeline.h"

#include "compiler/conversion/onnx_to_graph/Passes.h"

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
}
