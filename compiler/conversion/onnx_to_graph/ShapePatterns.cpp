//===- ShapePatterns.cpp - Data movement with attribute-like inputs -------===//
//
// Transpose, Concat, Gather, Shape (Shape-15's start/end as a slice of
// shape_of), and the ops whose graph form needs constant inputs: Expand
// (shape), Tile (repeats), Slice (starts/ends/axes/steps, spread over every
// dim with ONNX clamping left to graph.slice), Split (sizes, or equal parts
// of a static dim) and Pad (pads and value).
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

constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

template <typename OnnxOp> struct TransposePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto type = getGraphTensor(op.getData().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a ranked tensor");
    SmallVector<int64_t> perm(
        llvm::reverse(llvm::seq<int64_t>(0, type.getRank())));
    if (op.getPerm())
      perm = getI64s(op.getPerm());
    return replaceOp<graph::TransposeOp>(rewriter, op, op.getData(),
                                         rewriter.getDenseI64ArrayAttr(perm));
  }
};

template <typename OnnxOp> struct ConcatPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto axis = op->template getAttrOfType<IntegerAttr>("axis");
    return replaceOp<graph::ConcatOp>(
        rewriter, op, ValueRange(op.getInputs()),
        rewriter.getI64IntegerAttr(axis ? axis.getInt() : 1));
  }
};

template <typename OnnxOp> struct GatherPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Type index = getElementTypeOrSelf(op.getIndices().getType());
    if (!index.isInteger(32) && !index.isInteger(64))
      return rewriter.notifyMatchFailure(op, "indices are not i32/i64");
    return replaceOp<graph::GatherOp>(
        rewriter, op, op.getData(), op.getIndices(),
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getAxis())));
  }
};

/// Shape of every opset; Shape-15's start/end slice the shape.
template <typename OnnxOp> struct ShapePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto start = op->template getAttrOfType<IntegerAttr>("start");
    auto end = op->template getAttrOfType<IntegerAttr>("end");
    if ((!start || start.getInt() == 0) && !end)
      return replaceOp<graph::ShapeOfOp>(rewriter, op, op.getData());
    if (!mayRetype(op->getResult(0)))
      return rewriter.notifyMatchFailure(op,
                                         "unranked result used outside onnx");
    FailureOr<graph::ShapeOfOp> shape = createOp<graph::ShapeOfOp>(
        rewriter, op.getLoc(), Value(), op.getData());
    if (failed(shape))
      return rewriter.notifyMatchFailure(op, "input is not a ranked tensor");
    int64_t b = start ? start.getInt() : 0, e = end ? end.getInt() : kEnd;
    return replaceOp<graph::SliceOp>(
        rewriter, op, shape->getResult(), rewriter.getDenseI64ArrayAttr({b}),
        rewriter.getDenseI64ArrayAttr({e}), rewriter.getDenseI64ArrayAttr({1}));
  }
};

template <typename OnnxOp> struct ExpandPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> shape = getConstantInts(op.getShape());
    if (shape)
      return replaceOp<graph::BroadcastToOp>(
          rewriter, op, op.getInput(), Value(),
          rewriter.getDenseI64ArrayAttr(*shape));
    // A shape computed at run time (from symbolic dims): read when it runs;
    // canonicalisation moves the entries that are known into the attribute.
    auto target = getGraphTensor(op.getShape().getType());
    // Not before the shape's producer converted: it may still fold.
    if (!target || target.getRank() != 1 || !target.hasStaticShape() ||
        !isConverted(op.getShape()))
      return rewriter.notifyMatchFailure(op, "shape not known yet");
    return replaceOp<graph::BroadcastToOp>(
        rewriter, op, op.getInput(), op.getShape(),
        rewriter.getDenseI64ArrayAttr(
            SmallVector<int64_t>(target.getDimSize(0), -1)));
  }
};

template <typename OnnxOp> struct TilePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> repeats =
        getConstantInts(op.getRepeats());
    if (!repeats)
      return rewriter.notifyMatchFailure(op, "repeats is not a constant");
    return replaceOp<graph::TileOp>(rewriter, op, op.getInput(),
                                    rewriter.getDenseI64ArrayAttr(*repeats));
  }
};

