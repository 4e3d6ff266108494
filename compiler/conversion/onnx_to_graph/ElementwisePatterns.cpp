//===- ElementwisePatterns.cpp - Activations and unary math ---------------===//
//
// Unary activations and math (the result has the operand's type), the
// activations with attributes and Clip (constant bounds).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include <limits>

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

/// One-operand ops whose result has the operand's type.
template <typename OnnxOp, typename GraphOp>
struct UnaryPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    if constexpr (std::is_same_v<GraphOp, graph::NotOp>)
      if (!getElementTypeOrSelf(input.getType()).isInteger(1))
        return rewriter.notifyMatchFailure(op, "Not of a non-bool tensor");
    return replaceOp<GraphOp>(rewriter, op, input);
  }
};

/// LeakyRelu and Elu: one `alpha` attribute.
template <typename OnnxOp, typename GraphOp>
struct AlphaPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    return replaceOp<GraphOp>(rewriter, op, op.getX(),
                              getF64Attr(rewriter, toDouble(op.getAlpha())));
  }
};

template <typename OnnxOp>
struct HardSigmoidPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    return replaceOp<graph::HardSigmoidOp>(
        rewriter, op, op.getX(), getF64Attr(rewriter, toDouble(op.getAlpha())),
        getF64Attr(rewriter, toDouble(op.getBeta())));
  }
};

/// The bound of an absent Clip min/max: infinite for floats, the type's
/// range for integers.
double unboundedLimit(Type type, bool upper) {
  Type element = getElementTypeOrSelf(type);
  auto integer = dyn_cast<IntegerType>(element);
  if (!integer)
    return upper ? std::numeric_limits<double>::infinity()
                 : -std::numeric_limits<double>::infinity();
  unsigned width = integer.getWidth();
  APInt limit = integer.isUnsigned()
                    ? (upper ? APInt::getMaxValue(width) : APInt(width, 0))
                    : (upper ? APInt::getSignedMaxValue(width)
                             : APInt::getSignedMinValue(width));
  return integer.isUnsigned() ? static_cast<double>(limit.getZExtValue())
                              : static_cast<double>(limit.getSExtValue());
}

LogicalResult rewriteClip(PatternRewriter &rewriter, Operation *op,
                          std::optional<double> min,
                          std::optional<double> max) {
  Value input = op->getOperand(0);
  double lo = min.value_or(unboundedLimit(input.getType(), false));
  double hi = max.value_or(unboundedLimit(input.getType(), true));
  if (lo > hi)
    return rewriter.notifyMatchFailure(op, "min > max");
  return replaceOp<graph::ClampOp>(
      rewriter, op, input, getF64Attr(rewriter, lo), getF64Attr(rewriter, hi));
}

/// Clip: bounds are optional scalar inputs, which must be constant.
template <typename OnnxOp> struct ClipInputPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<double> bounds[2];
    Value operands[2] = {op.getMin(), op.getMax()};
    for (int i = 0; i < 2; ++i) {
      if (isNone(operands[i]))
        continue;
      bounds[i] = getConstantScalar(operands[i]);
      if (!bounds[i])
        return rewriter.notifyMatchFailure(op, "min/max is not a constant");
    }
    return rewriteClip(rewriter, op, bounds[0], bounds[1]);
  }
};

} // namespace

void mica::onnx_to_graph::populateElementwisePatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<UnaryPattern<onnx::ReluOp, graph::ReluOp>,
               UnaryPattern<onnx::SigmoidOp, graph::SigmoidOp>,
               UnaryPattern<onnx::TanhOp, graph::TanhOp>,
               UnaryPattern<onnx::ExpOp, graph::ExpOp>,
               UnaryPattern<onnx::LogOp, graph::LogOp>,
               UnaryPattern<onnx::SqrtOp, graph::SqrtOp>,
               UnaryPattern<onnx::AbsOp, graph::AbsOp>,
               UnaryPattern<onnx::NegOp, graph::NegOp>,
               UnaryPattern<onnx::ErfOp, graph::ErfOp>,
               UnaryPattern<onnx::ReciprocalOp, graph::ReciprocalOp>,
               UnaryPattern<onnx::FloorOp, graph::FloorOp>,
               UnaryPattern<onnx::CeilOp, graph::CeilOp>,
               UnaryPattern<onnx::RoundOp, graph::RoundOp>,
               UnaryPattern<onnx::SinOp, graph::SinOp>,
               UnaryPattern<onnx::CosOp, graph::CosOp>,
               UnaryPattern<onnx::TanOp, graph::TanOp>,
               UnaryPattern<onnx::AsinOp, graph::AsinOp>,
               UnaryPattern<onnx::AcosOp, graph::AcosOp>,
               UnaryPattern<onnx::AtanOp, graph::AtanOp>,
               UnaryPattern<onnx::SinhOp, graph::SinhOp>,
               UnaryPattern<onnx::CoshOp, graph::CoshOp>,
               UnaryPattern<onnx::AsinhOp, graph::AsinhOp>,
               UnaryPattern<onnx::AcoshOp, graph::AcoshOp>,
               UnaryPattern<onnx::AtanhOp, graph::AtanhOp>,
               UnaryPattern<onnx::SignOp, graph::SignOp>,
               UnaryPattern<onnx::NotOp, graph::NotOp>,
               UnaryPattern<onnx::SoftplusOp, graph::SoftplusOp>,
               UnaryPattern<onnx::HardSwishOp, graph::HardSwishOp>>(ctx);
  patterns.add<AlphaPattern<onnx::LeakyReluOp, graph::LeakyReluOp>,
               AlphaPattern<onnx::EluOp, graph::EluOp>,
               HardSigmoidPattern<onnx::HardSigmoidOp>,
               ClipInputPattern<onnx::ClipOp>>(ctx);
}
