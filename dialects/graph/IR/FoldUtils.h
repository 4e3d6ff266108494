//===- FoldUtils.h - Limits and helpers of the graph folders ----*- C++ -*-===//
#ifndef MICA_DIALECTS_GRAPH_IR_FOLDUTILS_H
#define MICA_DIALECTS_GRAPH_IR_FOLDUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"

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

/// Row-major multi-index of `linear` in `shape`.
inline llvm::SmallVector<int64_t> delinearize(int64_t linear,
                                              llvm::ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t> index(shape.size());
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    index[i] = linear % shape[i];
    linear /= shape[i];
  }
  return index;
}

/// Index into an operand of `operandShape` broadcast (numpy rules, aligned
/// from the right) to the result index `resultIndex`.
inline int64_t broadcastSource(llvm::ArrayRef<int64_t> resultIndex,
                               llvm::ArrayRef<int64_t> operandShape) {
  size_t offset = resultIndex.size() - operandShape.size();
  int64_t linear = 0;
  for (auto [i, d] : llvm::enumerate(operandShape))
    linear = linear * d + (d == 1 ? 0 : resultIndex[i + offset]);
  return linear;
}

/// The value of a constant whose elements are all one float, if `v` is one.
inline std::optional<double> splatFloat(mlir::Value v) {
  mlir::DenseElementsAttr attr;
  if (!mlir::matchPattern(v, mlir::m_Constant(&attr)) || !attr.isSplat() ||
      !mlir::isa<mlir::FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<llvm::APFloat>().convertToDouble();
}

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_IR_FOLDUTILS_H
