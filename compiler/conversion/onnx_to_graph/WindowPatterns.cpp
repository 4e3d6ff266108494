//===- WindowPatterns.cpp - Conv, ConvTranspose and pooling ---------------===//
//
// Sliding-window ops. The graph ops take no defaults for kernel, strides,
// dilations and pads, so these patterns always spell them out, resolving
// ONNX `auto_pad` into explicit pads (SAME_* needs static spatial dims).
// Global pooling is graph.reduce over the spatial axes with keepdims.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

FailureOr<Window> mica::onnx_to_graph::readWindow(Operation *op,
                                                  ArrayRef<int64_t> spatial,
                                                  SmallVector<int64_t> kernel,
                                                  bool transposed,
                                                  std::string &why) {
  size_t k = spatial.size();
  Window w;
  w.kernel = std::move(kernel);
  auto array = [&](StringRef name) -> std::optional<ArrayAttr> {
    if (auto attr = op->getAttrOfType<ArrayAttr>(name))
      return attr;
    return std::nullopt;
  };
  SmallVector<int64_t> ones(k, 1);
  w.strides = getI64s(array("strides"), ones);
  w.dilations = getI64s(array("dilations"), ones);
  w.pads = getI64s(array("pads"), SmallVector<int64_t>(2 * k, 0));
  if (w.kernel.size() != k || w.strides.size() != k ||
      w.dilations.size() != k || w.pads.size() != 2 * k) {
    why = "window attributes do not match the input rank";
    return failure();
  }
  auto autoPadAttr = op->getAttrOfType<StringAttr>("auto_pad");
  StringRef autoPad = autoPadAttr ? autoPadAttr.getValue() : "NOTSET";
  if (autoPad == "NOTSET")
    return w;
  if (autoPad == "VALID") {
    w.pads.assign(2 * k, 0);
    return w;
  }
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    why = "unknown auto_pad";
    return failure();
  }
  SmallVector<int64_t> extra =
      getI64s(array("output_padding"), SmallVector<int64_t>(k, 0));
  for (size_t i = 0; i < k; ++i) {
    if (ShapedType::isDynamic(spatial[i])) {
      why = "SAME auto_pad over a dynamic spatial dim";
      return failure();
    }
    int64_t in = spatial[i], s = w.strides[i];
    int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t total, small;
    if (transposed) {
      // ConvTranspose: output = in * stride; as for Conv, the larger half
      // goes last for SAME_UPPER (what ONNX Runtime and the backend tests
      // do; the ConvTranspose spec text says the opposite).
      total = s * (in - 1) + extra[i] + extent - in * s;
      small = total / 2;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      w.pads[i + k] = total - w.pads[i];
    } else {
      int64_t out = (in + s - 1) / s;
      total = std::max<int64_t>(0, (out - 1) * s + extent - in);
      small = total / 2;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      w.pads[i + k] = total - w.pads[i];
    }
    if (total < 0) {
      why = "negative SAME padding";
      return failure();
    }
  }
  return w;
}

