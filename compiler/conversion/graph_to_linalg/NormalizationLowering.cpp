//===- NormalizationLowering.cpp - Softmax and norms -> linalg.generic ----===//
//
// softmax/log_softmax: max-reduce, exp(x - max), sum-reduce, divide (the
// max shift keeps exp from overflowing). Norms: two-pass mean and variance
// (sum(x) / n, then sum((x - mean)^2) / n, more accurate than E[x^2] - E[x]^2)
// followed by one elementwise generic `(x - mean) / sqrt(var + eps) * scale
// + bias`. All accumulation is in the element type, in loop order.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <numeric>

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

struct Moments {
  Value mean;
  Value variance;
};

/// Mean and (biased) variance of `x` over `dims`, as tensors of the kept dims.
Moments computeMoments(OpBuilder &b, Location loc, Value x,
                       ArrayRef<int64_t> dims) {
  Type element = cast<RankedTensorType>(x.getType()).getElementType();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, x);
  Value count = indexToFloat(b, loc, sizeProduct(b, loc, sizes, dims), element);
  Value zero = scalarConstant(b, loc, element, 0);
  auto divideByCount = [&](Value sum) {
    auto type = cast<RankedTensorType>(sum.getType());
    return buildElementwise(
        b, loc, type, sum, [&](OpBuilder &nb, Location nl, ValueRange args) {
          return arith::DivFOp::create(nb, nl, args[0], count).getResult();
        });
  };
  Value sum = buildReduction(b, loc, x, dims, zero, {}, addScalars);
  Value mean = divideByCount(sum);
  Value squares =
      buildReduction(b, loc, x, dims, zero, mean,
                     [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
                       Value d =
                           arith::SubFOp::create(nb, nl, args[0], args[1]);
                       Value sq = arith::MulFOp::create(nb, nl, d, d);
                       return arith::AddFOp::create(nb, nl, args[2], sq);
                     });
  return {mean, divideByCount(squares)};
}

/// `(x - mean) / sqrt(var + eps) * scale + bias` over `type`; `mean` and
/// `var` are indexed by the dims not in `dims`, scale and bias (bias may be
/// null) by `paramMap`.
Value normalize(OpBuilder &b, Location loc, RankedTensorType type, Value x,
                ArrayRef<int64_t> dims, Moments moments, Value scale,
                Value bias, AffineMap paramMap, double epsilon) {
  unsigned rank = type.getRank();
  AffineMap kept = dropDimsMap(b.getContext(), rank, dims);
  SmallVector<Value> inputs{x, moments.mean, moments.variance, scale};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank), kept, kept,
                              paramMap};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(paramMap);
  }
  Type element = type.getElementType();
  Value eps = scalarConstant(b, loc, element, epsilon);
  return buildMapped(
      b, loc, type, getSizes(b, loc, x), inputs, maps,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value centered = arith::SubFOp::create(nb, nl, args[0], args[1]);
        Value stddev = math::SqrtOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, args[2], eps));
        Value normed = arith::DivFOp::create(nb, nl, centered, stddev);
        Value scaled = arith::MulFOp::create(nb, nl, normed, args[3]);
        if (!bias)
          return scaled;
        return arith::AddFOp::create(nb, nl, scaled, args[4]);
      });
}

AffineMap channelMap(MLIRContext *ctx, unsigned rank) {
  return AffineMap::get(rank, 0, getAffineDimExpr(1, ctx), ctx);
}

SmallVector<int64_t> dimRange(int64_t begin, int64_t end) {
  SmallVector<int64_t> dims(end - begin);
  std::iota(dims.begin(), dims.end(), begin);
  return dims;
}

