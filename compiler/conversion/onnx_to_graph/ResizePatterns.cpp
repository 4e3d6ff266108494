//===- ResizePatterns.cpp - Resize and Upsample ---------------------------===//
//
// graph.resize takes one scale per input dim. Resize-11+ gives them as a
// constant `scales` input, or as constant `sizes` that become scales when the
// input dims are static. Resize-10 and Upsample (every opset) have the
// semantics of Resize-11 with asymmetric coordinates and floor rounding.
// tf_crop_and_resize needs a constant `roi`; its width is folded into the
// scales (the output dims are floor(in * roi width * scale)).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

struct ResizeModes {
  StringRef mode = "nearest";
  StringRef coordinates = "asymmetric";
  StringRef nearest = "floor";
  double cubicCoeffA = -0.75;
  bool excludeOutside = false;
  SmallVector<double> roi;
  double extrapolationValue = 0.0;
};

LogicalResult rewriteResize(PatternRewriter &rewriter, Operation *op,
                            ArrayRef<double> scales, ResizeModes modes) {
  if (modes.mode == "bilinear")
    modes.mode = "linear";
  if (!llvm::is_contained({"nearest", "linear", "cubic"}, modes.mode) ||
      !llvm::is_contained({"half_pixel", "half_pixel_symmetric",
                           "pytorch_half_pixel", "align_corners", "asymmetric",
                           "tf_half_pixel_for_nn", "tf_crop_and_resize"},
                          modes.coordinates) ||
      !llvm::is_contained(
          {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
          modes.nearest))
    return rewriter.notifyMatchFailure(op, "unsupported resize mode");
  if (llvm::any_of(scales, [](double s) { return !(s > 0.0); }))
    return rewriter.notifyMatchFailure(op, "non-positive scale");
  DenseF64ArrayAttr roi;
  if (modes.coordinates == "tf_crop_and_resize") {
    if (modes.roi.size() != 2 * scales.size())
      return rewriter.notifyMatchFailure(op, "roi is not a constant of 2 * "
                                             "rank entries");
    roi = rewriter.getDenseF64ArrayAttr(modes.roi);
  }
  return replaceOp<graph::ResizeOp>(
      rewriter, op, op->getOperand(0), rewriter.getDenseF64ArrayAttr(scales),
      rewriter.getStringAttr(modes.mode),
      rewriter.getStringAttr(modes.coordinates),
      rewriter.getStringAttr(modes.nearest),
      getF64Attr(rewriter, modes.cubicCoeffA),
      rewriter.getBoolAttr(modes.excludeOutside), roi,
      getF64Attr(rewriter, modes.extrapolationValue));
}

/// Scales from a constant `scales` operand, else from constant `sizes` over
/// static input dims.
std::optional<SmallVector<double>> readScales(Value input, Value scales,
                                              Value sizes) {
  if (scales && !isNone(scales)) {
    std::optional<SmallVector<double>> values = getConstantDoubles(scales);
    if (values && !values->empty())
      return values;
  }
  auto type = getGraphTensor(input.getType());
  if (!sizes || isNone(sizes) || !type || !type.hasStaticShape())
    return std::nullopt;
  std::optional<SmallVector<int64_t>> values = getConstantInts(sizes);
  if (!values || values->size() != static_cast<size_t>(type.getRank()))
    return std::nullopt;
  SmallVector<double> result;
  for (auto [size, dim] : llvm::zip_equal(*values, type.getShape())) {
    if (dim == 0)
      return std::nullopt;
    result.push_back(static_cast<double>(size) / static_cast<double>(dim));
  }
  return result;
}

/// Resize-11 and -13.
template <typename OnnxOp> struct ResizePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<double>> scales =
        readScales(op.getX(), op.getScales(), op.getSizes());
    if (!scales)
      return rewriter.notifyMatchFailure(
          op, "scales/sizes are not constant (or sizes over dynamic dims)");
    ResizeModes modes;
    modes.mode = op.getMode();
    modes.coordinates = op.getCoordinateTransformationMode();
    modes.nearest = op.getNearestMode();
    modes.cubicCoeffA = toDouble(op.getCubicCoeffA());
    modes.excludeOutside = op.getExcludeOutside() != 0;
    modes.extrapolationValue = toDouble(op.getExtrapolationValue());
    if (modes.coordinates == "tf_crop_and_resize") {
      std::optional<SmallVector<double>> roi = getConstantDoubles(op.getRoi());
      if (!roi || roi->size() != 2 * scales->size())
        return rewriter.notifyMatchFailure(op, "roi is not constant");
      modes.roi = *roi;
      // With `scales` the output covers the roi: floor(in * width * scale).
      bool fromSizes = isNone(op.getScales()) ||
                       !getConstantDoubles(op.getScales()) ||
                       getConstantDoubles(op.getScales())->empty();
      if (!fromSizes)
        for (size_t i = 0; i < scales->size(); ++i)
          (*scales)[i] *= modes.roi[i + scales->size()] - modes.roi[i];
    }
    return rewriteResize(rewriter, op, *scales, modes);
  }
};

} // namespace

void mica::onnx_to_graph::populateResizePatterns(RewritePatternSet &patterns) {
  patterns.add<ResizePattern<onnx::ResizeOp>>(patterns.getContext());
}
