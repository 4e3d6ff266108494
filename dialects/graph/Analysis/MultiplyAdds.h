//===- MultiplyAdds.h - Multiply-adds of a graph ----------------*- C++ -*-===//
//
// The compile report's `flops` (original and compiled, the same count before
// and after the compression stage) and a compression pass's measured effect:
// multiply-adds of the contractions of graph-dialect IR, counted as direct
// computation (a 3x3 convolution is 9 * C_in / groups multiply-adds per
// output element, whatever Winograd later makes of it).
//
// Counted: conv, conv_transpose, matmul, fully_connected, attention (both
// products) and einsum. Elementwise ops, normalisations and pooling are not
// multiply-adds and are left out, as ONNX Runtime's and PyTorch's profilers
// do. A symbolic dimension counts as 1: the numbers are per unit of each
// symbolic dimension.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_ANALYSIS_MULTIPLYADDS_H
#define MICA_DIALECTS_GRAPH_ANALYSIS_MULTIPLYADDS_H

#include "mlir/IR/Operation.h"

#include <cstdint>
#include <optional>

namespace mica::graph {

/// The multiply-adds of one op, or nullopt when `op` is not a contraction.
std::optional<int64_t> countMultiplyAdds(mlir::Operation *op);

/// The multiply-adds of every contraction nested in `root`.
int64_t countAllMultiplyAdds(mlir::Operation *root);

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_ANALYSIS_MULTIPLYADDS_H
