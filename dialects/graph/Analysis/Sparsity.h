//===- Sparsity.h - Weights that are mostly zeros ---------------*- C++ -*-===//
//
// A weight counts as sparse when a tenth or more of its elements are exact
// zeros: dense trained weights have essentially none, while pruned ones
// (mica-sparsify, or a model pruned before export) have many. Rewrites that
// would turn those zeros into non-zeros (Winograd's weight transform) leave
// sparse weights alone, and the compile report lists them.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_ANALYSIS_SPARSITY_H
#define MICA_DIALECTS_GRAPH_ANALYSIS_SPARSITY_H

#include "mlir/IR/BuiltinAttributes.h"

namespace mica::graph {

constexpr double kSparseZeroFraction = 0.1;

/// The fraction of `values`' elements that are exactly zero (+0 or -0 for
/// floats); 0 for an empty or splat non-zero attribute.
double zeroFraction(mlir::DenseElementsAttr values);

inline bool isSparseWeight(mlir::DenseElementsAttr values) {
  return zeroFraction(values) >= kSparseZeroFraction;
}

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_ANALYSIS_SPARSITY_H
