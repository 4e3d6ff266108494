//===- PruneActivity.h - Channel activations for data scores ----*- C++ -*-===//
//
// `--prune ... --calibration DIR` scores channels by what they carry on the
// user's data (passes/prune/Passes.h, score=data): the dense model is run
// on the calibration items in-process (TapModel.h) with the inputs of its
// contractions as taps, and the mean |value| of every element position of
// one item is kept per tap; pruning reads them per channel.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_PRUNEACTIVITY_H
#define MICA_COMPILER_DRIVER_PRUNEACTIVITY_H

#include "compiler/driver/Compile.h"
#include "passes/prune/Passes.h"

#include <map>
#include <memory>
#include <vector>

namespace mica {

/// Runs the dense model of `options` (no pruning or merging) on the
/// calibration items of `options.quantize` and measures the inputs of the
/// contractions of `func`. Usage errors name a bad sample.
mlir::FailureOr<std::shared_ptr<const ActivityTable>>
measureChannelActivity(mlir::MLIRContext &context,
                       const CompileOptions &options, mlir::func::FuncOp func,
                       CompileError &error);

/// The per-channel means of `table` for the values of any function of the
/// same model (found by their tap keys).
ChannelActivity channelActivity(std::shared_ptr<const ActivityTable> table);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_PRUNEACTIVITY_H
