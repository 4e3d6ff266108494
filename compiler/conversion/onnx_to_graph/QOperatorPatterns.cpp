//===- QOperatorPatterns.cpp - Quantised ONNX ops into the integer path ---===//
//
// QOperator models (ONNX Runtime's QOperator format) with constant scales and
// zero points. A QLinear op (QLinearConv, QLinearMatMul, and the
// com.microsoft QLinearAdd, QLinearMul, QLinearConcat, QLinearAveragePool,
// QLinearGlobalAveragePool, QLinearSigmoid, QLinearLeakyRelu) becomes what it
// means in QDQ form: graph.dequantize of each input with its own parameters,
// the float op, graph.quantize of the result. mica-fold-qdq and
// mica-quantize-int8 then turn it into the integer ops a QDQ or calibrated
// model gets, and the float op does not survive (docs/quantization.md):
//   - a QLinearConv's weight, or a QLinearMatMul's constant matrix, is the
//     float image of the model's integers, and the contraction carries their
//     scales (mica.weight_scales), so the integer path keeps those integers;
//     the i32 bias becomes b * x_scale * w_scale, which it rounds back to
//     the same integers (exactly while |b| < 2^23);
//   - a constant operand of the elementwise ops is its float image with the
//     range its parameters quantise exactly (mica.range, mica.model_grid):
//     the integer path finds the same integers again.
// ConvInteger and MatMulInteger have no scales: their i32 results become
// integer contractions directly, on int8 operands (uint8 moved by -128) with
// the zero points folded into an i32 bias, which is exact.
// Run-time scales or zero points leave the ai.onnx ops to their arithmetic
// patterns (QuantizationPatterns.cpp, WindowPatterns.cpp); a com.microsoft
// op then stays unconverted, which the compiler reports (exit 3).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"
#include "passes/quantize/Passes.h"
#include "passes/quantize/QuantParams.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

using Params = std::pair<double, int64_t>; // scale, zero point

/// Per-channel values (one, or `channels`) of a constant; an absent operand
/// is `absent`.
std::optional<SmallVector<double>> perChannel(Value value, int64_t channels,
                                              double absent) {
  std::optional<SmallVector<double>> values =
      isNone(value) ? SmallVector<double>{absent} : getConstantDoubles(value);
  if (!values ||
      (values->size() != 1 && static_cast<int64_t>(values->size()) != channels))
    return std::nullopt;
  return values;
}

/// The integers of a constant weight minus their zero point (one, or one per
/// channel along `axis`), and the channel of each.
struct CentredWeight {
  SmallVector<int64_t> values, channel;
  int64_t channels = 0;
};
std::optional<CentredWeight> centred(Value w, Value zeroPoint, int64_t axis) {
  auto type = getGraphTensor(w.getType());
  std::optional<SmallVector<int64_t>> q = getConstantInts(w);
  if (!type || !type.hasStaticShape() || !q)
    return std::nullopt;
  CentredWeight out;
  out.channels = type.getDimSize(axis);
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  std::optional<SmallVector<double>> zeros =
      perChannel(zeroPoint, out.channels, 0);
  if (!zeros)
    return std::nullopt;
  for (size_t i = 0; i < q->size(); ++i) {
    int64_t c = static_cast<int64_t>(i / inner) % out.channels;
    out.channel.push_back(c);
    out.values.push_back(
        (*q)[i] - static_cast<int64_t>((*zeros)[zeros->size() == 1 ? 0 : c]));
  }
  return out;
}

/// A weight of the model as its float image: f32((w - zp[c]) * f32(s[c]))
/// along `axis` (DequantizeLinear's arithmetic), and the f64 scales.
struct FloatWeight {
  SmallVector<double> values, scales;
};
std::optional<FloatWeight> dequantizeWeight(Value w, Value scale,
                                            Value zeroPoint, int64_t axis) {
  std::optional<CentredWeight> q = centred(w, zeroPoint, axis);
  std::optional<SmallVector<double>> scales =
      q ? perChannel(scale, q->channels, 1.0) : std::nullopt;
  if (!scales || llvm::any_of(*scales, [](double s) { return !(s > 0); }))
    return std::nullopt;
  FloatWeight out;
  for (double s : *scales)
    out.scales.push_back(static_cast<float>(s));
  for (auto [v, c] : llvm::zip(q->values, q->channel))
    out.values.push_back(
        static_cast<float>(v * out.scales[scales->size() == 1 ? 0 : c]));
  return out;
}

