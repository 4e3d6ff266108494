//===- Pipeline.h - Mica's pass pipelines -----------------------*- C++ -*-===//
//
// Pipelines are assembled here and nowhere else, so that the CLI, the tests
// and the Python package run the same passes in the same order.
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_PIPELINE_H
#define MICA_COMPILER_DRIVER_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace mica {

/// onnx dialect -> graph dialect: normalisation plus the folds that make
/// constant shape subgraphs disappear.
void buildOnnxToGraphPipeline(mlir::OpPassManager &pm);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_PIPELINE_H
