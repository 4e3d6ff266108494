//===- ExecUtils.h - Helpers on bound kernel functions ----------*- C++ -*-===//
//
// Shared by the passes that move code of a bound entry function
// (mica-bind-kernel-interface's output) into other functions with the same
// arguments: parallel tasks (mica-cpu-outline-parallel) and the steps of a
// --memory-budget build (mica-partition-weights). Both may recompute in the
// new function only what the arguments determine.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_EXEC_IR_EXECUTILS_H
#define MICA_DIALECTS_EXEC_IR_EXECUTILS_H

#include "mlir/IR/Block.h"
#include "llvm/ADT/SetVector.h"

namespace mica::exec {

/// Collects into `slice` the ops of `block` that compute `value` from the
/// block's arguments, if all of them are free of side effects and regions
/// (views, constants, memref.dim, index arithmetic); false if `value`
/// depends on anything else (a loaded scalar, a loop's result). Such a
/// slice can be cloned into any function with the same arguments and gives
/// the same value there.
///
/// With `scalars`, a scalar (integer, index or float) result of an op of
/// `block` with regions or side effects (a loaded value) is accepted as a
/// leaf of the slice and added to `scalars`: the slice then gives the same
/// value wherever those scalars are available (mica-partition-weights passes
/// them from step to step through the arena).
bool collectPureSlice(mlir::Value value, mlir::Block &block,
                      llvm::SetVector<mlir::Operation *> &slice,
                      llvm::SetVector<mlir::Value> *scalars = nullptr);

/// Whether `value` is a scalar result of an op with regions or side effects
/// of `block` (see collectPureSlice).
bool isComputedScalar(mlir::Value value, mlir::Block &block);

} // namespace mica::exec

#endif // MICA_DIALECTS_EXEC_IR_EXECUTILS_H