/// The QDQ form of an 8-bit operand with parameters `p`: graph.dequantize
/// of a run-time value; a constant becomes its float image carrying the
/// range `p` quantises exactly, marked as the model's own grid.
Value dequantized(PatternRewriter &rewriter, Location loc, Value q, Params p) {
  auto type = getGraphTensor(q.getType());
  auto f32Type = type.clone(rewriter.getF32Type());
  bool isUnsigned = type.getElementType().isUnsignedInteger();
  if (std::optional<SmallVector<int64_t>> values = getConstantInts(q);
      values && type.hasStaticShape()) {
    float scale = static_cast<float>(p.first);
    SmallVector<double> real;
    for (int64_t v : *values)
      real.push_back(static_cast<float>(v - p.second) * scale);
    Value c = createConstant(rewriter, loc, f32Type, real);
    auto [lo, hi] = quant::exactRange(scale, p.second, isUnsigned);
    c.getDefiningOp()->setAttr(kQuantRangeAttr,
                               rewriter.getDenseF64ArrayAttr({lo, hi}));
    c.getDefiningOp()->setAttr(kQuantModelGridAttr, rewriter.getUnitAttr());
    return c;
  }
  return graph::DequantizeOp::create(rewriter, loc, f32Type, q,
                                     rewriter.getF64FloatAttr(p.first),
                                     rewriter.getI64IntegerAttr(p.second));
}

/// graph.quantize of the float `x` with parameters `p` to `element`.
Value quantized(PatternRewriter &rewriter, Location loc, Value x, Params p,
                Type element) {
  auto type = cast<RankedTensorType>(x.getType());
  return graph::QuantizeOp::create(rewriter, loc, type.clone(element), x,
                                   rewriter.getF64FloatAttr(p.first),
                                   rewriter.getI64IntegerAttr(p.second));
}

/// The 8-bit result element type of `op`, or null.
Type resultElement(Operation *op) {
  auto type = dyn_cast<TensorType>(op->getResult(0).getType());
  auto element = type ? dyn_cast<IntegerType>(type.getElementType()) : nullptr;
  return element && element.getWidth() == 8 ? element : Type();
}

/// The parameters of operands (scale, zero point) at `scaleIndex` and
/// `scaleIndex + 1` of `op` for the 8-bit `value`.
std::optional<Params> paramsAt(Operation *op, unsigned scaleIndex,
                               Value value) {
  auto type = getGraphTensor(value.getType());
  if (!type)
    return std::nullopt;
  return constantQuantParams(op->getOperand(scaleIndex),
                             op->getOperand(scaleIndex + 1),
                             type.getElementType());
}

/// Whether the window attributes of a Conv-like `op` over `x` with weight
/// `w` can be read (what createConvLike needs), checked before building.
bool hasConvWindow(Operation *op, Value x, Value w) {
  auto xType = getGraphTensor(x.getType());
  auto wType = getGraphTensor(w.getType());
  if (!xType || !wType || xType.getRank() < 3 ||
      wType.getRank() != xType.getRank())
    return false;
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  if (auto attr = op->getAttrOfType<ArrayAttr>("kernel_shape"))
    kernel = getI64s(attr);
  std::string why;
  return llvm::none_of(kernel, ShapedType::isDynamic) &&
         succeeded(readWindow(op, xType.getShape().drop_front(2), kernel,
                              /*transposed=*/false, why));
}

