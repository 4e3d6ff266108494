//===- CompositePatterns.cpp - Ops built from several graph ops -----------===//
//
// ONNX ops whose graph form is a small composition of existing graph ops:
// Size (a constant), EyeLike (a constant), Dropout with its mask output,
// Trilu (a mask of constant positions against a run-time k), DepthToSpace /
// SpaceToDepth (reshape-transpose-reshape), OneHot (positions compared with
// the indices), Clip with run-time bounds (max/min) and LayerNormalization
// whose Mean/InvStdDev outputs are used (written out as reductions).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

/// Size: the element count of a static shape.
template <typename OnnxOp> struct SizePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto type = getGraphTensor(op->getOperand(0).getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not ranked");
    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type();
    // The static dims' product times each dynamic dim (a run-time Size whose
    // bound follows from the input's).
    int64_t product = 1;
    for (int64_t d : type.getShape())
      if (!ShapedType::isDynamic(d))
        product *= d;
    Value size =
        createScalarConstant(rewriter, loc, i64, static_cast<double>(product));
    Value shape;
    for (auto [i, d] : llvm::enumerate(type.getShape())) {
      if (!ShapedType::isDynamic(d))
        continue;
      if (!shape)
        shape = createValue<graph::ShapeOfOp>(rewriter, loc, op->getOperand(0));
      Value index =
          createScalarConstant(rewriter, loc, i64, static_cast<double>(i));
      Value dim = createValue<graph::GatherOp>(rewriter, loc, shape, index,
                                               rewriter.getI64IntegerAttr(0));
      size = createValue<graph::MulOp>(rewriter, loc, size, dim);
      if (!size)
        return rewriter.notifyMatchFailure(op, "shape arithmetic");
    }
    return forwardValue(rewriter, op, size);
  }
};

/// EyeLike: ones on the k-th diagonal of a static 2-D shape.
struct EyeLikePattern : OpRewritePattern<onnx::EyeLikeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::EyeLikeOp op,
                                PatternRewriter &rewriter) const override {
    auto input = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto result = dyn_cast<TensorType>(op.getType());
    if (!input || !input.hasStaticShape() || input.getRank() != 2 || !result)
      return rewriter.notifyMatchFailure(op, "input is not a static matrix");
    auto type =
        RankedTensorType::get(input.getShape(), result.getElementType());
    if (!isGraphTensor(type))
      return rewriter.notifyMatchFailure(op, "element type has no graph form");
    int64_t k = op.getK();
    SmallVector<double> values;
    for (int64_t i = 0; i < type.getDimSize(0); ++i)
      for (int64_t j = 0; j < type.getDimSize(1); ++j)
        values.push_back(j - i == k ? 1.0 : 0.0);
    return forwardValue(rewriter, op,
                        createConstant(rewriter, op.getLoc(), type, values));
  }
};

/// Dropout that drops nothing (inference, or training with ratio 0): the
/// output is the input and the mask is all true.
template <typename OnnxOp>
struct DropoutMaskPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value data = op->getOperand(0);
    if (op->getNumResults() < 2 || op->getResult(1).use_empty())
      return rewriter.notifyMatchFailure(op, "no mask is used");
    if (!isIdentityDropout(op))
      return rewriter.notifyMatchFailure(op, "training mode drops values");
    auto type = dyn_cast<RankedTensorType>(data.getType());
    if (!type || !type.hasStaticShape() ||
        !getElementTypeOrSelf(op->getResult(1).getType()).isInteger(1) ||
        !canStandFor(op->getResult(0), data))
      return rewriter.notifyMatchFailure(op, "input shape is not static");
    auto maskType =
        RankedTensorType::get(type.getShape(), rewriter.getI1Type());
    Value mask = graph::ConstantOp::create(
        rewriter, op.getLoc(), DenseElementsAttr::get(maskType, true));
    replaceResults(rewriter, op, {data, mask});
    return success();
  }
};

