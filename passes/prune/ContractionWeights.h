//===- ContractionWeights.h - A layer's constant weight ---------*- C++ -*-===//
//
// The weight matrices the prune passes rewrite in place (sharing, sparsity):
// a convolution's or fully-connected layer's weight, or the constant
// right-hand side of a 2-D product, with the axes that give its layout.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_PRUNE_CONTRACTIONWEIGHTS_H
#define MICA_PASSES_PRUNE_CONTRACTIONWEIGHTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace mica {

/// A contraction's constant f32 weight.
struct ContractionWeight {
  mlir::Operation *op;
  unsigned operand;
  /// The axis of the output channels: 0 for conv [O, C/g, kh, kw] and
  /// fully_connected [N, K], 1 for a product's [K, N].
  int64_t rowAxis;
  /// The axis summed over: the input channels (1 for conv and
  /// fully_connected, 0 for a product's [K, N]).
  int64_t reductionAxis;
  mlir::Value bias; // null if none
  mlir::DenseElementsAttr value;
};

/// `op`'s constant f32 weight (rank >= 2; exactly 2 for a product), if it
/// has one and a constant bias or none.
std::optional<ContractionWeight> contractionWeight(mlir::Operation *op);

} // namespace mica

#endif // MICA_PASSES_PRUNE_CONTRACTIONWEIGHTS_H
