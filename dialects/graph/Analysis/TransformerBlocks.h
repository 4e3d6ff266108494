//===- TransformerBlocks.h - Attention blocks of a graph --------*- C++ -*-===//
//
// The transformer blocks of a function, found from its graph.attention ops
// (mica-form-attention builds them): the passes that change tokens (token
// merging, temporal merging) and the compile report share this view.
//
// A block is one attention, numbered from 0 in body order (a spatial and a
// temporal attention are two blocks), and the residual add that closes its
// branch: the first add of two computed values reached from the attention's
// result through one-use ops (the head views, the output projection and
// its bias). Its result is the token stream after the attention, where
// token merging merges, before the MLP.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_ANALYSIS_TRANSFORMERBLOCKS_H
#define MICA_DIALECTS_GRAPH_ANALYSIS_TRANSFORMERBLOCKS_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace mica::graph {

struct TransformerBlock {
  int index = 0;
  AttentionOp attention;
  /// The add closing the attention branch (null when none was found; then
  /// `failure` says why).
  AddOp residual;
  /// The residual add's operands: the attention branch's output and the
  /// block input it is added to.
  mlir::Value branch, skip;
  /// Keys from another sequence than the queries (cross-attention).
  bool crossAttention = false;
  std::string failure;
};

/// One entry per graph.attention of `func`, in body order.
llvm::SmallVector<TransformerBlock>
findTransformerBlocks(mlir::func::FuncOp func);

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_ANALYSIS_TRANSFORMERBLOCKS_H
