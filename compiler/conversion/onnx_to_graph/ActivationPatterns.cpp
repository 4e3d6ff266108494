//===- ActivationPatterns.cpp - Activations built from other graph ops ----===//
//
// ONNX activations and predicates without a graph op of their own, written
// as short chains of graph ops (each a lowering the backends already have):
// Selu, ThresholdedRelu, Shrink, Softsign, PRelu, IsNaN, IsInf and Hardmax.
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

/// The float graph tensor type of `value`, or null.
RankedTensorType floatTensor(Value value) {
  auto type = getGraphTensor(value.getType());
  return type && hasFloatElements(type) ? type : RankedTensorType();
}

Value scalar(PatternRewriter &rewriter, Location loc, Type element,
             double value) {
  return createScalarConstant(rewriter, loc, element, value);
}

/// Selu: gamma * elu(x, alpha).
template <typename OnnxOp> struct SeluPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto type = floatTensor(op.getX());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    Location loc = op.getLoc();
    Value elu =
        graph::EluOp::create(rewriter, loc, type, op.getX(),
                             getF64Attr(rewriter, toDouble(op.getAlpha())));
    Value gamma =
        scalar(rewriter, loc, type.getElementType(), toDouble(op.getGamma()));
    return replaceOp<graph::MulOp>(rewriter, op, elu, gamma);
  }
};

/// ThresholdedRelu: x > alpha ? x : 0.
struct ThresholdedReluPattern : OpRewritePattern<onnx::ThresholdedReluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ThresholdedReluOp op,
                                PatternRewriter &rewriter) const override {
    auto type = floatTensor(op.getX());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    Location loc = op.getLoc();
    Type element = type.getElementType();
    Value alpha = scalar(rewriter, loc, element, toDouble(op.getAlpha()));
    Value above =
        createValue<graph::GreaterOp>(rewriter, loc, op.getX(), alpha);
    return replaceOp<graph::SelectOp>(rewriter, op, above, op.getX(),
                                      scalar(rewriter, loc, element, 0));
  }
};

/// Shrink: x < -lambd ? x + bias : (x > lambd ? x - bias : 0).
struct ShrinkPattern : OpRewritePattern<onnx::ShrinkOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ShrinkOp op,
                                PatternRewriter &rewriter) const override {
    auto type = getGraphTensor(op.getInput().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a graph tensor");
    Location loc = op.getLoc();
    Type element = type.getElementType();
    double lambd = toDouble(op.getLambd()), bias = toDouble(op.getBias());
    Value x = op.getInput();
    Value below = createValue<graph::LessOp>(
        rewriter, loc, x, scalar(rewriter, loc, element, -lambd));
    Value above = createValue<graph::GreaterOp>(
        rewriter, loc, x, scalar(rewriter, loc, element, lambd));
    Value plus = createValue<graph::AddOp>(
        rewriter, loc, x, scalar(rewriter, loc, element, bias));
    Value minus = createValue<graph::SubOp>(
        rewriter, loc, x, scalar(rewriter, loc, element, bias));
    Value upper = createValue<graph::SelectOp>(
        rewriter, loc, above, minus, scalar(rewriter, loc, element, 0));
    return replaceOp<graph::SelectOp>(rewriter, op, below, plus, upper);
  }
};

/// Softsign: x / (1 + |x|).
struct SoftsignPattern : OpRewritePattern<onnx::SoftsignOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::SoftsignOp op,
                                PatternRewriter &rewriter) const override {
    auto type = floatTensor(op.getInput());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    Location loc = op.getLoc();
    Value abs = graph::AbsOp::create(rewriter, loc, type, op.getInput());
    Value denom = createValue<graph::AddOp>(
        rewriter, loc, abs, scalar(rewriter, loc, type.getElementType(), 1));
    return replaceOp<graph::DivOp>(rewriter, op, op.getInput(), denom);
  }
};

