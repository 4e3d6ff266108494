//===- FuseElementwise.cpp - Elementwise fusion without recomputation -----===//
//
// Upstream's linalg-fuse-elementwise-ops with one difference in what it
// fuses (see Passes.td, mica-fuse-elementwise): a producer is only fused into
// a consumer that reads each of its elements once.
//
//===----------------------------------------------------------------------===//
#include "passes/fusion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mica {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/fusion/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

/// Whether `op` reads the result of a linalg op with reduction loops
/// (directly or through a reshape, which fusion by expansion inserts).
bool isEpilogue(Operation *op) {
  return llvm::any_of(op->getOperands(), [](Value v) {
    while (Operation *def = v.getDefiningOp()) {
      if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
        break;
      v = def->getOperand(0);
    }
    auto producer = v.getDefiningOp<linalg::LinalgOp>();
    return producer && producer.getNumReductionLoops() > 0;
  });
}

/// Whether fusing into `consumer` would rebuild an op whose run-time width
/// bounds (`mica.width`, loop indices) a new op with other loops would lose.
bool hasWidthBounds(Operation *consumer) {
  return consumer->hasAttr("mica.width");
}

struct FuseElementwisePass
    : mica::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::ControlFusionFn singleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse();
    };
    // A fused producer's body runs once per iteration of the consumer that
    // reads it. Through a map that does not reach every consumer loop (the
    // A operand of a matmul, which every column re-reads) that would
    // recompute each element many times, and would hide the operands that
    // the CPU kernels tile.
    //
    // Nor is a contraction's epilogue (an op reading a convolution's or a
    // matmul's result: bias, activation, int8 rescale) fused into what
    // follows: the CPU codegen runs it in the contraction's registers,
    // vectorised, and the contraction then stores the narrow result. Fused
    // forward (into the sign extension before a global average pool, and
    // that into the pool) it would run once per element read, on the
    // contraction's wide accumulators stored in full (mobilenet_v2 int8:
    // a 1x1x1280 pool 0.30 ms of 2.8). Later ops still absorb what
    // follows the epilogue.
    linalg::ControlFusionFn noRecompute = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse() || isEpilogue(producer) ||
          hasWidthBounds(fused->getOwner()))
        return false;
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      if (!consumer)
        return true;
      return consumer.getMatchingIndexingMap(fused).isPermutation();
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, noRecompute);
    // Moving a reshape across a contraction's epilogue would reshape the
    // epilogue away from the contraction's loops (a 1x1280x7x7 rescale
    // expanded to 1x1280x1x1x7x7 for the pool after it), which the CPU
    // codegen then runs as a kernel of its own.
    linalg::ControlFusionFn singleUseKeepEpilogues = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() && !isEpilogue(producer) &&
             !isEpilogue(fused->getOwner()) &&
             !hasWidthBounds(fused->getOwner());
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      singleUseKeepEpilogues);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, singleUse);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace
