//===- IndexingPatterns.cpp - Gathers, scatters and CumSum ----------------===//
//
// GatherElements, ScatterElements (and its opset-9 name Scatter), GatherND,
// ScatterND and CumSum (constant axis) map one to one onto the graph
// indexing ops.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

bool isIndexTensor(Value value) {
  Type element = getElementTypeOrSelf(value.getType());
  return element.isInteger(32) || element.isInteger(64);
}

/// The `reduction` attribute of opset-16 scatters ("none" before).
StringAttr reductionOf(PatternRewriter &rewriter, Operation *op) {
  if (auto attr = op->getAttrOfType<StringAttr>("reduction"))
    return attr;
  return rewriter.getStringAttr("none");
}

template <typename OnnxOp>
struct GatherElementsPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!isIndexTensor(op.getIndices()))
      return rewriter.notifyMatchFailure(op, "indices are not i32/i64");
    return replaceOp<graph::GatherElementsOp>(
        rewriter, op, op.getData(), op.getIndices(),
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getAxis())));
  }
};

template <typename OnnxOp>
struct ScatterElementsPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!isIndexTensor(op.getIndices()))
      return rewriter.notifyMatchFailure(op, "indices are not i32/i64");
    return replaceOp<graph::ScatterElementsOp>(
        rewriter, op, op.getData(), op.getIndices(), op.getUpdates(),
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getAxis())),
        reductionOf(rewriter, op));
  }
};

template <typename OnnxOp> struct GatherNdPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getIndices().getType() ||
        !getElementTypeOrSelf(op.getIndices().getType()).isInteger(64))
      return rewriter.notifyMatchFailure(op, "indices are not i64");
    auto batch = op->template getAttrOfType<IntegerAttr>("batch_dims");
    return replaceOp<graph::GatherNdOp>(
        rewriter, op, op.getData(), op.getIndices(),
        rewriter.getI64IntegerAttr(batch ? batch.getInt() : 0));
  }
};

template <typename OnnxOp> struct ScatterNdPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!isIndexTensor(op.getIndices()))
      return rewriter.notifyMatchFailure(op, "indices are not i64");
    return replaceOp<graph::ScatterNdOp>(rewriter, op, op.getData(),
                                         op.getIndices(), op.getUpdates(),
                                         reductionOf(rewriter, op));
  }
};

template <typename OnnxOp> struct CumSumPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> axis = getConstantInts(op.getAxis());
    if (!axis || axis->size() != 1)
      return rewriter.notifyMatchFailure(op, "axis is not a constant");
    return replaceOp<graph::CumSumOp>(
        rewriter, op, op.getX(), rewriter.getI64IntegerAttr(axis->front()),
        rewriter.getBoolAttr(op.getExclusive() != 0),
        rewriter.getBoolAttr(op.getReverse() != 0));
  }
};

/// TopK with a constant k (an attribute before opset 10). `sorted = 0`
/// allows any order; the sorted one is a valid answer.
template <typename OnnxOp> struct TopKPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> k;
    if (auto attr = op->template getAttrOfType<IntegerAttr>("k"))
      k = attr.getInt();
    else if (op->getNumOperands() > 1)
      if (std::optional<double> value = getConstantScalar(op->getOperand(1)))
        k = static_cast<int64_t>(*value);
    if (!k)
      return rewriter.notifyMatchFailure(op, "k is not a constant");
    auto largest = op->template getAttrOfType<IntegerAttr>("largest");
    auto axis = op->template getAttrOfType<IntegerAttr>("axis");
    FailureOr<graph::TopKOp> topk = createOp<graph::TopKOp>(
        rewriter, op.getLoc(), op->getResults(), op->getOperand(0),
        rewriter.getI64IntegerAttr(*k),
        rewriter.getI64IntegerAttr(axis ? axis.getInt() : -1),
        rewriter.getBoolAttr(!largest || largest.getInt() != 0));
    if (failed(topk))
      return rewriter.notifyMatchFailure(op, "shape function rejects it");
    replaceResults(rewriter, op, topk->getResults());
    return success();
  }
};

struct EinsumPattern : OpRewritePattern<onnx::EinsumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::EinsumOp op,
                                PatternRewriter &rewriter) const override {
    return replaceOp<graph::EinsumOp>(
        rewriter, op, ValueRange(op->getOperands()), op.getEquationAttr());
  }
};

template <typename OnnxOp> struct NonZeroPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    return replaceOp<graph::NonZeroOp>(rewriter, op, op->getOperand(0));
  }
};

