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

namespace {

/// Kernel, strides, dilations and explicit pads of a window op.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
};

/// Reads the window attributes of `op` (an ONNX op with `auto_pad`,
/// `strides`, `pads` and optionally `dilations`) for an input whose spatial
/// dims are `spatial`, with `kernel` already known. `transposed` selects the
/// ConvTranspose flavour of SAME padding. Returns a reason on failure.
FailureOr<Window> readWindow(Operation *op, ArrayRef<int64_t> spatial,
                             SmallVector<int64_t> kernel, bool transposed,
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
    FailureOr<Window> w = readWindow(op, xType.getShape().drop_front(2),
                                     kernel, transposed, why);
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
        if (outShape.size() != k || llvm::any_of(spatial, ShapedType::isDynamic))
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
    std::string why;
    FailureOr<Window> w =
        readWindow(op, xType.getShape().drop_front(2),
                   getI64s(op.getKernelShape()), /*transposed=*/false, why);
    if (failed(w))
      return rewriter.notifyMatchFailure(op, why);
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

template <typename OnnxOp, graph::ReduceKind kind>
struct GlobalPoolPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = getSpatialInput(op.getX());
    if (!xType)
      return rewriter.notifyMatchFailure(op, "X is not a ranked N-D tensor");
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(2, xType.getRank()));
    return replaceOp<graph::ReduceOp>(
        rewriter, op, graph::ReduceKindAttr::get(op.getContext(), kind),
        op.getX(), rewriter.getDenseI64ArrayAttr(axes),
        rewriter.getBoolAttr(true));
  }
};

} // namespace

void mica::onnx_to_graph::populateWindowPatterns(RewritePatternSet &patterns) {
  using graph::ReduceKind;
  patterns.add<
      ConvPattern<onnx::Conv_v1Op, false>, ConvPattern<onnx::ConvOp, false>,
      ConvPattern<onnx::ConvTranspose_v1Op, true>,
      ConvPattern<onnx::ConvTransposeOp, true>,
      PoolPattern<onnx::MaxPool_v1Op, graph::MaxPoolOp>,
      PoolPattern<onnx::MaxPool_v8Op, graph::MaxPoolOp>,
      PoolPattern<onnx::MaxPool_v10Op, graph::MaxPoolOp>,
      PoolPattern<onnx::MaxPool_v11Op, graph::MaxPoolOp>,
      PoolPattern<onnx::MaxPoolOp, graph::MaxPoolOp>,
      PoolPattern<onnx::AveragePool_v1Op, graph::AvgPoolOp>,
      PoolPattern<onnx::AveragePool_v7Op, graph::AvgPoolOp>,
      PoolPattern<onnx::AveragePool_v10Op, graph::AvgPoolOp>,
      PoolPattern<onnx::AveragePoolOp, graph::AvgPoolOp>,
      GlobalPoolPattern<onnx::GlobalAveragePoolOp, ReduceKind::mean>,
      GlobalPoolPattern<onnx::GlobalMaxPoolOp, ReduceKind::max>>(
      patterns.getContext());
}