/// QLinearConv with constant parameters and weights.
struct QLinearConvToQdq : OpRewritePattern<onnx::QLinearConvOp> {
  QLinearConvToQdq(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(onnx::QLinearConvOp op,
                                PatternRewriter &rewriter) const override {
    ValueRange in = op->getOperands();
    Type element = resultElement(op);
    std::optional<Params> px = paramsAt(op, 1, in[0]);
    std::optional<Params> py =
        element ? constantQuantParams(in[6], in[7], element) : std::nullopt;
    std::optional<FloatWeight> w = dequantizeWeight(in[3], in[4], in[5], 0);
    if (!px || !py || !w)
      return rewriter.notifyMatchFailure(
          op, "parameters or weights are computed at run time");
    if (!hasConvWindow(op, in[0], in[3]))
      return rewriter.notifyMatchFailure(op, "window attributes");
    auto wType = getGraphTensor(in[3].getType());
    int64_t channels = wType.getDimSize(0);
    std::optional<SmallVector<int64_t>> bias;
    if (in.size() > 8 && !isNone(in[8])) {
      bias = getConstantInts(in[8]);
      if (!bias || static_cast<int64_t>(bias->size()) != channels)
        return rewriter.notifyMatchFailure(op, "bias is not constant");
    }
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    Value weight = createConstant(rewriter, loc, wType.clone(f32), w->values);
    Value biasValue;
    if (bias) {
      SmallVector<double> real;
      for (int64_t c = 0; c < channels; ++c)
        real.push_back(static_cast<float>(
            (*bias)[c] * px->first * w->scales[w->scales.size() == 1 ? 0 : c]));
      biasValue = createConstant(rewriter, loc,
                                 RankedTensorType::get({channels}, f32), real);
    }
    Value conv =
        createConvLike(rewriter, op, dequantized(rewriter, loc, in[0], *px),
                       weight, biasValue);
    if (!conv)
      return rewriter.notifyMatchFailure(op, "the convolution's shapes");
    conv.getDefiningOp()->setAttr(kQuantWeightScalesAttr,
                                  rewriter.getDenseF64ArrayAttr(w->scales));
    return forwardValue(rewriter, op,
                        quantized(rewriter, loc, conv, *py, element));
  }
};

/// QLinearMatMul with constant parameters: a constant matrix B is a weight
/// (per-column scales allowed), a run-time B (per-tensor) an integer value.
struct QLinearMatMulToQdq : OpRewritePattern<onnx::QLinearMatMulOp> {
  QLinearMatMulToQdq(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(onnx::QLinearMatMulOp op,
                                PatternRewriter &rewriter) const override {
    ValueRange in = op->getOperands();
    Type element = resultElement(op);
    auto bType = getGraphTensor(in[3].getType());
    std::optional<Params> pa = paramsAt(op, 1, in[0]);
    std::optional<Params> py =
        element ? constantQuantParams(in[6], in[7], element) : std::nullopt;
    if (!pa || !py || !bType)
      return rewriter.notifyMatchFailure(op,
                                         "parameters are computed at run time");
    std::optional<FloatWeight> w;
    std::optional<Params> pb;
    if (bType.getRank() == 2)
      w = dequantizeWeight(in[3], in[4], in[5], 1);
    if (!w)
      pb = paramsAt(op, 4, in[3]);
    if (!w && !pb)
      return rewriter.notifyMatchFailure(
          op, "B's parameters are computed at run time or per column");
    Location loc = op.getLoc();
    Value b = w ? createConstant(rewriter, loc,
                                 bType.clone(rewriter.getF32Type()), w->values)
                : dequantized(rewriter, loc, in[3], *pb);
    Value product = createValue<graph::MatmulOp>(
        rewriter, loc, dequantized(rewriter, loc, in[0], *pa), b);
    if (!product)
      return rewriter.notifyMatchFailure(op, "shapes do not multiply");
    if (w)
      product.getDefiningOp()->setAttr(
          kQuantWeightScalesAttr, rewriter.getDenseF64ArrayAttr(w->scales));
    return forwardValue(rewriter, op,
                        quantized(rewriter, loc, product, *py, element));
  }
};

/// The com.microsoft elementwise binary ops: A, A_scale, A_zero_point, B,
/// B_scale, B_zero_point, C_scale, C_zero_point.
template <typename OnnxOp, typename GraphOp>
struct QLinearBinaryToQdq : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    ValueRange in = op->getOperands();
    Type element = resultElement(op);
    std::optional<Params> pa = paramsAt(op, 1, in[0]);
    std::optional<Params> pb = paramsAt(op, 4, in[3]);
    std::optional<Params> pc =
        element ? constantQuantParams(in[6], in[7], element) : std::nullopt;
    if (!pa || !pb || !pc)
      return rewriter.notifyMatchFailure(op,
                                         "parameters are computed at run time");
    Location loc = op.getLoc();
    Value result = createValue<GraphOp>(rewriter, loc,
                                        dequantized(rewriter, loc, in[0], *pa),
                                        dequantized(rewriter, loc, in[3], *pb));
    if (!result)
      return rewriter.notifyMatchFailure(op, "shapes do not broadcast");
    return forwardValue(rewriter, op,
                        quantized(rewriter, loc, result, *pc, element));
  }
};