namespace {

/// The input of a window op as a graph tensor with spatial dims, or null.
RankedTensorType getSpatialInput(Value input) {
  auto type = getGraphTensor(input.getType());
  return type && type.getRank() >= 3 ? type : RankedTensorType();
}

template <typename OnnxOp, bool transposed>
struct ConvPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = getSpatialInput(op.getX());
    auto wType = getGraphTensor(op.getW().getType());
    if (!xType || !wType || wType.getRank() != xType.getRank())
      return rewriter.notifyMatchFailure(op, "X/W are not ranked N-D tensors");
    SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
    if (std::optional<ArrayAttr> attr = op.getKernelShape())
      kernel = getI64s(attr);
    if (llvm::any_of(kernel, ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "unknown kernel shape");
    std::string why;
    FailureOr<Window> w =
        readWindow(op, xType.getShape().drop_front(2), kernel, transposed, why);
    if (failed(w))
      return rewriter.notifyMatchFailure(op, why);
    Value bias = isNone(op.getB()) ? Value() : op.getB();
    IntegerAttr groups =
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getGroup()));
    if constexpr (!transposed) {
      return replaceOp<graph::ConvOp>(
          rewriter, op, op.getX(), op.getW(), bias,
          rewriter.getDenseI64ArrayAttr(w->strides),
          rewriter.getDenseI64ArrayAttr(w->dilations),
          rewriter.getDenseI64ArrayAttr(w->pads), groups);
    } else {
      SmallVector<int64_t> outputPadding = getI64s(
          op.getOutputPadding(), SmallVector<int64_t>(kernel.size(), 0));
      if (op.getOutputShape()) {
        // The pads that give the requested output size, the larger half
        // (a negative total grows the output) at the end unless auto_pad is
        // SAME_LOWER (as the backend tests expect).
        SmallVector<int64_t> outShape = getI64s(op.getOutputShape());
        ArrayRef<int64_t> spatial = xType.getShape().drop_front(2);
        size_t k = kernel.size();
        if (outShape.size() != k ||
            llvm::any_of(spatial, ShapedType::isDynamic))
          return rewriter.notifyMatchFailure(op, "output_shape needs static "
                                                 "spatial dims of its rank");
        auto autoPad = op->template getAttrOfType<StringAttr>("auto_pad");
        bool upper = !autoPad || autoPad.getValue() != "SAME_LOWER";
        for (size_t i = 0; i < k; ++i) {
          int64_t total = w->strides[i] * (spatial[i] - 1) + outputPadding[i] +
                          (kernel[i] - 1) * w->dilations[i] + 1 - outShape[i];
          w->pads[i] = upper ? total / 2 : total - total / 2;
          w->pads[i + k] = total - w->pads[i];
        }
      }
      return replaceOp<graph::ConvTransposeOp>(
          rewriter, op, op.getX(), op.getW(), bias,
          rewriter.getDenseI64ArrayAttr(w->strides),
          rewriter.getDenseI64ArrayAttr(w->dilations),
          rewriter.getDenseI64ArrayAttr(w->pads),
          rewriter.getDenseI64ArrayAttr(outputPadding), groups);
    }
  }
};

} // namespace

Value mica::onnx_to_graph::createConvLike(PatternRewriter &rewriter,
                                          Operation *op, Value x, Value w,
                                          Value bias) {
  auto xType = getSpatialInput(x);
  auto wType = getGraphTensor(w.getType());
  if (!xType || !wType || wType.getRank() != xType.getRank())
    return Value();
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  if (auto attr = op->getAttrOfType<ArrayAttr>("kernel_shape"))
    kernel = getI64s(attr);
  if (llvm::any_of(kernel, ShapedType::isDynamic))
    return Value();
  std::string why;
  FailureOr<Window> window = readWindow(op, xType.getShape().drop_front(2),
                                        kernel, /*transposed=*/false, why);
  if (failed(window))
    return Value();
  auto group = op->getAttrOfType<IntegerAttr>("group");
  return createValue<graph::ConvOp>(
      rewriter, op->getLoc(), x, w, bias,
      rewriter.getDenseI64ArrayAttr(window->strides),
      rewriter.getDenseI64ArrayAttr(window->dilations),
      rewriter.getDenseI64ArrayAttr(window->pads),
      rewriter.getI64IntegerAttr(group ? group.getInt() : 1));
}

namespace {

/// ConvInteger: an i32 convolution of the operands minus their zero points
/// (a 1-D weight zero point is per output channel), so padding adds zeros
/// after the shift, as if the input were padded with its zero point.
struct ConvIntegerPattern : OpRewritePattern<onnx::ConvIntegerOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ConvIntegerOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0), w = op->getOperand(1);
    auto wType = getGraphTensor(w.getType());
    if (!getSpatialInput(x) || !wType)
      return rewriter.notifyMatchFailure(op, "operands are not N-D tensors");
    Location loc = op.getLoc();
    Value wZero = op->getOperand(3);
    if (!isNone(wZero))
      wZero = alongAxis(rewriter, loc, wZero, 0, wType.getRank());
    Value conv = createConvLike(
        rewriter, op, widenMinusZeroPoint(rewriter, loc, x, op->getOperand(2)),
        widenMinusZeroPoint(rewriter, loc, w, wZero), Value());
    if (!conv)
      return rewriter.notifyMatchFailure(op, "window attributes");
    return forwardValue(rewriter, op, conv);
  }
};

