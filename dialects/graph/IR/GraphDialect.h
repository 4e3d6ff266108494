//===- GraphDialect.h - Mica graph dialect ----------------------*- C++ -*-===//
//
// Include this header to use the graph dialect: the dialect, its enum
// attributes and all its ops.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_IR_GRAPHDIALECT_H
#define MICA_DIALECTS_GRAPH_IR_GRAPHDIALECT_H

#include "dialects/graph/IR/ShapeFunctions.h"
#include "dialects/graph/IR/TypeInference.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/graph/IR/GraphDialect.h.inc"
#include "dialects/graph/IR/GraphEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/graph/IR/GraphAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.h.inc"

namespace mica::graph {
/// The lowest and highest value of an integer type (signless is signed).
std::pair<int64_t, int64_t> getIntegerRange(mlir::Type element);

/// Discardable attributes of the quantize passes (passes/quantize/Passes.h)
/// that graph rewrites respect: a value on the model's own quantisation grid
/// is rounded there by the model, so a rewrite must not merge it away into
/// its consumer; a weight with given scales must keep its integers.
constexpr llvm::StringLiteral kModelGridAttr = "mica.model_grid";
constexpr llvm::StringLiteral kWeightScalesAttr = "mica.weight_scales";
/// Why an op stays float (a string): the quantize passes write it, and
/// passes before them that need float arithmetic set it first (token
/// merging's similarity and size-weighted means: "token merge").
constexpr llvm::StringLiteral kFloatReasonAttr = "mica.float_reason";

/// The patterns rooted at graph.mul that make a written-out layer norm one
/// graph.layer_norm (LayerNormCanonicalization.cpp), for MulOp's
/// canonicalizer.
void populateLayerNormProductPatterns(mlir::RewritePatternSet &patterns,
                                      mlir::MLIRContext *context);
} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_IR_GRAPHDIALECT_H
