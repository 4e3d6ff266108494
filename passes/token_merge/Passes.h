//===- Passes.h - Token merging for transformers ----------------*- C++ -*-===//
#ifndef MICA_PASSES_TOKEN_MERGE_PASSES_H
#define MICA_PASSES_TOKEN_MERGE_PASSES_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <string>

namespace mica {

#define GEN_PASS_DECL
#include "passes/token_merge/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/token_merge/Passes.h.inc"

/// Marks every op `builder` creates while alive as float for the quantize
/// passes (kFloatReasonAttr "token merge"): merge decisions need float
/// similarities, and sizes are counts.
class FloatMergeOps : public mlir::OpBuilder::Listener {
public:
  explicit FloatMergeOps(mlir::OpBuilder &builder) : builder(builder) {
    builder.setListener(this);
  }
  ~FloatMergeOps() override { builder.setListener(nullptr); }
  void notifyOperationInserted(mlir::Operation *op,
                               mlir::OpBuilder::InsertPoint) override {
    op->setAttr(graph::kFloatReasonAttr,
                mlir::StringAttr::get(op->getContext(), "token merge"));
  }

private:
  mlir::OpBuilder &builder;
};

/// Tokens in and out of one transformer block (per sample), for the
/// compile report.
struct BlockTokens {
  int index = 0;
  std::string node; // the ONNX node of its softmax
  bool crossAttention = false;
  int64_t tokensIn = 0, tokensAttended = 0, tokensOut = 0;
  /// With temporal merging: the frames its attention saw (0 if untouched).
  int64_t framesIn = 0, framesOut = 0;
};

/// mica-token-merge on one function; the blocks it found, with their token
/// counts after merging. Errors are emitted at the op concerned.
mlir::FailureOr<llvm::SmallVector<BlockTokens>>
mergeTokens(mlir::func::FuncOp func, const TokenMergeOptions &options);

/// mica-temporal-merge on one function; `blocks` (from mergeTokens) gain
/// the frames of the merged blocks. Errors are emitted at the op concerned.
mlir::LogicalResult mergeFrames(mlir::func::FuncOp func,
                                const TemporalMergeOptions &options,
                                llvm::SmallVectorImpl<BlockTokens> &blocks);

} // namespace mica

#endif // MICA_PASSES_TOKEN_MERGE_PASSES_H