/// QLinearConv: the integer convolution plus the i32 bias, requantised with
/// x_scale * w_scale / y_scale (w_scale may be per output channel).
struct QLinearConvPattern : OpRewritePattern<onnx::QLinearConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::QLinearConvOp op,
                                PatternRewriter &rewriter) const override {
    ValueRange in = op->getOperands();
    auto resultType = dyn_cast<TensorType>(op.getType());
    auto xType = getSpatialInput(in[0]);
    auto wType = getGraphTensor(in[3].getType());
    if (!xType || !wType || !resultType ||
        !isa<IntegerType>(resultType.getElementType()))
      return rewriter.notifyMatchFailure(op, "operands are not N-D tensors");
    Location loc = op.getLoc();
    int64_t rank = xType.getRank();
    Value bias = in.size() > 8 && !isNone(in[8])
                     ? castElements(rewriter, loc, in[8], rewriter.getI32Type())
                     : Value();
    Value acc = createConvLike(
        rewriter, op, widenMinusZeroPoint(rewriter, loc, in[0], in[2]),
        widenMinusZeroPoint(rewriter, loc, in[3],
                            alongAxis(rewriter, loc, in[5], 0, rank)),
        bias);
    if (!acc)
      return rewriter.notifyMatchFailure(op, "window attributes");
    Type fp = getElementTypeOrSelf(in[1].getType());
    Value wScale = alongAxis(rewriter, loc, in[4], 1, rank);
    Value multiplier = createValue<graph::DivOp>(
        rewriter, loc, createValue<graph::MulOp>(rewriter, loc, in[1], wScale),
        in[6]);
    Value real = createValue<graph::MulOp>(
        rewriter, loc, castElements(rewriter, loc, acc, fp), multiplier);
    Value q = real ? requantize(rewriter, loc, real, in[7],
                                resultType.getElementType())
                   : Value();
    if (!q)
      return rewriter.notifyMatchFailure(op, "scales do not broadcast");
    return forwardValue(rewriter, op, q);
  }
};

/// The window of a pooling op over `x` (a ranked N-D tensor); a failure
/// says why to the rewriter.
FailureOr<Window> poolWindow(PatternRewriter &rewriter, Operation *op,
                             RankedTensorType x, ArrayAttr kernelShape) {
  std::string why;
  FailureOr<Window> w =
      readWindow(op, x.getShape().drop_front(2), getI64s(kernelShape),
                 /*transposed=*/false, why);
  if (failed(w))
    (void)rewriter.notifyMatchFailure(op, why);
  return w;
}

/// MaxPool (Indices output unused) and AveragePool of every opset.
template <typename OnnxOp, typename GraphOp>
struct PoolPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!onlyFirstResultUsed(op))
      return rewriter.notifyMatchFailure(op, "Indices output is used");
    auto xType = getSpatialInput(op.getX());
    if (!xType)
      return rewriter.notifyMatchFailure(op, "X is not a ranked N-D tensor");
    FailureOr<Window> w = poolWindow(rewriter, op, xType, op.getKernelShape());
    if (failed(w))
      return failure();
    auto flag = [&](StringRef name) {
      auto attr = op->template getAttrOfType<IntegerAttr>(name);
      return rewriter.getBoolAttr(attr && attr.getInt() != 0);
    };
    auto kernel = rewriter.getDenseI64ArrayAttr(w->kernel);
    auto strides = rewriter.getDenseI64ArrayAttr(w->strides);
    auto pads = rewriter.getDenseI64ArrayAttr(w->pads);
    auto dilations = rewriter.getDenseI64ArrayAttr(w->dilations);
    if constexpr (std::is_same_v<GraphOp, graph::AvgPoolOp>)
      return replaceOp<GraphOp>(rewriter, op, op.getX(), kernel, strides, pads,
                                dilations, flag("ceil_mode"),
                                flag("count_include_pad"));
    else
      return replaceOp<GraphOp>(rewriter, op, op.getX(), kernel, strides, pads,
                                dilations, flag("ceil_mode"));
  }
};