/// Trilu: keeps x where (col - row) >= k (upper) or <= k (lower), else 0;
/// k is a run-time scalar or absent (0).
struct TriluPattern : OpRewritePattern<onnx::TriluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::TriluOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getInput();
    auto type = getGraphTensor(x.getType());
    if (!type || type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "input is not a graph matrix");
    int64_t rows = type.getDimSize(type.getRank() - 2);
    int64_t cols = type.getDimSize(type.getRank() - 1);
    if (ShapedType::isDynamic(rows) || ShapedType::isDynamic(cols))
      return rewriter.notifyMatchFailure(op, "matrix dims are not static");
    Location loc = op.getLoc();
    SmallVector<double> diagonal;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        diagonal.push_back(static_cast<double>(j - i));
    Value offsets = createConstant(
        rewriter, loc,
        RankedTensorType::get({rows, cols}, rewriter.getI64Type()), diagonal);
    Value k = isNone(op.getK()) ? createScalarConstant(rewriter, loc,
                                                       rewriter.getI64Type(), 0)
                                : op.getK();
    if (auto kType = getGraphTensor(k.getType()); kType && kType.getRank() == 1)
      k = createValue<graph::ReshapeOp>(rewriter, loc, k, Value(),
                                        rewriter.getDenseI64ArrayAttr({}));
    if (!k || !getGraphTensor(k.getType()))
      return rewriter.notifyMatchFailure(op, "k is not an i64 scalar");
    Value keep =
        op.getUpper() != 0
            ? createValue<graph::GreaterEqualOp>(rewriter, loc, offsets, k)
            : createValue<graph::LessEqualOp>(rewriter, loc, offsets, k);
    Value zero = createScalarConstant(rewriter, loc, type.getElementType(), 0);
    return replaceOp<graph::SelectOp>(rewriter, op, keep, x, zero);
  }
};

/// DepthToSpace (DCR or CRD) and SpaceToDepth on static NCHW shapes:
/// reshape to 6-D, transpose, reshape back.
template <typename OnnxOp, bool toSpace>
struct DepthSpacePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto type = getGraphTensor(x.getType());
    int64_t b = op.getBlocksize();
    if (!type || type.getRank() != 4 || !type.hasStaticShape() || b <= 0)
      return rewriter.notifyMatchFailure(op, "input is not static 4-D");
    int64_t n = type.getDimSize(0), c = type.getDimSize(1),
            h = type.getDimSize(2), w = type.getDimSize(3);
    SmallVector<int64_t> split, perm, merged;
    if (toSpace) {
      if (c % (b * b))
        return rewriter.notifyMatchFailure(op, "C is not a multiple of b^2");
      auto mode = op->template getAttrOfType<StringAttr>("mode");
      if (mode && mode.getValue() == "CRD") {
        split = {n, c / (b * b), b, b, h, w};
        perm = {0, 1, 4, 2, 5, 3};
      } else {
        split = {n, b, b, c / (b * b), h, w};
        perm = {0, 3, 4, 1, 5, 2};
      }
      merged = {n, c / (b * b), h * b, w * b};
    } else {
      if (h % b || w % b)
        return rewriter.notifyMatchFailure(op, "H or W is not a multiple of b");
      split = {n, c, h / b, b, w / b, b};
      perm = {0, 3, 5, 1, 2, 4};
      merged = {n, c * b * b, h / b, w / b};
    }
    Location loc = op.getLoc();
    Value six = createValue<graph::ReshapeOp>(
        rewriter, loc, x, Value(), rewriter.getDenseI64ArrayAttr(split));
    Value moved = createValue<graph::TransposeOp>(
        rewriter, loc, six, rewriter.getDenseI64ArrayAttr(perm));
    return replaceOp<graph::ReshapeOp>(rewriter, op, moved, Value(),
                                       rewriter.getDenseI64ArrayAttr(merged));
  }
};