/// The float op of each com.microsoft unary op, on dequantize(X).
Value floatOp(PatternRewriter &rewriter, onnx::ComMicrosoftQLinearSigmoidOp op,
              Value x) {
  return createValue<graph::SigmoidOp>(rewriter, op.getLoc(), x);
}
Value floatOp(PatternRewriter &rewriter,
              onnx::ComMicrosoftQLinearLeakyReluOp op, Value x) {
  return createValue<graph::LeakyReluOp>(
      rewriter, op.getLoc(), x, getF64Attr(rewriter, toDouble(op.getAlpha())));
}

/// The com.microsoft unary ops: X, X_scale, X_zero_point, Y_scale,
/// Y_zero_point.
template <typename OnnxOp> struct QLinearUnaryToQdq : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    Type element = resultElement(op);
    std::optional<Params> px = paramsAt(op, 1, x);
    std::optional<Params> py =
        element
            ? constantQuantParams(op->getOperand(3), op->getOperand(4), element)
            : std::nullopt;
    if (!px || !py)
      return rewriter.notifyMatchFailure(op,
                                         "parameters are computed at run time");
    Location loc = op.getLoc();
    Value result = floatOp(rewriter, op, dequantized(rewriter, loc, x, *px));
    if (!result)
      return rewriter.notifyMatchFailure(op, "the float op's shapes");
    return forwardValue(rewriter, op,
                        quantized(rewriter, loc, result, *py, element));
  }
};

/// The spatial dims of an NHWC (channels_last) tensor moved to NCHW and
/// back: the permutations, or empty ones for NCHW data.
std::pair<SmallVector<int64_t>, SmallVector<int64_t>>
channelsLastPermutations(Operation *op, int64_t rank) {
  auto attr = op->getAttrOfType<IntegerAttr>("channels_last");
  if (!attr || attr.getInt() == 0)
    return {};
  SmallVector<int64_t> toFirst{0, rank - 1}, toLast{0};
  for (int64_t d = 1; d + 1 < rank; ++d)
    toFirst.push_back(d);
  for (int64_t d = 2; d < rank; ++d)
    toLast.push_back(d);
  toLast.push_back(1);
  return {toFirst, toLast};
}

