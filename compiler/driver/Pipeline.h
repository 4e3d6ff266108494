//===- Pipeline.h - The stages of `mica compile` ----------------*- C++ -*-===//
//
// Pipelines are assembled here and nowhere else, so that the CLI, the tests
// and the Python package run the same passes in the same order. A compile
// is five stages, each a function below, run in this order by compile()
// (Compile.cpp):
//
//   1. import      ONNX file -> onnx dialect (compiler/onnx)
//   2. normalise   onnx -> graph dialect, shape subgraphs folded
//   3. compress    the compression families, in a fixed order (below)
//   4. optimise    graph rewrites for fast kernels (passes/graph_opt),
//                  where the target says they pay
//   5. lower       the target's own pipeline (targets/Target.h), which
//                  writes the plan as exec ops
//
// Why this order: compression works on the semantic graph the user exported
// (a pruning mask or a quantization scale refers to an ONNX weight, not to a
// Winograd-transformed one), so it precedes every rewrite made for speed;
// the rewrites for speed precede the lowering because what they produce is
// lowered like any other graph op.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_PIPELINE_H
#define MICA_COMPILER_DRIVER_PIPELINE_H

#include "compiler/driver/PruneRequest.h"
#include "compiler/driver/QuantizeOptions.h"
#include "compiler/driver/TokenMergeRequest.h"
#include "compiler/onnx/ImportOptions.h"
#include "compiler/support/ErrorKind.h"
#include "passes/prune/Passes.h"
#include "passes/token_merge/Passes.h"
#include "targets/Target.h"

#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"

#include <functional>

