//===- OnnxToGraphPatterns.cpp - onnx -> graph rewrite patterns -----------===//
#include "compiler/conversion/onnx_to_graph/Passes.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;

void mica::populateOnnxToGraphPatterns(RewritePatternSet &patterns) {
  (void)patterns;
}
