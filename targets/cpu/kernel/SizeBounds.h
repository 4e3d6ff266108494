//===- SizeBounds.h - Upper bounds of index values --------------*- C++ -*-===//
//
// The static memory plan needs a byte size for every buffer, also when a
// dimension is symbolic. A dynamic size in bufferized IR is computed from
// `memref.dim` of the function's inputs by index arithmetic; evaluating that
// computation with every input dimension at its upper bound (--max-shape)
// gives the size to reserve. Shape arithmetic in models is monotone in the
// input dimensions (products, sums, ceil-divisions by constants), which is
// what makes the value at the bound an upper bound; `subi` of two dynamic
// values is the exception and is refused.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_KERNEL_SIZEBOUNDS_H
#define MICA_TARGETS_CPU_KERNEL_SIZEBOUNDS_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <optional>

namespace mica::kernel {

class SizeBoundEvaluator {
public:
  /// `argDimBound(arg, dim)` gives the bound of dimension `dim` of function
  /// argument `arg` (nullopt when unknown).
  explicit SizeBoundEvaluator(
      std::function<std::optional<int64_t>(mlir::BlockArgument, int64_t)>
          argDimBound)
      : argDimBound(std::move(argDimBound)) {}

  /// An upper bound of the integer/index value `value`, or nullopt when the
  /// computation is not understood or not monotone.
  std::optional<int64_t> upperBound(mlir::Value value);

  /// An upper bound of dimension `dim` of the shaped value `value`.
  std::optional<int64_t> dimUpperBound(mlir::Value value, int64_t dim);

  /// An upper bound of the number of elements of the shaped value `value`.
  /// Tighter than the product of dimUpperBound where a reshape's dims come
  /// from run-time data (a Reshape whose shape input is computed): a reshape
  /// keeps its source's element count, and a buffer allocated with the sizes
  /// of another value (in any order, a transpose) has its element count.
  std::optional<int64_t> elementsUpperBound(mlir::Value value);

private:
  std::optional<int64_t> compute(mlir::Value value);

  std::function<std::optional<int64_t>(mlir::BlockArgument, int64_t)>
      argDimBound;
  llvm::DenseMap<mlir::Value, std::optional<int64_t>> cache;
};

} // namespace mica::kernel

#endif // MICA_TARGETS_CPU_KERNEL_SIZEBOUNDS_H