namespace mica {

/// Stage 2: onnx dialect -> graph dialect, plus the folds that make constant
/// shape subgraphs disappear.
void buildNormalizePipeline(mlir::OpPassManager &pm);

/// Stages 1 and 2 for `path`: import, normalise, and where ops that ONNX
/// defines by a function body are left in the onnx dialect, import again
/// with those expanded into their bodies (bodies may use further function
/// ops; at most three rounds). `mica import --to graph` and `mica compile`
/// share it. `progress` is called as each stage of a round starts,
/// `onImported` with each freshly imported module (onnx dialect).
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importAndNormalize(mlir::MLIRContext &context, const std::string &path,
                   const LoadOptions &options, CompileError &error,
                   const std::function<void(llvm::StringRef)> &progress = {},
                   const std::function<void(mlir::ModuleOp)> &onImported = {});

/// Stage 3: the compression families, in this fixed order (each lands with
/// its issue; quantize is the first):
///   prune         removes channels, so later stages see the smaller graph:
///                 like token merging it changes shapes, so it runs per
///                 entry point before stage 3 (pruneEntryChannels below);
///   token merge   changes activation shapes, which calibration must see:
///                 it runs per entry point before stage 3 (mergeEntryTokens
///                 below), so that each entry's signature, taps and plan
///                 see the merged shapes;
///   equivalence   transforms (scale migration, rotations) prepare weights
///                 and activations for quantization without changing results;
///   quantize      calibrates and rewrites to integer ops last among the
///                 numeric changes, on the final float graph;
///   partition     (--memory-budget) is not a stage-3 pass: it cuts the
///                 final kernels after mica-bind-kernel-interface in the
///                 CPU pipeline (targets/cpu/Pipeline.cpp), so that fusion
///                 and rounding are the unbudgeted build's
///                 (docs/memory-budget.md).
/// The quantize family expects the ranges of calibrate() (Calibration.h)
/// on the module when `quantize.mode` is set. `hasQdq`: the model holds
/// QuantizeLinear/DequantizeLinear pairs (graph.quantize ops after stage
/// 2), which say how to quantise it: it runs integer without calibration.
void buildCompressionPipeline(mlir::OpPassManager &pm,
                              const QuantizeOptions &quantize, bool hasQdq);

/// What pruning did to one entry point: the channel groups (with what each
/// lost), the channel fraction used, and the bytes of its constants.
struct PruneSummary {
  llvm::SmallVector<PrunedGroup> groups;
  double fraction = 0;
  int64_t constantsBefore = 0, constantsAfter = 0;
};

/// Channel pruning of one entry point's module (between stages 2 and 3,
/// before token merging): mica-prune-channels with the request's fraction
/// (score=data reads `request.activity`, PruneActivity.h)
/// or, with `flops`, the smallest fraction (to 1/256) that brings the
/// multiply-adds to that fraction of `flopsOriginal`. Errors name the node
/// where the rewrite fails, or say that the target cannot be met.
mlir::FailureOr<PruneSummary> pruneEntryChannels(mlir::ModuleOp module,
                                                 const PruneRequest &request,
                                                 int64_t flopsOriginal,
                                                 CompileError &error);

/// What sorting did to one entry point: its groups (in the order of their
/// run-time counts) and, per width, the multiply-adds left when every
/// group keeps what that width keeps (as a fraction of the original).
struct WidthSummary {
  llvm::SmallVector<WidthGroup> groups;
  llvm::SmallVector<std::pair<double, double>> flops;
};

/// mica-sort-channels on one entry point's module (after channel pruning,
/// before sparsity and token merging), attention formed so that its heads
/// are groups; the table is also set as the module's kWidthGroupsAttr.
mlir::FailureOr<WidthSummary>
sortEntryChannels(mlir::ModuleOp module, const SortableWidthRequest &request,
                  int64_t flopsOriginal, CompileError &error);

/// mica-remove-blocks with `blocks` on one entry point's module (before
/// channel pruning), then canonicalisation.
mlir::LogicalResult removeEntryBlocks(mlir::ModuleOp module,
                                      llvm::ArrayRef<int64_t> blocks);

/// mica-share-blocks on one entry point's module (after block removal,
/// before channel pruning), then CSE and canonicalisation; the groups and
/// the constants' bytes before and after.
struct SharingSummary {
  llvm::SmallVector<SharedBlocks> groups;
  int64_t constantsBefore = 0, constantsAfter = 0;
};
mlir::FailureOr<SharingSummary>
shareEntryBlocks(mlir::ModuleOp module, const BlockSharingRequest &request);

/// `--prune sparse=..` on one entry point (after channel pruning):
/// mica-sparsify with the request's pattern or ratio (score=data: weights
/// scored with `request.activity`, unless channels were pruned first),
/// then CSE. The layers it looked at.
mlir::FailureOr<llvm::SmallVector<SparseLayer>>
sparsifyEntry(mlir::ModuleOp module, const PruneRequest &request);

/// What merging did to one entry point: the transformer blocks with their
/// tokens (and frames), the r used, and the attention's multiply-adds.
struct MergeSummary {
  llvm::SmallVector<BlockTokens> blocks;
  int64_t r = 0;
  int64_t attentionFlopsOriginal = 0, attentionFlopsCompiled = 0;
};

/// Token and temporal merging of one entry point's module (between stages
/// 2 and 3): attention formed (mica-form-attention), then mica-token-merge
/// (with `flops`, the smallest r that brings the multiply-adds to that
/// fraction of `flopsOriginal`), then mica-temporal-merge. Errors name the
/// node where merging cannot follow tokens or frames.
mlir::FailureOr<MergeSummary>
mergeEntryTokens(mlir::ModuleOp module, const TokenMergeRequest &tokens,
                 const TemporalMergeRequest &frames, int64_t flopsOriginal,
                 CompileError &error);

/// Stage 4: when `enabled` (the target wants graph optimisations) and
/// `fuseAttention`, attention formed from its exported pieces and kept where
/// its shapes are static (lowered fused); every other graph.attention
/// decomposed; then, when `enabled`, transpose folding and Winograd (whose
/// cost model sees the convolutions as they will be lowered).
void buildGraphOptimizationPipeline(mlir::OpPassManager &pm,
                                    const LoweringOptions &options,
                                    bool enabled);

/// Registers `mica-lower-to-kernel`: stages 4 and 5 for a target (options
/// `target`, `cpu-features` and those of the .def files).
void registerCompilePipelines();

} // namespace mica

#endif // MICA_COMPILER_DRIVER_PIPELINE_H
