//===- RoiAlignPatterns.cpp - RoiAlign as a grid sample -------------------===//
//
// RoiAlign (avg mode, a fixed sampling_ratio s) samples each region of
// interest at (out_h * s) x (out_w * s) points and averages s x s blocks of
// them. The points of region r along x are
//   x1 * scale - offset + roi_w * (k + 0.5) / (out_w * s),
// k = 0 .. out_w * s - 1 (offset 0.5 for half_pixel; output_half_pixel
// widens regions to at least 1). So: the images of the regions gathered by
// batch index, a grid of those points (normalised for align_corners), a
// bilinear graph.grid_sample with border padding (RoiAlign clamps points in
// [-1, 0] and [size - 1, size] to the edge), zero where a point lies outside
// [-1, size], and an s x s average pool. An adaptive sampling ratio (0)
// depends on the region sizes and stays unsupported, as does max mode.
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

template <typename OnnxOp> struct RoiAlignPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getX(), rois = op.getRois(), batch = op.getBatchIndices();
    auto xType = getGraphTensor(x.getType());
    auto roiType = getGraphTensor(rois.getType());
    auto batchType = getGraphTensor(batch.getType());
    if (!xType || !xType.hasStaticShape() || xType.getRank() != 4 || !roiType ||
        !roiType.hasStaticShape() || roiType.getRank() != 2 ||
        roiType.getDimSize(1) != 4 || !batchType ||
        roiType.getElementType() != xType.getElementType())
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    int64_t ratio = op.getSamplingRatio();
    if (ratio <= 0)
      return rewriter.notifyMatchFailure(op, "adaptive sampling ratio");
    if (op.getMode() != "avg")
      return rewriter.notifyMatchFailure(op, "max mode");
    int64_t height = xType.getDimSize(2), width = xType.getDimSize(3);
    if (height < 2 || width < 2)
      return rewriter.notifyMatchFailure(op, "image smaller than 2x2");
    // Opset 10 has no coordinate_transformation_mode: output_half_pixel.
    auto transformAttr = op->template getAttrOfType<StringAttr>(
        "coordinate_transformation_mode");
    StringRef transform = transformAttr ? transformAttr.getValue()
                          : std::is_same_v<OnnxOp, onnx::RoiAlign_v10Op>
                              ? "output_half_pixel"
                              : "half_pixel";
    bool halfPixel = transform == "half_pixel";
    if (!halfPixel && transform != "output_half_pixel")
      return rewriter.notifyMatchFailure(op, "unknown coordinate transform");
    int64_t regions = roiType.getDimSize(0);
    int64_t outH = op.getOutputHeight(), outW = op.getOutputWidth();
    Location loc = op.getLoc();
    Type element = xType.getElementType();
    double scale = toDouble(op.getSpatialScaleAttr().getValue());
    auto scalar = [&](double v) {
      return createScalarConstant(rewriter, loc, element, v);
    };
    auto column = [&](int64_t c) {
      Value v = createValue<graph::SliceOp>(
          rewriter, loc, rois, rewriter.getDenseI64ArrayAttr({0, c}),
          rewriter.getDenseI64ArrayAttr({regions, c + 1}),
          rewriter.getDenseI64ArrayAttr({1, 1}));
      v = createValue<graph::MulOp>(rewriter, loc, v, scalar(scale));
      if (halfPixel)
        v = createValue<graph::SubOp>(rewriter, loc, v, scalar(0.5));
      return v;
    };
    // Sample positions along one axis: [R, points] in pixels, and whether
    // each lies in [-1, size].
    auto points = [&](int64_t first, int64_t bins,
                      int64_t size) -> std::pair<Value, Value> {
      Value start = column(first), end = column(first + 2);
      Value extent = createValue<graph::SubOp>(rewriter, loc, end, start);
      if (!halfPixel)
        extent = createValue<graph::MaxOp>(rewriter, loc, extent, scalar(1.0));
      int64_t count = bins * ratio;
      SmallVector<double> fractions;
      for (int64_t k = 0; k < count; ++k)
        fractions.push_back((static_cast<double>(k) + 0.5) /
                            static_cast<double>(count));
      Value steps = createConstant(
          rewriter, loc, RankedTensorType::get({1, count}, element), fractions);
      Value pos = createValue<graph::AddOp>(
          rewriter, loc, start,
          createValue<graph::MulOp>(rewriter, loc, extent, steps));
      Value inside = createValue<graph::AndOp>(
          rewriter, loc,
          createValue<graph::GreaterEqualOp>(rewriter, loc, pos, scalar(-1.0)),
          createValue<graph::LessEqualOp>(rewriter, loc, pos,
                                          scalar(static_cast<double>(size))));
      // Normalised for align_corners: -1 at pixel 0, 1 at pixel size - 1.
      double toUnit = 2.0 / static_cast<double>(size - 1);
      Value normalised = createValue<graph::SubOp>(
          rewriter, loc,
          createValue<graph::MulOp>(rewriter, loc, pos, scalar(toUnit)),
          scalar(1.0));
      return {normalised, inside};
    };
    auto [xs, insideX] = points(0, outW, width);
    auto [ys, insideY] = points(1, outH, height);
    int64_t kx = outW * ratio, ky = outH * ratio;
    auto reshape = [&](Value v, ArrayRef<int64_t> shape) {
      return createValue<graph::ReshapeOp>(
          rewriter, loc, v, Value(), rewriter.getDenseI64ArrayAttr(shape));
    };
    Value zeros = createConstant(
        rewriter, loc, RankedTensorType::get({regions, ky, kx, 1}, element),
        {0.0});
    Value gridX = createValue<graph::AddOp>(
        rewriter, loc, reshape(xs, {regions, 1, kx, 1}), zeros);
    Value gridY = createValue<graph::AddOp>(
        rewriter, loc, reshape(ys, {regions, ky, 1, 1}), zeros);
    Value grid = createValue<graph::ConcatOp>(
        rewriter, loc, ValueRange{gridX, gridY}, rewriter.getI64IntegerAttr(3));
    Value images = createValue<graph::GatherOp>(rewriter, loc, x, batch,
                                                rewriter.getI64IntegerAttr(0));
    Value sampled = createValue<graph::GridSampleOp>(
        rewriter, loc, images, grid, rewriter.getStringAttr("bilinear"),
        rewriter.getStringAttr("border"), rewriter.getBoolAttr(true));
    Value inside = createValue<graph::AndOp>(
        rewriter, loc, reshape(insideY, {regions, 1, ky, 1}),
        reshape(insideX, {regions, 1, 1, kx}));
    Value masked =
        createValue<graph::SelectOp>(rewriter, loc, inside, sampled, scalar(0));
    return replaceOp<graph::AvgPoolOp>(
        rewriter, op, masked, rewriter.getDenseI64ArrayAttr({ratio, ratio}),
        rewriter.getDenseI64ArrayAttr({ratio, ratio}),
        rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}),
        rewriter.getDenseI64ArrayAttr({1, 1}), rewriter.getBoolAttr(false),
        rewriter.getBoolAttr(false));
  }
};

} // namespace

void mica::onnx_to_graph::populateRoiAlignPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RoiAlignPattern<onnx::RoiAlignOp>>(patterns.getContext());
}