LogicalResult rewriteGlobalPool(PatternRewriter &rewriter, Operation *op,
                                graph::ReduceKind kind) {
  auto xType = getSpatialInput(op->getOperand(0));
  if (!xType)
    return rewriter.notifyMatchFailure(op, "X is not a ranked N-D tensor");
  SmallVector<int64_t> axes =
      llvm::to_vector(llvm::seq<int64_t>(2, xType.getRank()));
  return replaceOp<graph::ReduceOp>(
      rewriter, op, graph::ReduceKindAttr::get(op->getContext(), kind),
      op->getOperand(0), rewriter.getDenseI64ArrayAttr(axes),
      rewriter.getBoolAttr(true));
}

template <typename OnnxOp, graph::ReduceKind kind>
struct GlobalPoolPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    return rewriteGlobalPool(rewriter, op, kind);
  }
};

/// GlobalLpPool: the L1 or L2 norm over the spatial dims (other p have no
/// lowering).
struct GlobalLpPoolPattern : OpRewritePattern<onnx::GlobalLpPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::GlobalLpPoolOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getP() != 1 && op.getP() != 2)
      return rewriter.notifyMatchFailure(op, "p other than 1 or 2");
    return rewriteGlobalPool(rewriter, op,
                             op.getP() == 1 ? graph::ReduceKind::l1
                                            : graph::ReduceKind::l2);
  }
};

/// LpPool (p = 1 or 2): the window sum of |x| or x * x (an average pool that
/// counts the zero padding, times the window size), then its p-th root.
struct LpPoolPattern : OpRewritePattern<onnx::LpPoolOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::LpPoolOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = getSpatialInput(op.getX());
    if (!xType || !hasFloatElements(xType))
      return rewriter.notifyMatchFailure(op, "X is not a float N-D tensor");
    if (op.getP() != 1 && op.getP() != 2)
      return rewriter.notifyMatchFailure(op, "p other than 1 or 2");
    FailureOr<Window> w = poolWindow(rewriter, op, xType, op.getKernelShape());
    if (failed(w))
      return failure();
    Location loc = op.getLoc();
    Value x = op.getX();
    Value magnitude = op.getP() == 2
                          ? createValue<graph::MulOp>(rewriter, loc, x, x)
                          : createValue<graph::AbsOp>(rewriter, loc, x);
    Value mean = createValue<graph::AvgPoolOp>(
        rewriter, loc, magnitude, rewriter.getDenseI64ArrayAttr(w->kernel),
        rewriter.getDenseI64ArrayAttr(w->strides),
        rewriter.getDenseI64ArrayAttr(w->pads),
        rewriter.getDenseI64ArrayAttr(w->dilations),
        rewriter.getBoolAttr(false), rewriter.getBoolAttr(true));
    if (!mean)
      return rewriter.notifyMatchFailure(op, "window attributes");
    int64_t size = 1;
    for (int64_t k : w->kernel)
      size *= k;
    Value sum = createValue<graph::MulOp>(
        rewriter, loc, mean,
        createScalarConstant(rewriter, loc, xType.getElementType(),
                             static_cast<double>(size)));
    if (op.getP() == 1)
      return forwardValue(rewriter, op, sum);
    return replaceOp<graph::SqrtOp>(rewriter, op, sum);
  }
};

} // namespace

void mica::onnx_to_graph::populateWindowPatterns(RewritePatternSet &patterns) {
  using graph::ReduceKind;
  patterns.add<ConvPattern<onnx::ConvOp, false>,
               ConvPattern<onnx::ConvTransposeOp, true>,
               PoolPattern<onnx::MaxPoolOp, graph::MaxPoolOp>,
               PoolPattern<onnx::AveragePoolOp, graph::AvgPoolOp>,
               GlobalPoolPattern<onnx::GlobalAveragePoolOp, ReduceKind::mean>,
               GlobalPoolPattern<onnx::GlobalMaxPoolOp, ReduceKind::max>,
               GlobalLpPoolPattern, LpPoolPattern, ConvIntegerPattern,
               QLinearConvPattern>(patterns.getContext());
}