/// QLinearAveragePool and QLinearGlobalAveragePool: the pool of dequantize
/// (X) on NCHW data (channels_last data is transposed there and back, as
/// integers).
template <typename OnnxOp, bool global>
struct QLinearPoolToQdq : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto xType = getGraphTensor(x.getType());
    Type element = resultElement(op);
    std::optional<Params> px = paramsAt(op, 1, x);
    std::optional<Params> py =
        element
            ? constantQuantParams(op->getOperand(3), op->getOperand(4), element)
            : std::nullopt;
    if (!xType || xType.getRank() < 3 || !px || !py)
      return rewriter.notifyMatchFailure(op,
                                         "parameters are computed at run time");
    int64_t rank = xType.getRank();
    auto [toFirst, toLast] = channelsLastPermutations(op, rank);
    Location loc = op.getLoc();
    // The window, read on the NCHW shape, before anything is built.
    SmallVector<int64_t> spatial;
    for (int64_t d = 0; d < rank - 2; ++d)
      spatial.push_back(xType.getDimSize(toFirst.empty() ? d + 2 : d + 1));
    FailureOr<Window> window = failure();
    if constexpr (!global) {
      std::string why;
      window = readWindow(op, spatial, getI64s(op.getKernelShape()),
                          /*transposed=*/false, why);
      if (failed(window))
        return rewriter.notifyMatchFailure(op, why);
    }
    Value data = x;
    if (!toFirst.empty())
      data = createValue<graph::TransposeOp>(
          rewriter, loc, data, rewriter.getDenseI64ArrayAttr(toFirst));
    Value real = dequantized(rewriter, loc, data, *px);
    Value pooled;
    if constexpr (global) {
      pooled = createValue<graph::ReduceOp>(
          rewriter, loc,
          graph::ReduceKindAttr::get(op->getContext(), graph::ReduceKind::mean),
          real,
          rewriter.getDenseI64ArrayAttr(
              llvm::to_vector(llvm::seq<int64_t>(2, rank))),
          rewriter.getBoolAttr(true));
    } else {
      pooled = createValue<graph::AvgPoolOp>(
          rewriter, loc, real, rewriter.getDenseI64ArrayAttr(window->kernel),
          rewriter.getDenseI64ArrayAttr(window->strides),
          rewriter.getDenseI64ArrayAttr(window->pads),
          rewriter.getDenseI64ArrayAttr(window->dilations),
          rewriter.getBoolAttr(op.getCeilMode() != 0),
          rewriter.getBoolAttr(op.getCountIncludePad() != 0));
    }
    if (!pooled)
      return rewriter.notifyMatchFailure(op, "the pool's shapes");
    Value y = quantized(rewriter, loc, pooled, *py, element);
    if (!toLast.empty())
      y = createValue<graph::TransposeOp>(
          rewriter, loc, y, rewriter.getDenseI64ArrayAttr(toLast));
    return forwardValue(rewriter, op, y);
  }
};

/// QLinearConcat: Y_scale, Y_zero_point, then (X, scale, zero point) per
/// input.
struct QLinearConcatToQdq
    : OpRewritePattern<onnx::ComMicrosoftQLinearConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ComMicrosoftQLinearConcatOp op,
                                PatternRewriter &rewriter) const override {
    Type element = resultElement(op);
    ValueRange in = op->getOperands();
    std::optional<Params> py =
        element ? constantQuantParams(in[0], in[1], element) : std::nullopt;
    if (!py || in.size() < 5 || (in.size() - 2) % 3 != 0)
      return rewriter.notifyMatchFailure(op,
                                         "parameters are computed at run time");
    SmallVector<std::pair<Value, Params>> inputs;
    for (size_t i = 2; i < in.size(); i += 3) {
      std::optional<Params> p = paramsAt(op, i + 1, in[i]);
      if (!p)
        return rewriter.notifyMatchFailure(
            op, "parameters are computed at run time");
      inputs.push_back({in[i], *p});
    }
    Location loc = op.getLoc();
    SmallVector<Value> reals;
    for (auto [x, p] : inputs)
      reals.push_back(dequantized(rewriter, loc, x, p));
    Value joined = createValue<graph::ConcatOp>(
        rewriter, loc, ValueRange(reals), op.getAxisAttr());
    if (!joined)
      return rewriter.notifyMatchFailure(op, "shapes do not concatenate");
    return forwardValue(rewriter, op,
                        quantized(rewriter, loc, joined, *py, element));
  }
};

/// An 8-bit run-time value as int8 with its zero point: itself, or uint8
/// moved by -128 (a rescale by 1), exactly.
std::pair<Value, int64_t> asInt8(PatternRewriter &rewriter, Location loc,
                                 Value x, int64_t zeroPoint) {
  auto type = getGraphTensor(x.getType());
  if (!type.getElementType().isUnsignedInteger())
    return {x, zeroPoint};
  Value moved = graph::RescaleOp::create(
      rewriter, loc, type.clone(rewriter.getIntegerType(8)), x,
      rewriter.getDenseI64ArrayAttr({int64_t(1) << 30}),
      rewriter.getDenseI64ArrayAttr({30}), rewriter.getI64IntegerAttr(0),
      rewriter.getI64IntegerAttr(128), rewriter.getI64IntegerAttr(0),
      IntegerAttr(), IntegerAttr());
  return {moved, zeroPoint - 128};
}