/// Compress: gather the slices along `axis` (of the flattened input when
/// there is none) at the positions where `condition` is true; a condition
/// shorter than the axis selects among its first entries, a longer one must
/// be false beyond it.
template <typename OnnxOp> struct CompressPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0), condition = op->getOperand(1);
    auto type = getGraphTensor(input.getType());
    auto condType = getGraphTensor(condition.getType());
    if (!type || !type.hasStaticShape() || !condType ||
        condType.getRank() != 1 || !condType.hasStaticShape() ||
        !condType.getElementType().isInteger(1))
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    auto axisAttr = op->template getAttrOfType<IntegerAttr>("axis");
    int64_t axis = 0;
    if (axisAttr) {
      std::optional<int64_t> a =
          normalizeAxis(axisAttr.getInt(), type.getRank());
      if (!a)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      axis = *a;
    } else {
      input = createValue<graph::ReshapeOp>(
          rewriter, loc, input, Value(),
          rewriter.getDenseI64ArrayAttr({type.getNumElements()}));
    }
    int64_t extent = cast<RankedTensorType>(input.getType()).getDimSize(axis);
    if (condType.getDimSize(0) > extent)
      condition = createValue<graph::SliceOp>(
          rewriter, loc, condition, rewriter.getDenseI64ArrayAttr({0}),
          rewriter.getDenseI64ArrayAttr({extent}),
          rewriter.getDenseI64ArrayAttr({1}));
    Value positions = createValue<graph::NonZeroOp>(rewriter, loc, condition);
    Value flat = createValue<graph::ReshapeOp>(
        rewriter, loc, positions, Value(), rewriter.getDenseI64ArrayAttr({-1}));
    return replaceOp<graph::GatherOp>(rewriter, op, input, flat,
                                      rewriter.getI64IntegerAttr(axis));
  }
};

/// NonMaxSuppression with a constant max_output_boxes_per_class (absent or
/// 0 selects nothing).
template <typename OnnxOp>
struct NonMaxSuppressionPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto operand = [&](unsigned i) -> Value {
      return i < op->getNumOperands() && !isNone(op->getOperand(i))
                 ? op->getOperand(i)
                 : Value();
    };
    int64_t maxOutput = 0;
    if (Value m = operand(2)) {
      std::optional<double> value = getConstantScalar(m);
      if (!value)
        return rewriter.notifyMatchFailure(op, "max boxes is not constant");
      maxOutput = static_cast<int64_t>(*value);
    }
    Location loc = op.getLoc();
    Value iou = operand(3);
    Type element = getElementTypeOrSelf(op->getOperand(0).getType());
    if (!iou)
      iou = createScalarConstant(rewriter, loc, element, 0.0);
    auto center = op->template getAttrOfType<IntegerAttr>("center_point_box");
    return replaceOp<graph::NonMaxSuppressionOp>(
        rewriter, op, op->getOperand(0), op->getOperand(1), iou, operand(4),
        rewriter.getI64IntegerAttr(maxOutput),
        rewriter.getBoolAttr(center && center.getInt() != 0));
  }
};

/// Unique: without an axis, of the flattened input along axis 0.
struct UniquePattern : OpRewritePattern<onnx::UniqueOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::UniqueOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getX();
    auto type = getGraphTensor(input.getType());
    if (!type || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs a static input shape");
    Location loc = op.getLoc();
    int64_t axis = 0;
    if (auto attr = op->getAttrOfType<IntegerAttr>("axis")) {
      std::optional<int64_t> a = normalizeAxis(attr.getInt(), type.getRank());
      if (!a)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      axis = *a;
    } else if (type.getRank() != 1) {
      input = createValue<graph::ReshapeOp>(
          rewriter, loc, input, Value(),
          rewriter.getDenseI64ArrayAttr({type.getNumElements()}));
    }
    // Absent optional outputs (type none) are typed by the shape function.
    SmallVector<Value> replaced;
    for (Value result : op->getResults())
      replaced.push_back(isa<TensorType>(result.getType()) ? result : Value());
    auto sorted = op->getAttrOfType<IntegerAttr>("sorted");
    FailureOr<graph::UniqueOp> unique = createOp<graph::UniqueOp>(
        rewriter, loc, replaced, input, rewriter.getI64IntegerAttr(axis),
        rewriter.getBoolAttr(!sorted || sorted.getInt() != 0));
    if (failed(unique))
      return rewriter.notifyMatchFailure(op, "shape function rejects it");
    SmallVector<Value> values(unique->getResults());
    for (auto [value, result] : llvm::zip_equal(values, replaced))
      if (!result)
        value = Value();
    replaceResults(rewriter, op, values);
    return success();
  }
};

} // namespace

void mica::onnx_to_graph::populateIndexingPatterns(
    RewritePatternSet &patterns) {
  patterns.add<
      GatherElementsPattern<onnx::GatherElementsOp>,
      ScatterElementsPattern<onnx::ScatterElementsOp>,
      GatherNdPattern<onnx::GatherNDOp>, ScatterNdPattern<onnx::ScatterNDOp>,
      CumSumPattern<onnx::CumSumOp>, TopKPattern<onnx::TopKOp>, EinsumPattern,
      NonZeroPattern<onnx::NonZeroOp>, CompressPattern<onnx::CompressOp>,
      NonMaxSuppressionPattern<onnx::NonMaxSuppressionOp>, UniquePattern>(
      patterns.getContext());
}