/// Spreads ONNX slice parameters over every dim of `data`.
LogicalResult rewriteSlice(PatternRewriter &rewriter, Operation *op, Value data,
                           ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
                           std::optional<SmallVector<int64_t>> axes,
                           std::optional<SmallVector<int64_t>> steps) {
  auto type = getGraphTensor(data.getType());
  if (!type)
    return rewriter.notifyMatchFailure(op, "input is not a ranked tensor");
  int64_t rank = type.getRank();
  size_t n = starts.size();
  if (!axes)
    axes = llvm::to_vector(llvm::seq<int64_t>(0, n));
  if (!steps)
    steps = SmallVector<int64_t>(n, 1);
  if (ends.size() != n || axes->size() != n || steps->size() != n)
    return rewriter.notifyMatchFailure(op, "parameter lengths differ");
  SmallVector<int64_t> b(rank, 0), e(rank, kEnd), s(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t k = 0; k < n; ++k) {
    std::optional<int64_t> axis = normalizeAxis((*axes)[k], rank);
    if (!axis || seen[*axis] || (*steps)[k] == 0)
      return rewriter.notifyMatchFailure(op, "invalid axes or steps");
    seen[*axis] = true;
    b[*axis] = starts[k];
    e[*axis] = ends[k];
    s[*axis] = (*steps)[k];
  }
  return replaceOp<graph::SliceOp>(
      rewriter, op, data, rewriter.getDenseI64ArrayAttr(b),
      rewriter.getDenseI64ArrayAttr(e), rewriter.getDenseI64ArrayAttr(s));
}

/// A Slice whose starts/ends are computed at run time (a sequence length)
/// becomes graph.dynamic_slice; its axes and steps must still be constant.
LogicalResult rewriteDynamicSlice(PatternRewriter &rewriter, Operation *op,
                                  Value data, Value starts, Value ends,
                                  Value axesValue, Value stepsValue) {
  auto type = getGraphTensor(data.getType());
  auto startsType = dyn_cast<RankedTensorType>(starts.getType());
  if (!type || !startsType || startsType.getRank() != 1 ||
      startsType.isDynamicDim(0))
    return rewriter.notifyMatchFailure(op, "starts has no static length");
  int64_t n = startsType.getDimSize(0);
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, n));
  SmallVector<int64_t> steps(n, 1);
  if (!isNone(axesValue)) {
    std::optional<SmallVector<int64_t>> constant = getConstantInts(axesValue);
    if (!constant)
      return rewriter.notifyMatchFailure(op, "axes are not constant");
    axes = *constant;
  }
  if (!isNone(stepsValue)) {
    std::optional<SmallVector<int64_t>> constant = getConstantInts(stepsValue);
    if (!constant)
      return rewriter.notifyMatchFailure(op, "steps are not constant");
    steps = *constant;
  }
  return replaceOp<graph::DynamicSliceOp>(rewriter, op, data, starts, ends,
                                          rewriter.getDenseI64ArrayAttr(axes),
                                          rewriter.getDenseI64ArrayAttr(steps));
}

template <typename OnnxOp> struct SlicePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto starts = getConstantInts(op.getStarts());
    auto ends = getConstantInts(op.getEnds());
    std::optional<SmallVector<int64_t>> axes, steps;
    bool known = starts && ends;
    if (!isNone(op.getAxes()))
      known &= (axes = getConstantInts(op.getAxes())).has_value();
    if (!isNone(op.getSteps()))
      known &= (steps = getConstantInts(op.getSteps())).has_value();
    if (known)
      return rewriteSlice(rewriter, op, op.getData(), *starts, *ends, axes,
                          steps);
    return rewriteDynamicSlice(rewriter, op, op.getData(), op.getStarts(),
                               op.getEnds(), op.getAxes(), op.getSteps());
  }
};