/// The integers w - zp[c] of a constant weight along `axis` as int8, or
/// nullopt when one does not fit.
std::optional<SmallVector<int8_t>> centredWeight(Value w, Value zeroPoint,
                                                 int64_t axis) {
  std::optional<CentredWeight> q = centred(w, zeroPoint, axis);
  if (!q ||
      llvm::any_of(q->values, [](int64_t v) { return v < -128 || v > 127; }))
    return std::nullopt;
  return SmallVector<int8_t>(q->values.begin(), q->values.end());
}

/// The zero point of an integer operand (absent: 0), if constant and
/// scalar.
std::optional<int64_t> scalarZeroPoint(Value zeroPoint) {
  if (isNone(zeroPoint))
    return 0;
  std::optional<SmallVector<int64_t>> v = getConstantInts(zeroPoint);
  if (!v || v->size() != 1)
    return std::nullopt;
  return v->front();
}

/// An i32 constant of `values`, shaped [n].
Value i32Vector(PatternRewriter &rewriter, Location loc,
                ArrayRef<int64_t> values) {
  SmallVector<int32_t> narrow(values.begin(), values.end());
  auto type =
      RankedTensorType::get({(int64_t)values.size()}, rewriter.getI32Type());
  return graph::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(narrow)));
}

bool fitsI32(ArrayRef<int64_t> values) {
  return llvm::all_of(
      values, [](int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; });
}

/// ConvInteger with a constant weight and zero points: conv(x8 padded by
/// its zero point, w - w_zp) + bias, bias = -x_zp * sum(w - w_zp) per
/// output channel, where x8 is x as int8.
struct ConvIntegerToInteger : OpRewritePattern<onnx::ConvIntegerOp> {
  ConvIntegerToInteger(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(onnx::ConvIntegerOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0), w = op->getOperand(1);
    auto xType = getGraphTensor(x.getType());
    auto wType = getGraphTensor(w.getType());
    std::optional<int64_t> xZero = scalarZeroPoint(op->getOperand(2));
    std::optional<SmallVector<int8_t>> w8 =
        centredWeight(w, op->getOperand(3), 0);
    if (!xType || !wType || !xZero || !w8 || !hasConvWindow(op, x, w))
      return rewriter.notifyMatchFailure(
          op, "weight or zero points computed at run time, or a weight "
              "wider than 8 bits around its zero point");
    SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
    if (auto attr = op->getAttrOfType<ArrayAttr>("kernel_shape"))
      kernel = getI64s(attr);
    std::string why;
    Window window = *readWindow(op, xType.getShape().drop_front(2), kernel,
                                /*transposed=*/false, why);
    int64_t channels = wType.getDimSize(0);
    int64_t perChannel = wType.getNumElements() / channels;
    int64_t zero8 =
        *xZero - (xType.getElementType().isUnsignedInteger() ? 128 : 0);
    SmallVector<int64_t> bias(channels, 0);
    for (int64_t c = 0; c < channels; ++c) {
      int64_t sum = 0;
      for (int64_t i = 0; i < perChannel; ++i)
        sum += (*w8)[c * perChannel + i];
      bias[c] = -zero8 * sum;
    }
    if (!fitsI32(bias))
      return rewriter.notifyMatchFailure(op, "the bias overflows i32");
    Location loc = op.getLoc();
    Value x8 = asInt8(rewriter, loc, x, *xZero).first;
    int64_t rank = xType.getRank(), k = rank - 2;
    if (llvm::any_of(window.pads, [](int64_t p) { return p != 0; })) {
      SmallVector<int64_t> all(2 * rank, 0);
      for (int64_t i = 0; i < k; ++i) {
        all[2 + i] = window.pads[i];
        all[rank + 2 + i] = window.pads[k + i];
      }
      x8 = createValue<graph::PadOp>(
          rewriter, loc, x8, rewriter.getDenseI64ArrayAttr(all),
          rewriter.getStringAttr("constant"), rewriter.getF64FloatAttr(zero8));
    }
    auto w8Type = wType.clone(rewriter.getIntegerType(8));
    Value weight = graph::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(w8Type, ArrayRef<int8_t>(*w8)));
    auto group = op->getAttrOfType<IntegerAttr>("group");
    Value conv = createValue<graph::ConvOp>(
        rewriter, loc, x8, weight, i32Vector(rewriter, loc, bias),
        rewriter.getDenseI64ArrayAttr(window.strides),
        rewriter.getDenseI64ArrayAttr(window.dilations),
        rewriter.getDenseI64ArrayAttr(SmallVector<int64_t>(2 * k, 0)),
        rewriter.getI64IntegerAttr(group ? group.getInt() : 1));
    if (!conv)
      return rewriter.notifyMatchFailure(op, "the convolution's shapes");
    return forwardValue(rewriter, op, conv);
  }
};