/// OneHot: values[1] where position == index along the new axis, values[0]
/// elsewhere; indices of any numeric type (truncated), negative ones count
/// from depth; depth must be constant.
template <typename OnnxOp> struct OneHotPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value indices = op.getIndices(), values = op.getValues();
    auto indicesType = getGraphTensor(indices.getType());
    auto valuesType = getGraphTensor(values.getType());
    std::optional<double> depthValue = getConstantScalar(op.getDepth());
    if (!indicesType || !valuesType || valuesType.getRank() != 1 ||
        valuesType.getDimSize(0) != 2 || !depthValue)
      return rewriter.notifyMatchFailure(op, "needs constant depth and a "
                                             "2-element values tensor");
    int64_t depth = static_cast<int64_t>(*depthValue);
    int64_t rank = indicesType.getRank() + 1;
    std::optional<int64_t> axis =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    if (!axis || depth <= 0)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type();
    Value index = indices;
    if (indicesType.getElementType() != i64)
      index =
          graph::CastOp::create(rewriter, loc, indicesType.clone(i64), indices);
    Value depthConst = createScalarConstant(rewriter, loc, i64, depth);
    Value zero = createScalarConstant(rewriter, loc, i64, 0);
    Value negative = createValue<graph::LessOp>(rewriter, loc, index, zero);
    Value wrapped = createValue<graph::AddOp>(rewriter, loc, index, depthConst);
    index =
        createValue<graph::SelectOp>(rewriter, loc, negative, wrapped, index);
    SmallVector<int64_t> expanded(indicesType.getShape());
    expanded.insert(expanded.begin() + *axis, 1);
    index = createValue<graph::ReshapeOp>(
        rewriter, loc, index, Value(), rewriter.getDenseI64ArrayAttr(expanded));
    SmallVector<int64_t> iotaShape(rank, 1);
    iotaShape[*axis] = depth;
    SmallVector<double> iota;
    for (int64_t i = 0; i < depth; ++i)
      iota.push_back(static_cast<double>(i));
    Value positions = createConstant(
        rewriter, loc, RankedTensorType::get(iotaShape, i64), iota);
    Value hit = createValue<graph::EqualOp>(rewriter, loc, positions, index);
    auto one = [&](int64_t i) {
      return createValue<graph::SliceOp>(rewriter, loc, values,
                                         rewriter.getDenseI64ArrayAttr({i}),
                                         rewriter.getDenseI64ArrayAttr({i + 1}),
                                         rewriter.getDenseI64ArrayAttr({1}));
    };
    Value off = one(0), on = one(1);
    if (!hit || !off || !on)
      return rewriter.notifyMatchFailure(op, "shapes do not combine");
    return replaceOp<graph::SelectOp>(rewriter, op, hit, on, off);
  }
};

/// Clip-11+ with a run-time min or max: max(x, min) then min(., max).
template <typename OnnxOp> struct ClipTensorPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0), lo = op.getMin(), hi = op.getMax();
    auto type = getGraphTensor(x.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a graph tensor");
    bool runtime = (!isNone(lo) && !getConstantScalar(lo)) ||
                   (!isNone(hi) && !getConstantScalar(hi));
    if (!runtime)
      return rewriter.notifyMatchFailure(op, "constant bounds (ClipInput)");
    for (Value bound : {lo, hi})
      if (!isNone(bound) &&
          getElementTypeOrSelf(bound.getType()) != type.getElementType())
        return rewriter.notifyMatchFailure(op, "bound type differs");
    Location loc = op.getLoc();
    Value result = x;
    if (!isNone(lo))
      result = createValue<graph::MaxOp>(rewriter, loc, result, lo);
    if (!result)
      return rewriter.notifyMatchFailure(op, "min does not broadcast");
    if (isNone(hi))
      return forwardValue(rewriter, op, result);
    return replaceOp<graph::MinOp>(rewriter, op, result, hi);
  }
};

/// LayerNormalization whose Mean or InvStdDev output is used:
///   mean = reduce_mean(x, axes); d = x - mean;
///   inv = 1 / sqrt(reduce_mean(d * d, axes) + epsilon);
///   y = d * inv * scale (+ bias)
/// over axes [axis, rank), keeping dims (the shape of Mean and InvStdDev).
struct LayerNormStatsPattern : OpRewritePattern<onnx::LayerNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::LayerNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    if (onlyFirstResultUsed(op))
      return rewriter.notifyMatchFailure(op, "graph.layer_norm handles it");
    Value x = op.getX();
    auto type = getGraphTensor(x.getType());
    if (!type || !hasFloatElements(type) ||
        !getGraphTensor(op.getScale().getType()))
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    std::optional<int64_t> axis =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), type.getRank());
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    Type element = type.getElementType();
    SmallVector<int64_t> axes;
    for (int64_t i = *axis; i < type.getRank(); ++i)
      axes.push_back(i);
    auto mean = [&](Value v) {
      return createValue<graph::ReduceOp>(
          rewriter, loc,
          graph::ReduceKindAttr::get(rewriter.getContext(),
                                     graph::ReduceKind::mean),
          v, rewriter.getDenseI64ArrayAttr(axes), rewriter.getBoolAttr(true));
    };
    Value mu = mean(x);
    Value d = createValue<graph::SubOp>(rewriter, loc, x, mu);
    Value var = mean(createValue<graph::MulOp>(rewriter, loc, d, d));
    Value eps =
        createScalarConstant(rewriter, loc, element, toDouble(op.getEpsilon()));
    Value inv = createValue<graph::RsqrtOp>(
        rewriter, loc, createValue<graph::AddOp>(rewriter, loc, var, eps));
    Value y = createValue<graph::MulOp>(
        rewriter, loc, createValue<graph::MulOp>(rewriter, loc, d, inv),
        op.getScale());
    if (y && !isNone(op.getB()))
      y = createValue<graph::AddOp>(rewriter, loc, y, op.getB());
    if (!y || !canStandFor(op->getResult(0), y) ||
        !canStandFor(op->getResult(1), mu) ||
        !canStandFor(op->getResult(2), inv))
      return rewriter.notifyMatchFailure(op, "result types differ");
    replaceResults(rewriter, op, {y, mu, inv});
    return success();
  }
};

