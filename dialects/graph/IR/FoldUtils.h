//===- FoldUtils.h - Shared limits and helpers of the graph folders -*- C++ -*-===//
#ifndef MICA_DIALECTS_GRAPH_IR_FOLDUTILS_H
#define MICA_DIALECTS_GRAPH_IR_FOLDUTILS_H

#include "mlir/IR/BuiltinTypes.h"

namespace mica::graph {

/// Folders materialise constants only up to this many elements: shape
/// subgraphs fold, weight-sized tensors never do (they would bloat the IR).
constexpr int64_t kMaxFoldElements = 4096;

/// The static result type of a fold, or null when it is not static or too
/// large to fold.
inline mlir::RankedTensorType foldableType(mlir::Type type) {
  auto ranked = mlir::dyn_cast<mlir::RankedTensorType>(type);
  if (!ranked || !ranked.hasStaticShape() ||
      ranked.getNumElements() > kMaxFoldElements)
    return {};
  return ranked;
}

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_IR_FOLDUTILS_H
