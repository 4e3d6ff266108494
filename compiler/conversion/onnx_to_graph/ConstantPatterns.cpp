//===- ConstantPatterns.cpp - Constants and identities --------------------===//
//
// Constant (every value_* spelling but strings and sparse tensors),
// ConstantOfShape and Range with constant inputs become graph.constant;
// Identity and inference-mode Dropout forward their input.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include <cmath>

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

/// Replaces `op` by a graph.constant of `value`.
LogicalResult replaceByConstant(PatternRewriter &rewriter, Operation *op,
                                ElementsAttr value) {
  Value result = op->getResult(0);
  if (!isGraphTensor(value.getType()))
    return rewriter.notifyMatchFailure(op, "element type has no graph form");
  if (!canRetype(result, value.getType()))
    return rewriter.notifyMatchFailure(op, "value type differs from result");
  rewriter.replaceOpWithNewOp<graph::ConstantOp>(op, value);
  return success();
}

/// The tensor of one Constant spelling, or null.
ElementsAttr readConstant(PatternRewriter &rewriter, Operation *op) {
  if (auto value = op->getAttrOfType<ElementsAttr>("value"))
    return value;
  auto list = [&](Type element, ArrayAttr values) -> ElementsAttr {
    auto type =
        RankedTensorType::get({static_cast<int64_t>(values.size())}, element);
    return DenseElementsAttr::get(type, llvm::to_vector(values.getValue()));
  };
  if (auto f = op->getAttrOfType<FloatAttr>("value_float"))
    return DenseElementsAttr::get(RankedTensorType::get({}, f.getType()),
                                  Attribute(f));
  if (auto i = op->getAttrOfType<IntegerAttr>("value_int"))
    return DenseElementsAttr::get(RankedTensorType::get({}, i.getType()),
                                  Attribute(i));
  if (auto fs = op->getAttrOfType<ArrayAttr>("value_floats"))
    return list(rewriter.getF32Type(), fs);
  if (auto is = op->getAttrOfType<ArrayAttr>("value_ints"))
    return list(rewriter.getI64Type(), is);
  return {};
}

template <typename OnnxOp> struct ConstantPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    ElementsAttr value = readConstant(rewriter, op);
    if (!value)
      return rewriter.notifyMatchFailure(op, "string or sparse constant");
    return replaceByConstant(rewriter, op, value);
  }
};

struct ConstantOfShapePattern : OpRewritePattern<onnx::ConstantOfShapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ConstantOfShapeOp op,
                                PatternRewriter &rewriter) const override {
    Attribute element = rewriter.getF32FloatAttr(0.0f);
    if (std::optional<ElementsAttr> value = op.getValue()) {
      auto dense = dyn_cast<DenseElementsAttr>(*value);
      if (!dense || dense.getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "value is not one element");
      element = *dense.getValues<Attribute>().begin();
    }
    Type elementType = cast<TypedAttr>(element).getType();
    std::optional<SmallVector<int64_t>> shape = getConstantInts(op.getInput());
    if (shape) {
      if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
        return rewriter.notifyMatchFailure(op, "negative shape entry");
      return replaceByConstant(
          rewriter, op,
          DenseElementsAttr::get(RankedTensorType::get(*shape, elementType),
                                 element));
    }
    // A shape computed at run time (from symbolic dims): the value broadcast
    // to it when the model runs.
    auto target = getGraphTensor(op.getInput().getType());
    // Not before the shape's producer converted: it may still fold.
    if (!target || target.getRank() != 1 || !target.hasStaticShape() ||
        !isConverted(op.getInput()))
      return rewriter.notifyMatchFailure(op, "shape not known yet");
    Value scalar = graph::ConstantOp::create(
        rewriter, op.getLoc(),
        DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                               element));
    return replaceOp<graph::BroadcastToOp>(
        rewriter, op, scalar, op.getInput(),
        rewriter.getDenseI64ArrayAttr(
            SmallVector<int64_t>(target.getDimSize(0), -1)));
  }
};

/// Range with constant scalar start/limit/delta:
/// max(ceil((limit - start) / delta), 0) elements start + i * delta.
struct RangePattern : OpRewritePattern<onnx::RangeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::RangeOp op,
                                PatternRewriter &rewriter) const override {
    auto start = getConstantAttr(op.getStart());
    auto limit = getConstantAttr(op.getLimit());
    auto delta = getConstantAttr(op.getDelta());
    if (!start || !limit || !delta || start->getNumElements() != 1 ||
        limit->getNumElements() != 1 || delta->getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "inputs are not constant scalars");
    Type element = start->getElementType();
    auto type = [&](int64_t n) { return RankedTensorType::get({n}, element); };
    if (auto integer = dyn_cast<IntegerType>(element)) {
      int64_t s = getConstantInts(op.getStart())->front();
      int64_t l = getConstantInts(op.getLimit())->front();
      int64_t d = getConstantInts(op.getDelta())->front();
      if (d == 0)
        return rewriter.notifyMatchFailure(op, "zero delta");
      int64_t n = std::max<int64_t>(
          0, static_cast<int64_t>(std::ceil(double(l - s) / double(d))));
      SmallVector<APInt> values;
      for (int64_t i = 0; i < n; ++i)
        values.push_back(APInt(integer.getWidth(), s + i * d, true));
      return replaceByConstant(rewriter, op,
                               DenseElementsAttr::get(type(n), values));
    }
    auto floatType = dyn_cast<FloatType>(element);
    double s = *getConstantScalar(op.getStart());
    double l = *getConstantScalar(op.getLimit());
    double d = *getConstantScalar(op.getDelta());
    if (!floatType || d == 0.0)
      return rewriter.notifyMatchFailure(op, "zero delta or odd type");
    int64_t n =
        std::max<int64_t>(0, static_cast<int64_t>(std::ceil((l - s) / d)));
    SmallVector<Attribute> values;
    for (int64_t i = 0; i < n; ++i)
      values.push_back(rewriter.getFloatAttr(floatType, s + i * d));
    return replaceByConstant(rewriter, op,
                             DenseElementsAttr::get(type(n), values));
  }
};

template <typename OnnxOp> struct IdentityPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    return forwardValue(rewriter, op, op->getOperand(0));
  }
};

/// Dropout that drops nothing (isIdentityDropout) and whose mask is unused.
template <typename OnnxOp> struct DropoutPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!isIdentityDropout(op))
      return rewriter.notifyMatchFailure(op, "training mode drops values");
    return forwardValue(rewriter, op, op->getOperand(0));
  }
};

} // namespace

void mica::onnx_to_graph::populateConstantPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConstantPattern<onnx::ConstantOp>, ConstantOfShapePattern,
               RangePattern, IdentityPattern<onnx::IdentityOp>,
               DropoutPattern<onnx::DropoutOp>>(patterns.getContext());
}