/// Pad-11/13 in constant mode with a run-time constant_value: pad with 0,
/// then pick the value where a constant mask marks padding.
template <typename OnnxOp>
struct PadRuntimeValuePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getData(), value = op.getConstantValue();
    auto type = getGraphTensor(x.getType());
    std::optional<SmallVector<int64_t>> pads = getConstantInts(op.getPads());
    if (isNone(value) || getConstantScalar(value) || !pads ||
        op.getMode() != "constant" || !type || !type.hasStaticShape() ||
        pads->size() != 2 * size_t(type.getRank()) ||
        getElementTypeOrSelf(value.getType()) != type.getElementType())
      return rewriter.notifyMatchFailure(op, "not a run-time pad value");
    int64_t rank = type.getRank();
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < rank; ++i)
      shape.push_back(type.getDimSize(i) + (*pads)[i] + (*pads)[i + rank]);
    if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
      return rewriter.notifyMatchFailure(op, "pads crop below zero");
    // mask[p] = p lies outside the (cropped) input.
    SmallVector<double> mask;
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    SmallVector<int64_t> index(rank, 0);
    for (int64_t linear = 0; linear < count; ++linear) {
      int64_t rest = linear;
      for (int64_t i = rank - 1; i >= 0; --i) {
        index[i] = rest % shape[i];
        rest /= shape[i];
      }
      bool outside = false;
      for (int64_t i = 0; i < rank; ++i) {
        int64_t source = index[i] - (*pads)[i];
        outside |= source < 0 || source >= type.getDimSize(i);
      }
      mask.push_back(outside ? 1.0 : 0.0);
    }
    Location loc = op.getLoc();
    Value padded = createValue<graph::PadOp>(
        rewriter, loc, x, rewriter.getDenseI64ArrayAttr(*pads),
        rewriter.getStringAttr("constant"), getF64Attr(rewriter, 0.0));
    Value maskConst = createConstant(
        rewriter, loc, RankedTensorType::get(shape, rewriter.getI1Type()),
        mask);
    return replaceOp<graph::SelectOp>(rewriter, op, maskConst, value, padded);
  }
};

/// Reshape with allowzero = 1 and a literal 0 in a static shape: the result
/// has no elements, a constant.
template <typename OnnxOp>
struct ReshapeAllowZeroPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto allowZero = op->template getAttrOfType<IntegerAttr>("allowzero");
    std::optional<SmallVector<int64_t>> shape = getConstantInts(op.getShape());
    auto type = getGraphTensor(op.getData().getType());
    if (!allowZero || allowZero.getInt() == 0 || !shape || !type ||
        !llvm::is_contained(*shape, 0) ||
        llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
      return rewriter.notifyMatchFailure(op, "not an empty allowzero reshape");
    auto resultType = RankedTensorType::get(*shape, type.getElementType());
    return forwardValue(rewriter, op,
                        createConstant(rewriter, op.getLoc(), resultType, {}));
  }
};

