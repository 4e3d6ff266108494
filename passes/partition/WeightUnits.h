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

#include "passes/partition/PlanBlocks.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"

namespace mica::partition {

/// A maximal run of anchors (top-level ops with regions or memory effects)
/// with no legal cut inside. The values that may cross a cut are pure
/// slices of the arguments and *rematerializable* values (results of ops
/// free of memory effects and regions whose operands are arguments,
/// rematerializable or spilled), cloned into each function that uses them,
/// and *spilled* scalars: integer, index or float results of anchors,
/// passed from step to step through the arena. Any other value (a memref
/// an anchor returns, what is computed from one) ties the anchors from its
/// definition to its last use. Consecutive units that read a common
/// constant are merged (a cut between them would stream it twice).
struct WeightUnit {
  llvm::SmallVector<mlir::Operation *> anchors;
  /// The constants it reads: each view's bytes widened to the 64-byte
  /// lines it touches (constants start on one), merged.
  llvm::SmallVector<ByteRange> ranges;
  int64_t bytes = 0;
};

struct UnitAnalysis {
  llvm::SmallVector<WeightUnit> units;
  /// The unit of each top-level op that must go with one: the anchors and
  /// the ops computing from their non-scalar results. Other ops are
  /// rematerializable, cloned wherever they are used.
  llvm::DenseMap<mlir::Operation *, int64_t> unitOf;
  /// The spilled scalars a unit other than their own reads (directly or
  /// through rematerialized ops), in program order: each gets a slot of
  /// the arena in a cut build.
  llvm::SetVector<mlir::Value> spilled;
};

/// Splits `func`'s body into units. `segment` is the argument whose views
/// are the constants; fails (with a diagnostic) where it is read other
/// than through views at constant offsets with static shapes.
mlir::FailureOr<UnitAnalysis> analyzeUnits(mlir::func::FuncOp func,
                                           mlir::Value segment);

/// The top-level values `op` reads: its operands and what its regions use
/// from above.
llvm::SmallVector<mlir::Value> usedValues(mlir::Operation &op);

/// The rematerializable ops of `body` that `op` reads (added to `slice`)
/// and the spilled scalars they start from (added to `scalars`).
void collectRemat(mlir::Operation &op, mlir::Block &body,
                  llvm::SetVector<mlir::Operation *> &slice,
                  llvm::SetVector<mlir::Value> &scalars);

/// The byte range a view of the segment covers: [offset, offset + size).
std::optional<ByteRange> viewRange(mlir::Operation *view);

} // namespace mica::partition

#endif // MICA_PASSES_PARTITION_WEIGHTUNITS_H
