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

} // namespace

void mica::onnx_to_graph::populateReductionPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
#define REDUCE(NAME, KIND)                                                     \
  patterns.add<ReduceAttrPattern<onnx::NAME##_v1Op, ReduceKind::KIND>,         \
               ReduceAttrPattern<onnx::NAME##_v11Op, ReduceKind::KIND>>(ctx);
  REDUCE(ReduceMean, mean)
  REDUCE(ReduceSum, sum)
  REDUCE(ReduceMax, max)
  REDUCE(ReduceMin, min)
  REDUCE(ReduceProd, prod)
  REDUCE(ReduceL1, l1)
  REDUCE(ReduceL2, l2)
  REDUCE(ReduceSumSquare, sum_square)
  REDUCE(ReduceLogSumExp, log_sum_exp)
#undef REDUCE
  patterns
      .add<ReduceAttrPattern<onnx::ReduceMeanOp, ReduceKind::mean>,
           ReduceAttrPattern<onnx::ReduceMax_v12Op, ReduceKind::max>,
           ReduceAttrPattern<onnx::ReduceMaxOp, ReduceKind::max>,
           ReduceAttrPattern<onnx::ReduceMin_v12Op, ReduceKind::min>,
           ReduceAttrPattern<onnx::ReduceMinOp, ReduceKind::min>,
           ReduceAttrPattern<onnx::ReduceProdOp, ReduceKind::prod>,
           ReduceAttrPattern<onnx::ReduceL1Op, ReduceKind::l1>,
           ReduceAttrPattern<onnx::ReduceL2Op, ReduceKind::l2>,
           ReduceAttrPattern<onnx::ReduceSumSquareOp, ReduceKind::sum_square>,
           ReduceAttrPattern<onnx::ReduceLogSumExpOp, ReduceKind::log_sum_exp>,
           ReduceAttrPattern<onnx::ReduceLogSum_v1Op, ReduceKind::sum, true>,
           ReduceAttrPattern<onnx::ReduceLogSum_v11Op, ReduceKind::sum, true>,
           ReduceAttrPattern<onnx::ReduceLogSumOp, ReduceKind::sum, true>,
           ReduceSumInputPattern,
           ArgReducePattern<onnx::ArgMax_v1Op, graph::ArgMaxOp>,
           ArgReducePattern<onnx::ArgMax_v11Op, graph::ArgMaxOp>,
           ArgReducePattern<onnx::ArgMax_v12Op, graph::ArgMaxOp>,
           ArgReducePattern<onnx::ArgMaxOp, graph::ArgMaxOp>,
           ArgReducePattern<onnx::ArgMin_v1Op, graph::ArgMinOp>,
           ArgReducePattern<onnx::ArgMin_v11Op, graph::ArgMinOp>,
           ArgReducePattern<onnx::ArgMin_v12Op, graph::ArgMinOp>,
           ArgReducePattern<onnx::ArgMinOp, graph::ArgMinOp>>(ctx);
}
