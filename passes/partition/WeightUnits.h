//===- WeightUnits.h - Kernels and the weights they read --------*- C++ -*-===//
//
// The analysis of mica-partition-weights on a bound entry function
// (mica-bind-kernel-interface): which top-level ops may go to different
// functions, grouped into units that must stay together, and the byte
// ranges of the constants segment each unit reads.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_PARTITION_WEIGHTUNITS_H
#define MICA_PASSES_PARTITION_WEIGHTUNITS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

namespace mica::partition {

/// Bytes [begin, end) of a segment.
struct ByteRange {
  int64_t begin = 0;
  int64_t end = 0;
};

/// Sorts `ranges` and merges those that overlap or touch.
void mergeRanges(llvm::SmallVectorImpl<ByteRange> &ranges);

/// The bytes `ranges` cover (merged first).
int64_t coveredBytes(llvm::ArrayRef<ByteRange> ranges);

/// A maximal run of anchors (top-level ops with regions or memory effects)
/// with no legal cut inside: a value other than a pure slice of the
/// arguments crosses every gap between them.
struct WeightUnit {
  llvm::SmallVector<mlir::Operation *> anchors;
  /// The constants it reads, merged.
  llvm::SmallVector<ByteRange> ranges;
  int64_t bytes = 0;
};

struct UnitAnalysis {
  llvm::SmallVector<WeightUnit> units;
  /// The unit of each top-level op that must go with one: the anchors and
  /// the ops computing from their results. Other ops are pure slices of
  /// the arguments, cloned wherever they are used.
  llvm::DenseMap<mlir::Operation *, int64_t> unitOf;
};

/// Splits `func`'s body into units. `segment` is the argument whose views
/// are the constants; fails (with a diagnostic) where it is read other
/// than through views at constant offsets with static shapes.
mlir::FailureOr<UnitAnalysis> analyzeUnits(mlir::func::FuncOp func,
                                           mlir::Value segment);

/// The top-level values `op` reads: its operands and what its regions use
/// from above.
llvm::SmallVector<mlir::Value> usedValues(mlir::Operation &op);

/// The byte range a view of the segment covers: [offset, offset + size).
std::optional<ByteRange> viewRange(mlir::Operation *view);

} // namespace mica::partition

#endif // MICA_PASSES_PARTITION_WEIGHTUNITS_H