/// MatMulInteger with a constant matrix B and constant zero points:
/// matmul(a8, B - b_zp) - a_zp * (column sums of B - b_zp), a8 being A as
/// int8.
struct MatMulIntegerToInteger : OpRewritePattern<onnx::MatMulIntegerOp> {
  MatMulIntegerToInteger(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(onnx::MatMulIntegerOp op,
                                PatternRewriter &rewriter) const override {
    Value a = op->getOperand(0), b = op->getOperand(1);
    auto aType = getGraphTensor(a.getType());
    auto bType = getGraphTensor(b.getType());
    std::optional<int64_t> aZero = scalarZeroPoint(op->getOperand(2));
    std::optional<SmallVector<int8_t>> b8;
    if (bType && bType.getRank() == 2)
      b8 = centredWeight(b, op->getOperand(3), 1);
    if (!aType || !aZero || !b8 || aType.getRank() < 2 ||
        aType.isDynamicDim(aType.getRank() - 1) ||
        aType.getDimSize(aType.getRank() - 1) != bType.getDimSize(0))
      return rewriter.notifyMatchFailure(
          op, "B or zero points computed at run time, a per-row zero point "
              "of A, or a B wider than 8 bits around its zero point");
    int64_t rows = bType.getDimSize(0), columns = bType.getDimSize(1);
    int64_t zero8 =
        *aZero - (aType.getElementType().isUnsignedInteger() ? 128 : 0);
    SmallVector<int64_t> correction(columns, 0);
    for (int64_t n = 0; n < columns; ++n) {
      int64_t sum = 0;
      for (int64_t r = 0; r < rows; ++r)
        sum += (*b8)[r * columns + n];
      correction[n] = -zero8 * sum;
    }
    if (!fitsI32(correction))
      return rewriter.notifyMatchFailure(op, "the correction overflows i32");
    Location loc = op.getLoc();
    auto b8Type = bType.clone(rewriter.getIntegerType(8));
    Value weight = graph::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(b8Type, ArrayRef<int8_t>(*b8)));
    Value product = createValue<graph::MatmulOp>(
        rewriter, loc, asInt8(rewriter, loc, a, *aZero).first, weight);
    if (product && zero8 != 0)
      product = createValue<graph::AddOp>(rewriter, loc, product,
                                          i32Vector(rewriter, loc, correction));
    if (!product)
      return rewriter.notifyMatchFailure(op, "shapes do not multiply");
    return forwardValue(rewriter, op, product);
  }
};

} // namespace

void mica::onnx_to_graph::populateQOperatorPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<QLinearConvToQdq, QLinearMatMulToQdq, ConvIntegerToInteger,
               MatMulIntegerToInteger, QLinearConcatToQdq>(ctx);
  patterns.add<
      QLinearUnaryToQdq<onnx::ComMicrosoftQLinearSigmoidOp>,
      QLinearUnaryToQdq<onnx::ComMicrosoftQLinearLeakyReluOp>,
      QLinearBinaryToQdq<onnx::ComMicrosoftQLinearAddOp, graph::AddOp>,
      QLinearBinaryToQdq<onnx::ComMicrosoftQLinearMulOp, graph::MulOp>,
      QLinearPoolToQdq<onnx::ComMicrosoftQLinearAveragePoolOp, false>,
      QLinearPoolToQdq<onnx::ComMicrosoftQLinearGlobalAveragePoolOp, true>>(
      ctx);
}
