//===- OnnxToGraphPatterns.cpp - onnx -> graph rewrite patterns -----------===//
//
// The pattern families live one file each (see PatternUtils.h for the
// contract they share); this puts them together.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/Passes.h"
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

using namespace mlir;

void mica::populateOnnxToGraphPatterns(RewritePatternSet &patterns) {
  onnx_to_graph::populateElementwisePatterns(patterns);
  onnx_to_graph::populateActivationPatterns(patterns);
  onnx_to_graph::populateIndexingPatterns(patterns);
  onnx_to_graph::populateCompositePatterns(patterns);
  onnx_to_graph::populateQuantizationPatterns(patterns);
  onnx_to_graph::populateQOperatorPatterns(patterns);
  onnx_to_graph::populateRecurrentPatterns(patterns);
  onnx_to_graph::populateSpectralPatterns(patterns);
  onnx_to_graph::populateArithmeticPatterns(patterns);
  onnx_to_graph::populateNNPatterns(patterns);
  onnx_to_graph::populateWindowPatterns(patterns);
  onnx_to_graph::populateReductionPatterns(patterns);
  onnx_to_graph::populateResizePatterns(patterns);
  onnx_to_graph::populateReshapePatterns(patterns);
  onnx_to_graph::populateShapePatterns(patterns);
  onnx_to_graph::populateConstantPatterns(patterns);
  onnx_to_graph::populateControlFlowPatterns(patterns);
  onnx_to_graph::populateMatrixPatterns(patterns);
  onnx_to_graph::populatePoolIndexPatterns(patterns);
  onnx_to_graph::populateRoiAlignPatterns(patterns);
  onnx_to_graph::populateMelWeightMatrixPatterns(patterns);
  onnx_to_graph::populateTfIdfPatterns(patterns);
}
