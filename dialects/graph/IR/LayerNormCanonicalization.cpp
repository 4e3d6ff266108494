//===- LayerNormCanonicalization.cpp - Layer norms written out ------------===//
//
// Exporters write LayerNormalization (an ONNX op only from opset 17) as its
// formula: (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) over trailing
// axes, then a product by the scale and a sum with the bias. These patterns
// make that one graph.layer_norm: one op for the passes after (one integer
// layer norm under W8A8 instead of eight float ops, one fused kernel in
// float), and its scale and bias folded in. The lowering computes the same
// formula in its own order, so float results may move by an ulp.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/FoldUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mica::graph;

namespace {

/// Whether `v` is computed by an op the model does not quantise: a value on
/// the model's own grid is rounded there and must stay (kModelGridAttr).
bool offGrid(Value v) {
  Operation *op = v.getDefiningOp();
  return op && !op->hasAttr(kModelGridAttr);
}

/// The first axis of a mean over the trailing axes [k, rank) that keeps its
/// dims, if `v` is one.
std::optional<int64_t> trailingMean(Value v) {
  auto mean = v.getDefiningOp<ReduceOp>();
  if (!mean || mean.getKind() != ReduceKind::mean || !mean.getKeepdims())
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(mean.getInput().getType());
  if (!type)
    return std::nullopt;
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes;
  for (int64_t axis : mean.getAxes())
    axes.push_back(axis < 0 ? axis + rank : axis);
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  llvm::sort(axes);
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - (int64_t)axes.size() + (int64_t)i)
      return std::nullopt;
  return rank - (int64_t)axes.size();
}

/// x and the first normalised axis, if `d` is x - mean(x) over trailing
/// axes.
std::optional<std::pair<Value, int64_t>> centred(Value d) {
  auto sub = d.getDefiningOp<SubOp>();
  if (!sub || !offGrid(d) || !offGrid(sub.getRhs()) ||
      sub.getType() != sub.getLhs().getType())
    return std::nullopt;
  auto mean = sub.getRhs().getDefiningOp<ReduceOp>();
  std::optional<int64_t> axis = trailingMean(sub.getRhs());
  if (!axis || mean.getInput() != sub.getLhs())
    return std::nullopt;
  return std::make_pair(sub.getLhs(), *axis);
}

/// Epsilon, if `v` is mean(d * d) + eps (or d^2; eps may be absent) over
/// the trailing axes from `axis`.
std::optional<double> varianceEpsilon(Value v, Value d, int64_t axis) {
  double epsilon = 0.0;
  if (auto add = v.getDefiningOp<AddOp>()) {
    std::optional<double> e = splatFloat(add.getRhs());
    v = add.getLhs();
    if (!e) {
      e = splatFloat(add.getLhs());
      v = add.getRhs();
    }
    if (!e || *e < 0)
      return std::nullopt;
    epsilon = *e;
  }
  if (trailingMean(v) != axis || !offGrid(v))
    return std::nullopt;
  Value square = v.getDefiningOp<ReduceOp>().getInput();
  auto mul = square.getDefiningOp<MulOp>();
  auto pow = square.getDefiningOp<PowOp>();
  if ((mul && mul.getLhs() == d && mul.getRhs() == d) ||
      (pow && pow.getLhs() == d && splatFloat(pow.getRhs()) == 2.0))
    return epsilon;
  return std::nullopt;
}

/// Epsilon, if `s` is sqrt(mean(d * d) + eps) (varianceEpsilon).
std::optional<double> deviation(Value s, Value d, int64_t axis) {
  auto sqrt = s.getDefiningOp<SqrtOp>();
  if (!sqrt)
    return std::nullopt;
  return varianceEpsilon(sqrt.getInput(), d, axis);
}

/// Replaces `op` (the normalised value) by graph.layer_norm of x with a
/// scale of ones and no bias, when x's normalised dims are static.
LogicalResult replaceByLayerNorm(Operation *op, Value x, int64_t axis,
                                 double epsilon, PatternRewriter &rewriter) {
  auto type = cast<RankedTensorType>(x.getType());
  if (op->hasAttr(kModelGridAttr) || op->getResult(0).getType() != type ||
      !isa<FloatType>(type.getElementType()))
    return failure();
  ArrayRef<int64_t> trailing = type.getShape().drop_front(axis);
  if (ShapedType::isDynamicShape(trailing))
    return failure();
  auto scaleType = RankedTensorType::get(trailing, type.getElementType());
  Value ones = ConstantOp::create(
      rewriter, op->getLoc(), scaleType,
      DenseElementsAttr::get(scaleType,
                             rewriter.getFloatAttr(type.getElementType(), 1)));
  rewriter.replaceOpWithNewOp<LayerNormOp>(op, type, x, ones, Value(),
                                           rewriter.getI64IntegerAttr(axis),
                                           rewriter.getF64FloatAttr(epsilon));
  return success();
}