/// PRelu: x < 0 ? slope * x : x (numpy broadcasting of the slope; opset
/// 1/6's per-channel slope is reshaped by mica-normalize-onnx-versions).
template <typename OnnxOp> struct PReluPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getX(), slope = op.getSlope();
    auto type = getGraphTensor(x.getType());
    auto slopeType = getGraphTensor(slope.getType());
    if (!type || !slopeType ||
        type.getElementType() != slopeType.getElementType())
      return rewriter.notifyMatchFailure(op, "operands are not graph tensors "
                                             "of one element type");
    Location loc = op.getLoc();
    Value negative = createValue<graph::LessOp>(
        rewriter, loc, x, scalar(rewriter, loc, type.getElementType(), 0));
    Value scaled = createValue<graph::MulOp>(rewriter, loc, x, slope);
    if (!negative || !scaled)
      return rewriter.notifyMatchFailure(op, "slope does not broadcast");
    return replaceOp<graph::SelectOp>(rewriter, op, negative, scaled, x);
  }
};

/// IsNaN: x != x.
template <typename OnnxOp> struct IsNaNPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    if (!floatTensor(x))
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    Value equal = createValue<graph::EqualOp>(rewriter, op.getLoc(), x, x);
    return replaceOp<graph::NotOp>(rewriter, op, equal);
  }
};

/// IsInf: x == +inf and/or x == -inf, as the detect_* attributes say.
struct IsInfPattern : OpRewritePattern<onnx::IsInfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::IsInfOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getX();
    auto type = floatTensor(x);
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    Location loc = op.getLoc();
    Type element = type.getElementType();
    double inf = std::numeric_limits<double>::infinity();
    bool positive = op.getDetectPositive() != 0;
    bool negative = op.getDetectNegative() != 0;
    if (!positive && !negative) {
      Value equal = createValue<graph::EqualOp>(rewriter, loc, x, x);
      Value never = createValue<graph::AndOp>(
          rewriter, loc, equal, scalar(rewriter, loc, rewriter.getI1Type(), 0));
      return replaceOp<graph::AndOp>(rewriter, op, never, never);
    }
    Value pos = positive
                    ? createValue<graph::EqualOp>(
                          rewriter, loc, x, scalar(rewriter, loc, element, inf))
                    : Value();
    Value neg =
        negative ? createValue<graph::EqualOp>(
                       rewriter, loc, x, scalar(rewriter, loc, element, -inf))
                 : Value();
    if (pos && neg)
      return replaceOp<graph::OrOp>(rewriter, op, pos, neg);
    Value only = pos ? pos : neg;
    return replaceOp<graph::OrOp>(rewriter, op, only, only);
  }
};

/// Hardmax: 1 where the (first) maximum along the axis is, else 0.
template <typename OnnxOp> struct HardmaxPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getInput();
    auto type = floatTensor(x);
    if (!type || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "input is not a static float "
                                             "tensor");
    std::optional<int64_t> axis =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), type.getRank());
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    Value input = x;
    RankedTensorType work = type;
    int64_t n = work.getDimSize(*axis);
    SmallVector<int64_t> iotaShape(work.getRank(), 1);
    iotaShape[*axis] = n;
    SmallVector<double> iota;
    for (int64_t i = 0; i < n; ++i)
      iota.push_back(static_cast<double>(i));
    Value positions = createConstant(
        rewriter, loc, RankedTensorType::get(iotaShape, rewriter.getI64Type()),
        iota);
    Value argmax = createValue<graph::ArgMaxOp>(
        rewriter, loc, input, rewriter.getI64IntegerAttr(*axis),
        rewriter.getBoolAttr(true), rewriter.getBoolAttr(false));
    Value hit = createValue<graph::EqualOp>(rewriter, loc, positions, argmax);
    Value ones = graph::CastOp::create(rewriter, loc, work, hit);
    return forwardValue(rewriter, op, ones);
  }
};

} // namespace

void mica::onnx_to_graph::populateActivationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SeluPattern<onnx::SeluOp>, ThresholdedReluPattern, ShrinkPattern,
               SoftsignPattern, PReluPattern<onnx::PReluOp>,
               IsNaNPattern<onnx::IsNaNOp>, IsInfPattern,
               HardmaxPattern<onnx::HardmaxOp>>(patterns.getContext());
}
