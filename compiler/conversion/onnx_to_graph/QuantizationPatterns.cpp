//===- QuantizationPatterns.cpp - ONNX quantised ops as integer arithmetic ===//
//
// QuantizeLinear, DequantizeLinear, MatMulInteger, QLinearMatMul (and, in
// WindowPatterns.cpp, ConvInteger and QLinearConv) with run-time scales and
// zero points, written out in graph ops:
//   quantize:   q = cast(clamp(round(x / scale) + zero_point))
//   dequantize: x = (cast(q) - cast(zero_point)) * scale
//   integer matmul / conv: on i32 operands minus their zero points;
//   the QLinear forms requantise acc * (a_scale * b_scale / y_scale).
// Per-axis scales and zero points (1-D, one entry per channel) are reshaped
// to broadcast along their axis. Rounding is half to even, as ONNX says.
// With constant per-tensor parameters on 8-bit integers they become
// graph.quantize / graph.dequantize instead, which the quantisation passes
// turn into the integer path (mica-fold-qdq).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace mica::onnx_to_graph {

Value alongAxis(PatternRewriter &rewriter, Location loc, Value value,
                int64_t axis, int64_t rank) {
  auto type = getGraphTensor(value.getType());
  if (!type || type.getRank() != 1 || type.getDimSize(0) == 1 ||
      axis == rank - 1)
    return value;
  SmallVector<int64_t> shape{type.getDimSize(0)};
  shape.append(rank - axis - 1, 1);
  if (ShapedType::isDynamic(shape[0]))
    shape[0] = -1;
  return createValue<graph::ReshapeOp>(rewriter, loc, value, Value(),
                                       rewriter.getDenseI64ArrayAttr(shape));
}

Value castElements(PatternRewriter &rewriter, Location loc, Value value,
                   Type element) {
  auto type = getGraphTensor(value.getType());
  if (!type || type.getElementType() == element)
    return value;
  return graph::CastOp::create(rewriter, loc, type.clone(element), value);
}

Value widenMinusZeroPoint(PatternRewriter &rewriter, Location loc, Value x,
                          Value zeroPoint) {
  Type i32 = rewriter.getI32Type();
  Value wide = castElements(rewriter, loc, x, i32);
  if (!zeroPoint || isNone(zeroPoint))
    return wide;
  return createValue<graph::SubOp>(rewriter, loc, wide,
                                   castElements(rewriter, loc, zeroPoint, i32));
}

Value requantize(PatternRewriter &rewriter, Location loc, Value real,
                 Value zeroPoint, Type resultElement) {
  auto realType = getGraphTensor(real.getType());
  Type fp = realType.getElementType();
  Value rounded = graph::RoundOp::create(rewriter, loc, realType, real);
  if (zeroPoint && !isNone(zeroPoint))
    rounded = createValue<graph::AddOp>(
        rewriter, loc, rounded, castElements(rewriter, loc, zeroPoint, fp));
  if (!rounded)
    return Value();
  auto integer = cast<IntegerType>(resultElement);
  unsigned width = integer.getWidth();
  bool isUnsigned = integer.isUnsigned();
  double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double hi =
      isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  auto roundedType = cast<RankedTensorType>(rounded.getType());
  Value clamped = graph::ClampOp::create(rewriter, loc, roundedType, rounded,
                                         getF64Attr(rewriter, lo),
                                         getF64Attr(rewriter, hi));
  return castElements(rewriter, loc, clamped, resultElement);
}

std::optional<std::pair<double, int64_t>>
constantQuantParams(Value scale, Value zeroPoint, Type integer) {
  auto element = dyn_cast<IntegerType>(integer);
  if (!element || element.getWidth() != 8)
    return std::nullopt;
  std::optional<double> s = getConstantScalar(scale);
  if (!s || !(*s > 0) || !std::isfinite(*s))
    return std::nullopt;
  int64_t zp = 0;
  if (zeroPoint && !isNone(zeroPoint)) {
    std::optional<DenseElementsAttr> attr = getConstantAttr(zeroPoint);
    if (!attr || attr->getNumElements() != 1 ||
        !isa<IntegerType>(attr->getElementType()))
      return std::nullopt;
    APInt v = *attr->getValues<APInt>().begin();
    zp = element.isUnsigned() ? (int64_t)v.getZExtValue() : v.getSExtValue();
  }
  return std::make_pair(*s, zp);
}

} // namespace mica::onnx_to_graph