/// (x - mean) / sqrt(var + eps).
struct DivisionToLayerNorm : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<std::pair<Value, int64_t>> x = centred(op.getLhs());
    if (!x)
      return failure();
    std::optional<double> epsilon =
        deviation(op.getRhs(), op.getLhs(), x->second);
    if (!epsilon)
      return failure();
    return replaceByLayerNorm(op, x->first, x->second, *epsilon, rewriter);
  }
};

/// (x - mean) * rsqrt(var + eps), or times reciprocal(sqrt(var + eps)).
struct ProductToLayerNorm : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [d, r] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      std::optional<std::pair<Value, int64_t>> x = centred(d);
      if (!x)
        continue;
      std::optional<double> epsilon;
      if (auto rsqrt = r.getDefiningOp<RsqrtOp>())
        epsilon = varianceEpsilon(rsqrt.getInput(), d, x->second);
      else if (auto reciprocal = r.getDefiningOp<ReciprocalOp>())
        epsilon = deviation(reciprocal.getInput(), d, x->second);
      if (epsilon)
        return replaceByLayerNorm(op, x->first, x->second, *epsilon, rewriter);
    }
    return failure();
  }
};

/// layer_norm(x, s, b) * c and layer_norm(x, s, b) + c with a constant c
/// that varies only along the normalised dims: the scale and bias of the
/// layer norm (s * c and b * c, or b + c). Requires the layer norm's own
/// scale and bias to be constants and the layer norm to have no other use.
template <typename OpTy, bool isProduct>
struct AffineIntoLayerNorm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    for (auto [n, c] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto norm = n.template getDefiningOp<LayerNormOp>();
      DenseFPElementsAttr cAttr, sAttr, bAttr;
      if (!norm || !norm->hasOneUse() || norm->hasAttr(kModelGridAttr) ||
          op->hasAttr(kModelGridAttr) || norm.getType() != op.getType() ||
          !matchPattern(c, m_Constant(&cAttr)) ||
          !matchPattern(norm.getScale(), m_Constant(&sAttr)) ||
          (norm.getBias() && !matchPattern(norm.getBias(), m_Constant(&bAttr))))
        continue;
      auto type = cast<RankedTensorType>(norm.getType());
      int64_t axis = norm.getAxis() < 0 ? norm.getAxis() + type.getRank()
                                        : (int64_t)norm.getAxis();
      ArrayRef<int64_t> trailing = type.getShape().drop_front(axis);
      auto paramType = RankedTensorType::get(trailing, type.getElementType());
      if (sAttr.getType().getShape() != trailing ||
          (bAttr && bAttr.getType().getShape() != trailing))
        continue;
      // c right-aligned with the result: every dim before `axis` is 1.
      ArrayRef<int64_t> cShape = cAttr.getType().getShape();
      int64_t lead = (int64_t)cShape.size() - (int64_t)trailing.size();
      if (llvm::any_of(cShape.take_front(std::max<int64_t>(lead, 0)),
                       [](int64_t d) { return d != 1; }))
        continue;
      ArrayRef<int64_t> cTrailing =
          cShape.drop_front(std::max<int64_t>(lead, 0));
      SmallVector<APFloat> cs(cAttr.getValues<APFloat>());
      SmallVector<APFloat> scale(sAttr.getValues<APFloat>());
      SmallVector<APFloat> bias =
          bAttr ? SmallVector<APFloat>(bAttr.getValues<APFloat>())
                : SmallVector<APFloat>(
                      scale.size(),
                      APFloat::getZero(scale.front().getSemantics()));
      for (int64_t i = 0; i < paramType.getNumElements(); ++i) {
        const APFloat &k = cs[mica::graph::broadcastSource(
            delinearize(i, trailing), cTrailing)];
        if (isProduct) {
          scale[i] = scale[i] * k;
          bias[i] = bias[i] * k;
        } else {
          bias[i] = bias[i] + k;
        }
      }
      Location loc = op.getLoc();
      Value newScale = ConstantOp::create(
          rewriter, loc, paramType, DenseElementsAttr::get(paramType, scale));
      Value newBias = ConstantOp::create(
          rewriter, loc, paramType, DenseElementsAttr::get(paramType, bias));
      rewriter.replaceOpWithNewOp<LayerNormOp>(
          op, type, norm.getInput(), newScale, newBias, norm.getAxisAttr(),
          norm.getEpsilonAttr());
      return success();
    }
    return failure();
  }
};

} // namespace

void DivOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                        MLIRContext *context) {
  patterns.add<DivisionToLayerNorm>(context);
}

void AddOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                        MLIRContext *context) {
  patterns.add<AffineIntoLayerNorm<AddOp, false>>(context);
}

void mica::graph::populateLayerNormProductPatterns(RewritePatternSet &patterns,
                                                   MLIRContext *context) {
  patterns.add<ProductToLayerNorm, AffineIntoLayerNorm<MulOp, true>>(context);
}
