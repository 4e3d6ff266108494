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
bool collectPureSlice(mlir::Value value, mlir::Block &block,
                      llvm::SetVector<mlir::Operation *> &slice);

} // namespace mica::exec

#endif // MICA_DIALECTS_EXEC_IR_EXECUTILS_H
