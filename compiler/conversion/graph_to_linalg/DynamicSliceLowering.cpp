//===- DynamicSliceLowering.cpp - graph.dynamic_slice -> tensor -----------===//
//
// The bounds of a dynamic_slice are tensors read at run time: each listed
// axis gets ONNX's clamping (negative values count from the end, everything
// clamps to [0, dim]) computed with arith on `index` values, and one
// tensor.extract_slice takes the window. Only positive steps are supported:
// a negative step on a run-time window has no extract_slice form.
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mica;
using namespace mica::graph_to_linalg;

namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// bounds[k] as an `index`.
Value extractIndex(OpBuilder &b, Location loc, Value bounds, int64_t k) {
  Value element = tensor::ExtractOp::create(
      b, loc, bounds, ValueRange{indexConstant(b, loc, k)});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
}

/// ONNX clamping of a slice bound `v` on a dim of size `dim`, positive step:
/// v < 0 ? max(v + dim, 0) : min(v, dim).
Value clampBound(OpBuilder &b, Location loc, Value v, Value dim) {
  Value zero = indexConstant(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, zero);
  Value fromEnd = arith::MaxSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, v, dim), zero);
  Value fromStart = arith::MinSIOp::create(b, loc, v, dim);
  return arith::SelectOp::create(b, loc, negative, fromEnd, fromStart);
}

struct DynamicSliceLowering : OpConversionPattern<graph::DynamicSliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::DynamicSliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (llvm::any_of(op.getSteps(), [](int64_t s) { return s <= 0; }))
      return rewriter.notifyMatchFailure(op, "non-positive step");
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    for (auto [k, axis] : llvm::enumerate(op.getAxes())) {
      int64_t a = axis < 0 ? axis + rank : axis;
      Value dim = getValueOrCreateConstantIndexOp(rewriter, loc, sizes[a]);
      Value first =
          clampBound(rewriter, loc,
                     extractIndex(rewriter, loc, adaptor.getStarts(), k), dim);
      Value last =
          clampBound(rewriter, loc,
                     extractIndex(rewriter, loc, adaptor.getEnds(), k), dim);
      int64_t step = op.getSteps()[k];
      Value span = arith::SubIOp::create(rewriter, loc, last, first);
      Value count = arith::CeilDivSIOp::create(
          rewriter, loc, span, indexConstant(rewriter, loc, step));
      offsets[a] = first;
      sizes[a] = Value(arith::MaxSIOp::create(rewriter, loc, count,
                                              indexConstant(rewriter, loc, 0)));
      strides[a] = rewriter.getIndexAttr(step);
    }
    Value result = tensor::ExtractSliceOp::create(rewriter, loc, x, offsets,
                                                  sizes, strides);
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void mica::graph_to_linalg::populateDynamicSlicePatterns(
    RewritePatternSet &patterns) {
  patterns.add<DynamicSliceLowering>(patterns.getContext());
}
