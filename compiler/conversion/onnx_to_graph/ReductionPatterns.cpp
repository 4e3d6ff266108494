//===- ReductionPatterns.cpp - ReduceX, ArgMax/ArgMin ---------------------===//
//
// ReduceX with attribute axes (every ReduceX up to opset 17 but ReduceSum-13)
// and ReduceSum-13 with its axes input, which must be constant. An absent
// axes list reduces everything (graph.reduce's empty axes), unless
// ReduceSum-13's `noop_with_empty_axes` makes the op an identity.
// ReduceLogSum is log(reduce sum).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;
using graph::ReduceKind;

namespace {

/// Rewrites `op` into graph.reduce (then graph.log for ReduceLogSum, which
/// sums first).
LogicalResult rewriteReduce(PatternRewriter &rewriter, Operation *op,
                            ReduceKind kind, bool logOfSum,
                            ArrayRef<int64_t> axes, bool keepdims) {
  Value data = op->getOperand(0);
  auto kindAttr = graph::ReduceKindAttr::get(op->getContext(), kind);
  auto axesAttr = rewriter.getDenseI64ArrayAttr(axes);
  auto keepAttr = rewriter.getBoolAttr(keepdims);
  if (!logOfSum)
    return replaceOp<graph::ReduceOp>(rewriter, op, kindAttr, data, axesAttr,
                                      keepAttr);
  if (!mayRetype(op->getResult(0)))
    return rewriter.notifyMatchFailure(op, "unranked result used outside onnx");
  FailureOr<graph::ReduceOp> sum = createOp<graph::ReduceOp>(
      rewriter, op->getLoc(), Value(), kindAttr, data, axesAttr, keepAttr);
  if (failed(sum))
    return rewriter.notifyMatchFailure(op, "invalid axes");
  return replaceOp<graph::LogOp>(rewriter, op, sum->getResult());
}

template <typename OnnxOp, ReduceKind kind, bool logOfSum = false>
struct ReduceAttrPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteReduce(rewriter, op, kind, logOfSum, getI64s(op.getAxes()),
                         op.getKeepdims() != 0);
  }
};

struct ReduceSumInputPattern : OpRewritePattern<onnx::ReduceSumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ReduceSumOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> axes;
    if (!isNone(op.getAxes())) {
      std::optional<SmallVector<int64_t>> values =
          getConstantInts(op.getAxes());
      if (!values)
        return rewriter.notifyMatchFailure(op, "axes is not a constant");
      axes = std::move(*values);
    }
    if (axes.empty() && op.getNoopWithEmptyAxes() != 0)
      return forwardValue(rewriter, op, op.getData());
    return rewriteReduce(rewriter, op, ReduceKind::sum, false, axes,
                         op.getKeepdims() != 0);
  }
};

template <typename OnnxOp, typename GraphOp>
struct ArgReducePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto last = op->template getAttrOfType<IntegerAttr>("select_last_index");
    return replaceOp<GraphOp>(
        rewriter, op, op.getData(),
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getAxis())),
        rewriter.getBoolAttr(op.getKeepdims() != 0),
        rewriter.getBoolAttr(last && last.getInt() != 0));
  }
};

/// LpNormalization: x divided by its L1 or L2 norm along `axis`.
struct LpNormalizationPattern : OpRewritePattern<onnx::LpNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::LpNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getP() != 1 && op.getP() != 2)
      return rewriter.notifyMatchFailure(op, "p other than 1 or 2");
    auto kind = graph::ReduceKindAttr::get(
        op.getContext(), op.getP() == 1 ? ReduceKind::l1 : ReduceKind::l2);
    Value norm = createValue<graph::ReduceOp>(
        rewriter, op.getLoc(), kind, op.getInput(),
        rewriter.getDenseI64ArrayAttr({static_cast<int64_t>(op.getAxis())}),
        rewriter.getBoolAttr(true));
    if (!norm)
      return rewriter.notifyMatchFailure(op, "invalid axis");
    return replaceOp<graph::DivOp>(rewriter, op, op.getInput(), norm);
  }
};

} // namespace

void mica::onnx_to_graph::populateReductionPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns
      .add<ReduceAttrPattern<onnx::ReduceMeanOp, ReduceKind::mean>,
           ReduceAttrPattern<onnx::ReduceMaxOp, ReduceKind::max>,
           ReduceAttrPattern<onnx::ReduceMinOp, ReduceKind::min>,
           ReduceAttrPattern<onnx::ReduceProdOp, ReduceKind::prod>,
           ReduceAttrPattern<onnx::ReduceL1Op, ReduceKind::l1>,
           ReduceAttrPattern<onnx::ReduceL2Op, ReduceKind::l2>,
           ReduceAttrPattern<onnx::ReduceSumSquareOp, ReduceKind::sum_square>,
           ReduceAttrPattern<onnx::ReduceLogSumExpOp, ReduceKind::log_sum_exp>,
           ReduceAttrPattern<onnx::ReduceLogSumOp, ReduceKind::sum, true>,
           ReduceSumInputPattern, LpNormalizationPattern,
           ArgReducePattern<onnx::ArgMaxOp, graph::ArgMaxOp>,
           ArgReducePattern<onnx::ArgMinOp, graph::ArgMinOp>>(ctx);
}