/// BatchNormalization in training mode (opset 14/15): normalise with the
/// batch statistics over every axis but 1, and return the updated running
/// mean and variance (input * momentum + batch * (1 - momentum); the batch
/// variance is the population variance).
template <typename OnnxOp>
struct BatchNormTrainingPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto training = op->template getAttrOfType<IntegerAttr>("training_mode");
    ValueRange in = op->getOperands();
    auto type = getGraphTensor(in[0].getType());
    if (!training || training.getInt() == 0 || !type ||
        !hasFloatElements(type) || type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "not training-mode batch norm");
    for (Value v : in.drop_front())
      if (!getGraphTensor(v.getType()) || !hasFloatElements(v.getType()))
        return rewriter.notifyMatchFailure(op, "parameters are not floats");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    Type element = type.getElementType();
    SmallVector<int64_t> axes{0};
    for (int64_t i = 2; i < rank; ++i)
      axes.push_back(i);
    auto mean = [&](Value v) {
      return createValue<graph::ReduceOp>(
          rewriter, loc,
          graph::ReduceKindAttr::get(rewriter.getContext(),
                                     graph::ReduceKind::mean),
          v, rewriter.getDenseI64ArrayAttr(axes), rewriter.getBoolAttr(true));
    };
    auto perChannel = [&](Value v) {
      return alongAxis(rewriter, loc, v, 1, rank);
    };
    Value mu = mean(in[0]);
    Value d = createValue<graph::SubOp>(rewriter, loc, in[0], mu);
    Value var = mean(createValue<graph::MulOp>(rewriter, loc, d, d));
    Value eps =
        createScalarConstant(rewriter, loc, element, toDouble(op.getEpsilon()));
    Value inv = createValue<graph::RsqrtOp>(
        rewriter, loc, createValue<graph::AddOp>(rewriter, loc, var, eps));
    Value y = createValue<graph::AddOp>(
        rewriter, loc,
        createValue<graph::MulOp>(
            rewriter, loc, createValue<graph::MulOp>(rewriter, loc, d, inv),
            perChannel(in[1])),
        perChannel(in[2]));
    double momentum = toDouble(op.getMomentum());
    auto flat = [&](Value v) {
      return createValue<graph::ReshapeOp>(rewriter, loc, v, Value(),
                                           rewriter.getDenseI64ArrayAttr({-1}));
    };
    auto running = [&](Value old, Value batch) {
      Value kept = createValue<graph::MulOp>(
          rewriter, loc, old,
          createScalarConstant(rewriter, loc, element, momentum));
      Value added = createValue<graph::MulOp>(
          rewriter, loc, flat(batch),
          createScalarConstant(rewriter, loc, element, 1.0 - momentum));
      return createValue<graph::AddOp>(rewriter, loc, kept, added);
    };
    SmallVector<Value> results{y, running(in[3], mu), running(in[4], var)};
    for (auto [result, value] : llvm::zip(op->getResults(), results))
      if (!value || (!result.use_empty() && !canStandFor(result, value)))
        return rewriter.notifyMatchFailure(op, "result types differ");
    SmallVector<Value> used;
    for (auto [result, value] : llvm::zip(op->getResults(), results))
      used.push_back(result.use_empty() ? Value() : value);
    replaceResults(rewriter, op, used);
    return success();
  }
};

/// LRN: x / (bias + alpha / size * sum of x^2 over `size` channels around
/// c)^beta. The channel window sum is an average pool (padding counted) of
/// x^2 viewed as [N, 1, C, rest] with a [size, 1] kernel, times size.
template <typename OnnxOp> struct LrnPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto type = getGraphTensor(x.getType());
    int64_t size = op.getSize();
    if (!type || !hasFloatElements(type) || type.getRank() < 3 ||
        !type.hasStaticShape() || size <= 0)
      return rewriter.notifyMatchFailure(op, "needs a static float N-D input");
    Location loc = op.getLoc();
    Type element = type.getElementType();
    int64_t n = type.getDimSize(0), c = type.getDimSize(1);
    int64_t rest = type.getNumElements() / (n * c);
    Value square = createValue<graph::MulOp>(rewriter, loc, x, x);
    Value view = createValue<graph::ReshapeOp>(
        rewriter, loc, square, Value(),
        rewriter.getDenseI64ArrayAttr({n, 1, c, rest}));
    int64_t before = (size - 1) / 2, after = size - 1 - before;
    Value avg = createValue<graph::AvgPoolOp>(
        rewriter, loc, view, rewriter.getDenseI64ArrayAttr({size, 1}),
        rewriter.getDenseI64ArrayAttr({1, 1}),
        rewriter.getDenseI64ArrayAttr({before, 0, after, 0}),
        rewriter.getDenseI64ArrayAttr({1, 1}), rewriter.getBoolAttr(false),
        rewriter.getBoolAttr(true));
    Value sum = createValue<graph::ReshapeOp>(
        rewriter, loc, avg, Value(),
        rewriter.getDenseI64ArrayAttr(type.getShape()));
    // alpha / size * (avg * size) = alpha * avg.
    Value scaled = createValue<graph::MulOp>(
        rewriter, loc, sum,
        createScalarConstant(rewriter, loc, element, toDouble(op.getAlpha())));
    Value base = createValue<graph::AddOp>(
        rewriter, loc, scaled,
        createScalarConstant(rewriter, loc, element, toDouble(op.getBias())));
    Value denom = createValue<graph::PowOp>(
        rewriter, loc, base,
        createScalarConstant(rewriter, loc, element, toDouble(op.getBeta())));
    return replaceOp<graph::DivOp>(rewriter, op, x, denom);
  }
};

