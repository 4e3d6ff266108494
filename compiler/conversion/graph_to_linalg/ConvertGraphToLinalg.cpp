//===- ConvertGraphToLinalg.cpp - The graph -> linalg pass ----------------===//
//
// A thin pass: a partial conversion in which every graph op is illegal and
// the op families' patterns (one file each) produce upstream dialects.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "compiler/conversion/graph_to_linalg/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mica {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "compiler/conversion/graph_to_linalg/Passes.h.inc"
} // namespace mica

using namespace mlir;

void mica::populateGraphToLinalgPatterns(RewritePatternSet &patterns) {
  using namespace mica::graph_to_linalg;
  populateUnaryPatterns(patterns);
  populateBinaryPatterns(patterns);
  populateNormalizationPatterns(patterns);
  populateAttentionPatterns(patterns);
  populateConvolutionPatterns(patterns);
  populateMatmulPatterns(patterns);
  populatePoolingPatterns(patterns);
  populateReductionPatterns(patterns);
  populateShapePatterns(patterns);
  populateDataMovementPatterns(patterns);
  populateDynamicSlicePatterns(patterns);
  populateIndexingPatterns(patterns);
  populateResizePatterns(patterns);
  populateEinsumPatterns(patterns);
  populateGridSamplePatterns(patterns);
  populateNmsPatterns(patterns);
  populateUniquePatterns(patterns);
  populateQuantizationPatterns(patterns);
}

namespace {
struct ConvertGraphToLinalgPass
    : mica::impl::ConvertGraphToLinalgBase<ConvertGraphToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<mica::graph::GraphDialect>();
    // Signless <-> unsigned scalar casts inside linalg bodies
    // (LoweringUtils.h).
    target.addLegalOp<UnrealizedConversionCastOp>();
    // Kept for the kernel binding, which turns it into a runtime call.
    target.addLegalOp<mica::graph::FailOp>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect, func::FuncDialect>();
    RewritePatternSet patterns(ctx);
    mica::populateGraphToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns)))) {
      signalPassFailure();
      return;
    }
    mica::graph_to_linalg::convertUnsignedToSignless(getOperation());
  }
};
} // namespace
