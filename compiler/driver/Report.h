//===- Report.h - The compile report ----------------------------*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_REPORT_H
#define MICA_COMPILER_DRIVER_REPORT_H

#include "compiler/driver/Compile.h"
#include "passes/token_merge/Passes.h"

#include "llvm/Support/JSON.h"

namespace mica {

/// The compile report (JSON, docs/cli.md --report): deterministic (no
/// times, no paths beyond the model's file name), so the artifact that
/// embeds it is reproducible. `memory` is the entry point with the largest
/// arena (what any context needs at most); with several entry points each
/// also has its own. `flops` are the multiply-adds of the imported graph and
/// of the graph after the compression stage (dialects/graph/Analysis).
/// `quantization` (QuantizationReport.h) and `tokenMerge` (tokenMergeJson)
/// are added when not null.
std::string reportJson(const artifact::Artifact &art,
                       const CompileOptions &options,
                       const TargetDescription &target, int64_t flopsOriginal,
                       int64_t flopsCompiled,
                       const llvm::json::Object *quantization = nullptr,
                       const llvm::json::Object *tokenMerge = nullptr);

/// The report's "token_merge": the settings (r as chosen, for flops=F) and
/// per transformer block the tokens in, attended and out (per sample).
llvm::json::Object tokenMergeJson(const TokenMergeRequest &request,
                                  int64_t chosenR,
                                  llvm::ArrayRef<BlockTokens> blocks);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_REPORT_H
