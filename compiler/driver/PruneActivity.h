//===- PruneActivity.h - Calibration data for pruning -----------*- C++ -*-===//
//
// `--prune ... --calibration DIR` scores channels by what they carry on the
// user's data (passes/prune/Passes.h, score=data), and `--remove-blocks`
// judges blocks by how much they change their input: the dense model is run
// on the calibration items in-process (TapModel.h) with the values needed as
// taps (the inputs of contractions: the mean |value| of every element
// position of one item, read per channel; blocks' inputs and outputs).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_PRUNEACTIVITY_H
#define MICA_COMPILER_DRIVER_PRUNEACTIVITY_H

#include "compiler/driver/Compile.h"
#include "dialects/graph/Analysis/ResidualBlocks.h"
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

/// ShortGPT's block influence of each of `blocks` (of `func`): 1 minus the
/// mean cosine similarity of its input and output on the calibration items
/// (per token for [1, S, E] values), the dense model run as above. Low:
/// the block changes its input little.
mlir::FailureOr<std::vector<double>>
measureBlockInfluence(mlir::MLIRContext &context, const CompileOptions &options,
                      mlir::func::FuncOp func,
                      llvm::ArrayRef<graph::ResidualBlock> blocks,
                      CompileError &error);

/// The residual blocks of `func`, their influence, and the `count` (a
/// number, or a fraction of the blocks when < 1) least influential, for
/// `--remove-blocks`.
struct BlockChoice {
  llvm::SmallVector<graph::ResidualBlock> blocks;
  std::vector<double> influence;
  std::vector<int64_t> removed; // ascending
};
mlir::FailureOr<BlockChoice> chooseBlocksToRemove(mlir::MLIRContext &context,
                                                  const CompileOptions &options,
                                                  mlir::func::FuncOp func,
                                                  double count,
                                                  CompileError &error);

/// The per-channel means of `table` for the values of any function of the
/// same model (found by their tap keys).
ChannelActivity channelActivity(std::shared_ptr<const ActivityTable> table);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_PRUNEACTIVITY_H
