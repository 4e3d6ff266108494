//===- Report.h - The compile report ----------------------------*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_REPORT_H
#define MICA_COMPILER_DRIVER_REPORT_H

#include "compiler/driver/Compile.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/PruneActivity.h"

#include "llvm/Support/JSON.h"

namespace mica {

/// The compile report (JSON, docs/cli.md --report): deterministic (no
/// times, no paths beyond the model's file name), so the artifact that
/// embeds it is reproducible. `memory` is the entry point with the largest
/// arena (what any context needs at most); with several entry points each
/// also has its own. `flops` are the multiply-adds of the imported graph and
/// of the graph after the compression stage (dialects/graph/Analysis).
/// `quantization` (QuantizationReport.h) is added when not null, and the
/// keys of `compression` (the sections of the per-entry passes: pruneJson,
/// mergeJson).
std::string reportJson(const artifact::Artifact &art,
                       const CompileOptions &options,
                       const TargetDescription &target, int64_t flopsOriginal,
                       int64_t flopsCompiled,
                       const llvm::json::Object *quantization = nullptr,
                       const llvm::json::Object *compression = nullptr);

/// The report's merging sections: "token_merge" (the settings, r as
/// chosen for flops=F) and "temporal_merge" when asked, "attention_flops"
/// (original and compiled) and "transformer_blocks": per block the tokens
/// in, attended and out (per sample) and, where frames were merged, the
/// frames in and out.
llvm::json::Object mergeJson(const TokenMergeRequest &tokens,
                             const TemporalMergeRequest &frames,
                             const MergeSummary &summary);

/// The report's "prune" section: the request, the channel fraction used,
/// the constants' bytes before and after, and per channel group its
/// producer (ONNX node and op), channels before and after and the indices
/// removed.
/// The report's "sortable_width" section: the request, the groups and the
/// multiply-adds at some widths; addWidthGroupsJson adds which groups the
/// kernels bound (the module's kWidthGroupsAttr after lowering).
llvm::json::Object sortableWidthJson(const SortableWidthRequest &request,
                                     const WidthSummary &summary);
void addWidthGroupsJson(llvm::json::Object &section, mlir::ArrayAttr groups);

/// The report's "memory_budget" section (--memory-budget) from the plan
/// mica-partition-weights recorded (exec::kMemoryBudgetAttr): budget,
/// arena, outputs, resident, buffer and streamed-per-run bytes, the
/// predicted peak R + 2S + A + O, the code bytes (outside the budget) and
/// the streamed blocks; or fits_resident.
llvm::json::Object memoryBudgetJson(mlir::DictionaryAttr plan,
                                    int64_t codeBytes);

llvm::json::Object pruneJson(const PruneRequest &request,
                             const PruneSummary &summary);

/// The report's "remove_blocks" section: the request, and per residual
/// block its index, kind (attention layer or residual), last add's node,
/// multiply-adds, influence (1 - cosine of input and output on the
/// calibration data) and whether it was removed.
llvm::json::Object blocksJson(const BlockRemovalRequest &request,
                              const BlockChoice &choice);

/// The report's "share_blocks" section: the request, the constants' bytes
/// before and after, and per group its blocks, the matrices shared or why
/// it was left alone.
llvm::json::Object sharingJson(const BlockSharingRequest &request,
                               const SharingSummary &summary);

/// The report's "sparsity" section: the pattern or ratio, the weights'
/// elements and zeros, the constants' bytes as computed (decoded) and as
/// stored in the artifact (encoded), and per layer its zeros, how it
/// computes (dense kernels, and why) or why it was left dense.
llvm::json::Object sparsityJson(const PruneRequest &request,
                                llvm::ArrayRef<SparseLayer> layers,
                                int64_t constantsDecoded,
                                int64_t constantsStored);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_REPORT_H