/// A Slice whose parameters are computed at run time has no graph form
/// (graph.slice takes attributes only) and stays in onnx; ONNX shape
/// inference then gives up on its result, which would keep everything
/// downstream in onnx too. This refines that result type in place to the
/// input's rank, with the dims outside the sliced axes copied.
template <typename OnnxOp> struct RefineSliceType : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    Value result = op->getResult(0);
    if (!type || isa<RankedTensorType>(result.getType()) ||
        !usersAcceptRefinement(result))
      return rewriter.notifyMatchFailure(op, "nothing to refine");
    int64_t rank = type.getRank();
    SmallVector<int64_t> dims(rank, ShapedType::kDynamic);
    if (!isNone(op.getAxes())) {
      std::optional<SmallVector<int64_t>> axes = getConstantInts(op.getAxes());
      if (axes) {
        dims.assign(type.getShape().begin(), type.getShape().end());
        for (int64_t axis : *axes)
          if (std::optional<int64_t> a = normalizeAxis(axis, rank))
            dims[*a] = ShapedType::kDynamic;
      }
    }
    rewriter.modifyOpInPlace(op, [&] {
      result.setType(RankedTensorType::get(dims, type.getElementType()));
    });
    return success();
  }
};

/// Split of every opset: sizes from the `split` input or attribute, else
/// equal parts of a static dim.
template <typename OnnxOp> struct SplitPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    auto type = getGraphTensor(input.getType());
    auto axisAttr = op->template getAttrOfType<IntegerAttr>("axis");
    int64_t axis = axisAttr ? axisAttr.getInt() : 0;
    std::optional<int64_t> dim =
        type ? normalizeAxis(axis, type.getRank()) : std::nullopt;
    if (!dim)
      return rewriter.notifyMatchFailure(op, "unranked input or bad axis");
    std::optional<SmallVector<int64_t>> sizes;
    if (auto attr = op->template getAttrOfType<ArrayAttr>("split"))
      sizes = getI64s(attr);
    else if (op->getNumOperands() > 1 && !isNone(op->getOperand(1)))
      if (!(sizes = getConstantInts(op->getOperand(1))))
        return rewriter.notifyMatchFailure(op, "split is not a constant");
    int64_t parts = op->getNumResults();
    if (!sizes) {
      int64_t size = type.getDimSize(*dim);
      if (ShapedType::isDynamic(size) || size % parts != 0)
        return rewriter.notifyMatchFailure(op, "no equal split of the dim");
      sizes = SmallVector<int64_t>(parts, size / parts);
    }
    if (!llvm::all_of(op->getResults(), mayRetype))
      return rewriter.notifyMatchFailure(op,
                                         "unranked result used outside onnx");
    FailureOr<graph::SplitOp> split =
        createOp<graph::SplitOp>(rewriter, op.getLoc(), op->getResults(), input,
                                 rewriter.getI64IntegerAttr(axis),
                                 rewriter.getDenseI64ArrayAttr(*sizes));
    if (failed(split))
      return rewriter.notifyMatchFailure(op, "sizes do not split the dim");
    rewriter.replaceOp(op, split->getResults());
    return success();
  }
};

LogicalResult rewritePad(PatternRewriter &rewriter, Operation *op,
                         ArrayRef<int64_t> pads, StringRef mode, double value) {
  if (!llvm::is_contained({"constant", "reflect", "edge"}, mode))
    return rewriter.notifyMatchFailure(op, "unsupported pad mode");
  return replaceOp<graph::PadOp>(
      rewriter, op, op->getOperand(0), rewriter.getDenseI64ArrayAttr(pads),
      rewriter.getStringAttr(mode), getF64Attr(rewriter, value));
}

/// Pad-11/13: constant `pads` and optional scalar `constant_value` inputs.
template <typename OnnxOp> struct PadInputPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> pads = getConstantInts(op.getPads());
    std::optional<double> value = 0.0;
    if (!isNone(op.getConstantValue()))
      value = getConstantScalar(op.getConstantValue());
    if (!pads || !value)
      return rewriter.notifyMatchFailure(op, "pads/value are not constant");
    return rewritePad(rewriter, op, *pads, op.getMode(), *value);
  }
};

} // namespace

void mica::onnx_to_graph::populateShapePatterns(RewritePatternSet &patterns) {
  patterns
      .add<TransposePattern<onnx::TransposeOp>, ConcatPattern<onnx::ConcatOp>,
           GatherPattern<onnx::GatherOp>, ShapePattern<onnx::ShapeOp>,
           ExpandPattern<onnx::ExpandOp>, TilePattern<onnx::TileOp>,
           SlicePattern<onnx::SliceOp>, RefineSliceType<onnx::SliceOp>,
           SplitPattern<onnx::SplitOp>, PadInputPattern<onnx::PadOp>>(
          patterns.getContext());
}
