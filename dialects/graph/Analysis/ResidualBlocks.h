//===- ResidualBlocks.h - Residual blocks of a graph ------------*- C++ -*-===//
//
// The residual blocks of a function, for passes that judge or remove whole
// blocks (block removal, block sharing). A residual unit is an add
// `y = x + f(x)` whose branch f reads nothing computed but its skip x (an
// identity skip: a ResNet basic block, a transformer's attention or MLP
// sub-layer; not a downsampling block, whose skip is a projection). A
// transformer layer is one block of two units: a unit whose branch holds
// an attention (a softmax or graph.attention) and the unit right after it
// that adds to its output (the MLP). Every other unit is a block by itself.
// Removing a block (its output replaced by its input) leaves a valid graph.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_ANALYSIS_RESIDUALBLOCKS_H
#define MICA_DIALECTS_GRAPH_ANALYSIS_RESIDUALBLOCKS_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mica::graph {

struct ResidualBlock {
  int index = 0;
  /// The skip of its first unit and the result of its last.
  mlir::Value input, output;
  /// Its residual adds, in order (one, or two for a transformer layer).
  llvm::SmallVector<AddOp, 2> adds;
  bool attention = false;
  /// The ops of its branches, in body order.
  llvm::SmallVector<mlir::Operation *> ops;
  /// Multiply-adds of its branches (dialects/graph/Analysis/MultiplyAdds.h).
  int64_t multiplyAdds = 0;
};

/// The residual blocks of `func`, in body order; nested residual adds (a
/// block inside another's branch) are not blocks.
llvm::SmallVector<ResidualBlock> findResidualBlocks(mlir::func::FuncOp func);

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_ANALYSIS_RESIDUALBLOCKS_H