template <typename OpTy> struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  static constexpr bool isLog = std::is_same_v<OpTy, graph::LogSoftmaxOp>;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = normalizedAxis(op.getAxis(), rank);
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    Type element = type.getElementType();
    // The row maximum only shifts the exponents (any value gives the same
    // quotients), so it is taken as `x > m ? x : m` (greaterOf): arith.maximumf
    // would compare and blend per element, a fifth of a softmax's time.
    Value max =
        buildReduction(rewriter, loc, x, {axis},
                       lowestValue(rewriter, loc, element), {}, greaterOf);
    AffineMap kept = dropDimsMap(rewriter.getContext(), rank, {axis});
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    Value exps =
        buildMapped(rewriter, loc, xType, sizes, {x, max}, {identity, kept},
                    [](OpBuilder &b, Location l, ValueRange args) -> Value {
                      return math::ExpOp::create(
                          b, l, arith::SubFOp::create(b, l, args[0], args[1]));
                    });
    Value sum = buildReduction(rewriter, loc, exps, {axis},
                               scalarConstant(rewriter, loc, element, 0), {},
                               addScalars);
    Value result;
    if (isLog) {
      result = buildMapped(
          rewriter, loc, xType, sizes, {x, max, sum}, {identity, kept, kept},
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value shifted = arith::SubFOp::create(b, l, args[0], args[1]);
            return arith::SubFOp::create(b, l, shifted,
                                         math::LogOp::create(b, l, args[2]));
          });
    } else {
      result = buildMapped(
          rewriter, loc, xType, sizes, {exps, sum}, {identity, kept},
          [](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::DivFOp::create(b, l, args[0], args[1]);
          });
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<graph::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t rank = xType.getRank();
    int64_t axis = normalizedAxis(op.getAxis(), rank);
    SmallVector<int64_t> dims = dimRange(axis, rank);
    Moments moments = computeMoments(rewriter, loc, x, dims);
    // scale/bias have the trailing dims' shape: right-aligned broadcasting.
    AffineMap paramMap = broadcastMap(
        cast<RankedTensorType>(adaptor.getScale().getType()), xType);
    Value result = normalize(rewriter, loc, xType, x, dims, moments,
                             adaptor.getScale(), adaptor.getBias(), paramMap,
                             op.getEpsilon().convertToDouble());
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<graph::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    unsigned rank = xType.getRank();
    AffineMap channel = channelMap(rewriter.getContext(), rank);
    // Statistics are given: they are indexed by the channel like the affine
    // parameters, so "dims" are all but the channel.
    SmallVector<int64_t> dims;
    for (int64_t i = 0; i < rank; ++i)
      if (i != 1)
        dims.push_back(i);
    Moments moments{adaptor.getMean(), adaptor.getVariance()};
    Value result = normalize(rewriter, loc, xType, x, dims, moments,
                             adaptor.getScale(), adaptor.getBias(), channel,
                             op.getEpsilon().convertToDouble());
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

struct InstanceNormLowering : OpConversionPattern<graph::InstanceNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::InstanceNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t rank = xType.getRank();
    SmallVector<int64_t> dims = dimRange(2, rank);
    Moments moments = computeMoments(rewriter, loc, x, dims);
    Value result =
        normalize(rewriter, loc, xType, x, dims, moments, adaptor.getScale(),
                  adaptor.getBias(), channelMap(rewriter.getContext(), rank),
                  op.getEpsilon().convertToDouble());
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// [N, C, S...] is viewed as [N, G, C/G, S...] (C must be static), normalised
/// over dims 2.., and viewed back.
struct GroupNormLowering : OpConversionPattern<graph::GroupNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::GroupNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t rank = xType.getRank(), groups = op.getNumGroups();
    int64_t channels = xType.getDimSize(1);
    if (ShapedType::isDynamic(channels))
      return rewriter.notifyMatchFailure(op, "dynamic channel count");
    SmallVector<int64_t> shape{xType.getDimSize(0), groups, channels / groups};
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> expandedSizes{
        sizes[0], rewriter.getIndexAttr(groups),
        rewriter.getIndexAttr(channels / groups)};
    SmallVector<ReassociationIndices> groupsOfDims{{0}, {1, 2}};
    for (int64_t i = 2; i < rank; ++i) {
      shape.push_back(xType.getDimSize(i));
      expandedSizes.push_back(sizes[i]);
      groupsOfDims.push_back({i + 1});
    }
    auto expandedType = RankedTensorType::get(shape, xType.getElementType());
    Value expanded = tensor::ExpandShapeOp::create(
        rewriter, loc, expandedType, x, groupsOfDims, expandedSizes);
    SmallVector<int64_t> dims = dimRange(2, rank + 1);
    Moments moments = computeMoments(rewriter, loc, expanded, dims);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr channel = getAffineDimExpr(1, ctx) * (channels / groups) +
                         getAffineDimExpr(2, ctx);
    AffineMap paramMap = AffineMap::get(rank + 1, 0, channel, ctx);
    Value result = normalize(rewriter, loc, expandedType, expanded, dims,
                             moments, adaptor.getScale(), adaptor.getBias(),
                             paramMap, op.getEpsilon().convertToDouble());
    Value collapsed =
        tensor::CollapseShapeOp::create(rewriter, loc, result, groupsOfDims);
    rewriter.replaceOp(op, castTo(rewriter, loc, collapsed, op.getType()));
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering<graph::SoftmaxOp>,
               SoftmaxLowering<graph::LogSoftmaxOp>, LayerNormLowering,
               BatchNormLowering, InstanceNormLowering, GroupNormLowering>(
      patterns.getContext());
}

} // namespace mica::graph_to_linalg
