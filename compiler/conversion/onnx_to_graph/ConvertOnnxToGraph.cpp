//===- ConvertOnnxToGraph.cpp - The mica-convert-onnx-to-graph pass -------===//
#include "compiler/conversion/onnx_to_graph/Passes.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mica {
#define GEN_PASS_DEF_CONVERTONNXTOGRAPH
#include "compiler/conversion/onnx_to_graph/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {
struct ConvertOnnxToGraphPass
    : mica::impl::ConvertOnnxToGraphBase<ConvertOnnxToGraphPass> {
  using ConvertOnnxToGraphBase::ConvertOnnxToGraphBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    mica::populateOnnxToGraphPatterns(patterns);
    // Older versions that needed operand ranks the importer did not know
    // take the newest form here, once conversion has refined the types.
    mica::populateVersionNormalizationPatterns(patterns);
    mica::populateRefineResultTypePatterns(patterns);
    // Graph canonicalisations run in the same sweep so that constant shape
    // subgraphs fold and unlock the conversion of the ops they feed.
    for (RegisteredOperationName name : getContext().getRegisteredOperations())
      if (name.getDialectNamespace() == "graph")
        name.getCanonicalizationPatterns(patterns, &getContext());
    // Not converging within the cap is no error: the ops still in onnx are
    // allowed (and reported by `strict`).
    GreedyRewriteConfig config;
    config.setMaxIterations(64);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns), config);

    if (!strict)
      return;
    WalkResult result = getOperation().walk([](Operation *op) {
      if (op->getDialect() && op->getDialect()->getNamespace() == "onnx" &&
          !isa<mica::onnxir::NoValueOp, mica::onnxir::YieldOp>(op)) {
        op->emitError("no graph-dialect equivalent for this op");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