/// ReverseSequence: along the time axis, batch entry b reads index
/// len[b] - 1 - t for t < len[b] and t otherwise (a gather_elements).
struct ReverseSequencePattern : OpRewritePattern<onnx::ReverseSequenceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ReverseSequenceOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0), lens = op->getOperand(1);
    auto type = getGraphTensor(x.getType());
    auto lensType = getGraphTensor(lens.getType());
    int64_t time = op.getTimeAxis(), batch = op.getBatchAxis();
    if (!type || !type.hasStaticShape() || !lensType ||
        !lensType.getElementType().isInteger(64) || time == batch || time < 0 ||
        batch < 0 || time > 1 || batch > 1)
      return rewriter.notifyMatchFailure(op, "needs a static input");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), steps = type.getDimSize(time);
    Type i64 = rewriter.getI64Type();
    SmallVector<int64_t> iotaShape(rank, 1);
    iotaShape[time] = steps;
    SmallVector<double> iota;
    for (int64_t t = 0; t < steps; ++t)
      iota.push_back(static_cast<double>(t));
    Value t = createConstant(rewriter, loc,
                             RankedTensorType::get(iotaShape, i64), iota);
    Value len = alongAxis(rewriter, loc, lens, batch, rank);
    SmallVector<int64_t> lenShape(rank, 1);
    lenShape[batch] = type.getDimSize(batch);
    len = createValue<graph::ReshapeOp>(
        rewriter, loc, len, Value(), rewriter.getDenseI64ArrayAttr(lenShape));
    Value inside = createValue<graph::LessOp>(rewriter, loc, t, len);
    Value last = createValue<graph::SubOp>(
        rewriter, loc, len, createScalarConstant(rewriter, loc, i64, 1));
    Value mirrored = createValue<graph::SubOp>(rewriter, loc, last, t);
    Value index =
        createValue<graph::SelectOp>(rewriter, loc, inside, mirrored, t);
    index = createValue<graph::BroadcastToOp>(
        rewriter, loc, index, Value(),
        rewriter.getDenseI64ArrayAttr(type.getShape()));
    if (!index)
      return rewriter.notifyMatchFailure(op, "shapes do not combine");
    return replaceOp<graph::GatherElementsOp>(rewriter, op, x, index,
                                              rewriter.getI64IntegerAttr(time));
  }
};

struct GridSamplePattern : OpRewritePattern<onnx::GridSampleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::GridSampleOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasFloatElements(op->getOperand(0).getType()) ||
        !hasFloatElements(op->getOperand(1).getType()))
      return rewriter.notifyMatchFailure(op, "non-float operands");
    return replaceOp<graph::GridSampleOp>(
        rewriter, op, op->getOperand(0), op->getOperand(1),
        rewriter.getStringAttr(op.getMode()),
        rewriter.getStringAttr(op.getPaddingMode()),
        rewriter.getBoolAttr(op.getAlignCorners() != 0));
  }
};

} // namespace

void mica::onnx_to_graph::populateCompositePatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<SizePattern<onnx::SizeOp>, EyeLikePattern,
           DropoutMaskPattern<onnx::DropoutOp>, TriluPattern,
           DepthSpacePattern<onnx::DepthToSpaceOp, true>,
           DepthSpacePattern<onnx::SpaceToDepthOp, false>,
           OneHotPattern<onnx::OneHotOp>, ClipTensorPattern<onnx::ClipOp>,
           LayerNormStatsPattern, PadRuntimeValuePattern<onnx::PadOp>,
           ReshapeAllowZeroPattern<onnx::ReshapeOp>,
           BatchNormTrainingPattern<onnx::BatchNormalizationOp>,
           LrnPattern<onnx::LRNOp>, ReverseSequencePattern, GridSamplePattern>(
          patterns.getContext());
}