namespace {

int64_t axisAttr(Operation *op, int64_t rank) {
  auto attr = op->getAttrOfType<IntegerAttr>("axis");
  int64_t axis = attr ? attr.getInt() : 1;
  return axis < 0 ? axis + rank : axis;
}

template <typename OnnxOp>
struct QuantizeLinearPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0), scale = op->getOperand(1);
    Value zeroPoint = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
    auto type = getGraphTensor(x.getType());
    auto resultType = dyn_cast<TensorType>(op->getResult(0).getType());
    if (!type || !hasFloatElements(type) || !getGraphTensor(scale.getType()) ||
        !resultType || !isa<IntegerType>(resultType.getElementType()) ||
        (zeroPoint && !isNone(zeroPoint) &&
         !getGraphTensor(zeroPoint.getType())))
      return rewriter.notifyMatchFailure(op, "operands are not graph tensors");
    Location loc = op.getLoc();
    int64_t axis = axisAttr(op, type.getRank());
    scale = alongAxis(rewriter, loc, scale, axis, type.getRank());
    if (zeroPoint && !isNone(zeroPoint))
      zeroPoint = alongAxis(rewriter, loc, zeroPoint, axis, type.getRank());
    Value real = createValue<graph::DivOp>(rewriter, loc, x, scale);
    Value q = real ? requantize(rewriter, loc, real, zeroPoint,
                                resultType.getElementType())
                   : Value();
    if (!q)
      return rewriter.notifyMatchFailure(op, "scale does not broadcast");
    return forwardValue(rewriter, op, q);
  }
};

template <typename OnnxOp>
struct DequantizeLinearPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0), scale = op->getOperand(1);
    Value zeroPoint = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
    auto type = getGraphTensor(x.getType());
    auto scaleType = getGraphTensor(scale.getType());
    if (!type || !isa<IntegerType>(type.getElementType()) || !scaleType ||
        (zeroPoint && !isNone(zeroPoint) &&
         !getGraphTensor(zeroPoint.getType())))
      return rewriter.notifyMatchFailure(op, "operands are not graph tensors");
    Location loc = op.getLoc();
    int64_t axis = axisAttr(op, type.getRank());
    Type fp = scaleType.getElementType();
    Value shifted = widenMinusZeroPoint(
        rewriter, loc, x,
        zeroPoint && !isNone(zeroPoint)
            ? alongAxis(rewriter, loc, zeroPoint, axis, type.getRank())
            : Value());
    Value real = castElements(rewriter, loc, shifted, fp);
    return replaceOp<graph::MulOp>(
        rewriter, op, real,
        alongAxis(rewriter, loc, scale, axis, type.getRank()));
  }
};

/// QuantizeLinear / DequantizeLinear of 8-bit integers with constant
/// per-tensor parameters: graph.quantize / graph.dequantize, which the
/// quantisation passes understand (QDQ models run integer; the arithmetic
/// forms below serve run-time or per-axis parameters).
struct QuantizeLinearToGraph : OpRewritePattern<onnx::QuantizeLinearOp> {
  QuantizeLinearToGraph(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(onnx::QuantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto type = getGraphTensor(x.getType());
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || !hasFloatElements(type) || !resultType)
      return rewriter.notifyMatchFailure(op, "not a graph tensor");
    std::optional<std::pair<double, int64_t>> params = constantQuantParams(
        op->getOperand(1),
        op->getNumOperands() > 2 ? op->getOperand(2) : Value(),
        resultType.getElementType());
    if (!params)
      return rewriter.notifyMatchFailure(op, "not constant per-tensor 8-bit");
    return forwardValue(
        rewriter, op,
        graph::QuantizeOp::create(rewriter, op.getLoc(),
                                  type.clone(resultType.getElementType()), x,
                                  rewriter.getF64FloatAttr(params->first),
                                  rewriter.getI64IntegerAttr(params->second)));
  }
};

