//===- Passes.h - onnx -> graph conversion passes ---------------*- C++ -*-===//
#ifndef MICA_COMPILER_CONVERSION_ONNX_TO_GRAPH_PASSES_H
#define MICA_COMPILER_CONVERSION_ONNX_TO_GRAPH_PASSES_H

#include "dialects/graph/IR/GraphDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "compiler/conversion/onnx_to_graph/Passes.h.inc"

/// Adds the pattern that rewrites older onnx op versions into the newest
/// version's form (mica-normalize-onnx-versions).
void populateVersionNormalizationPatterns(mlir::RewritePatternSet &patterns);
/// Adds the patterns that rewrite onnx ops into graph ops.
void populateOnnxToGraphPatterns(mlir::RewritePatternSet &patterns);
/// Gives graph ops the more static result types their shape functions infer
/// (users that need the old type get a tensor.cast).
void populateRefineResultTypePatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "compiler/conversion/onnx_to_graph/Passes.h.inc"

} // namespace mica

#endif // MICA_COMPILER_CONVERSION_ONNX_TO_GRAPH_PASSES_H