struct DequantizeLinearToGraph : OpRewritePattern<onnx::DequantizeLinearOp> {
  DequantizeLinearToGraph(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(onnx::DequantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto type = getGraphTensor(x.getType());
    auto scaleType = getGraphTensor(op->getOperand(1).getType());
    if (!type || !scaleType || !hasFloatElements(scaleType))
      return rewriter.notifyMatchFailure(op, "not a graph tensor");
    std::optional<std::pair<double, int64_t>> params = constantQuantParams(
        op->getOperand(1),
        op->getNumOperands() > 2 ? op->getOperand(2) : Value(),
        type.getElementType());
    if (!params)
      return rewriter.notifyMatchFailure(op, "not constant per-tensor 8-bit");
    return forwardValue(rewriter, op,
                        graph::DequantizeOp::create(
                            rewriter, op.getLoc(),
                            type.clone(scaleType.getElementType()), x,
                            rewriter.getF64FloatAttr(params->first),
                            rewriter.getI64IntegerAttr(params->second)));
  }
};

/// MatMulInteger: i32 matmul of the operands minus their zero points (a
/// 1-D zero point of A is per row).
struct MatMulIntegerPattern : OpRewritePattern<onnx::MatMulIntegerOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::MatMulIntegerOp op,
                                PatternRewriter &rewriter) const override {
    Value a = op->getOperand(0), b = op->getOperand(1);
    auto aType = getGraphTensor(a.getType());
    if (!aType || !getGraphTensor(b.getType()))
      return rewriter.notifyMatchFailure(op, "operands are not graph tensors");
    Location loc = op.getLoc();
    Value aZero = op->getOperand(2), bZero = op->getOperand(3);
    if (!isNone(aZero))
      aZero =
          alongAxis(rewriter, loc, aZero, aType.getRank() - 2, aType.getRank());
    Value lhs = widenMinusZeroPoint(rewriter, loc, a, aZero);
    Value rhs = widenMinusZeroPoint(rewriter, loc, b, bZero);
    return replaceOp<graph::MatmulOp>(rewriter, op, lhs, rhs);
  }
};

/// QLinearMatMul: requantised integer matmul.
struct QLinearMatMulPattern : OpRewritePattern<onnx::QLinearMatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::QLinearMatMulOp op,
                                PatternRewriter &rewriter) const override {
    ValueRange in = op->getOperands();
    auto resultType = dyn_cast<TensorType>(op.getType());
    for (Value v : in)
      if (!getGraphTensor(v.getType()))
        return rewriter.notifyMatchFailure(op,
                                           "operands are not graph tensors");
    if (!resultType || !isa<IntegerType>(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "result is not an integer tensor");
    Location loc = op.getLoc();
    auto aType = getGraphTensor(in[0].getType());
    Value aZero =
        alongAxis(rewriter, loc, in[2], aType.getRank() - 2, aType.getRank());
    Value acc = createValue<graph::MatmulOp>(
        rewriter, loc, widenMinusZeroPoint(rewriter, loc, in[0], aZero),
        widenMinusZeroPoint(rewriter, loc, in[3], in[5]));
    if (!acc)
      return rewriter.notifyMatchFailure(op, "shapes do not multiply");
    Type fp = getElementTypeOrSelf(in[1].getType());
    Value multiplier = createValue<graph::DivOp>(
        rewriter, loc, createValue<graph::MulOp>(rewriter, loc, in[1], in[4]),
        in[6]);
    Value real = createValue<graph::MulOp>(
        rewriter, loc, castElements(rewriter, loc, acc, fp), multiplier);
    Value q =
        requantize(rewriter, loc, real, in[7], resultType.getElementType());
    return forwardValue(rewriter, op, q);
  }
};

} // namespace

void mica::onnx_to_graph::populateQuantizationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<QuantizeLinearToGraph, DequantizeLinearToGraph,
               QuantizeLinearPattern<onnx::QuantizeLinearOp>,
               DequantizeLinearPattern<onnx::DequantizeLinearOp>,
               MatMulIntegerPattern, QLinearMatMulPattern>(
      patterns.getContext());
}
