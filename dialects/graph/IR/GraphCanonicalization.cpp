//===- GraphCanonicalization.cpp - Canonicalisation patterns --------------===//
//
// Rewrites that need more than a folder: batch_norm folded into the conv
// that feeds it, and reshape's constant `shape` operand turned into the
// `new_shape` attribute, dynamic_slice with constant bounds into slice,
// x * sigmoid(x) into silu, quantize(dequantize(q)) into q or a rescale,
// and rescales by exactly 1 into the rescale or dequantize that reads them.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/FoldUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mica::graph;

namespace {

/// The f32 values of a constant operand, splats expanded.
static std::optional<SmallVector<float>> f32Constant(Value value) {
  DenseFPElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return std::nullopt;
  return SmallVector<float>(attr.getValues<float>());
}

/// batch_norm(conv(x, W, b)) -> conv(x, W', b') with, per output channel c,
///   k[c] = scale[c] / sqrt(variance[c] + epsilon)
///   W'[c, ...] = W[c, ...] * k[c]
///   b'[c] = (b[c] - mean[c]) * k[c] + bias[c]    (b = 0 without a bias)
/// Requires a single-use conv, constant f32 weights and parameters.
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use conv");
    if (conv->hasAttr(kModelGridAttr) || conv->hasAttr(kWeightScalesAttr))
      return rewriter.notifyMatchFailure(
          bn, "the conv's output or weight is quantised by the model");
    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    if (!weightType.getElementType().isF32() || !weightType.hasStaticShape())
      return rewriter.notifyMatchFailure(bn, "conv weight is not static f32");
    std::optional<SmallVector<float>> weight = f32Constant(conv.getWeight());
    std::optional<SmallVector<float>> scale = f32Constant(bn.getScale());
    std::optional<SmallVector<float>> shift = f32Constant(bn.getBias());
    std::optional<SmallVector<float>> mean = f32Constant(bn.getMean());
    std::optional<SmallVector<float>> variance = f32Constant(bn.getVariance());
    if (!weight || !scale || !shift || !mean || !variance)
      return rewriter.notifyMatchFailure(bn, "operands are not f32 constants");
    int64_t channels = weightType.getDimSize(0);
    SmallVector<float> bias(channels, 0.0f);
    if (conv.getBias()) {
      std::optional<SmallVector<float>> convBias = f32Constant(conv.getBias());
      if (!convBias)
        return rewriter.notifyMatchFailure(bn, "conv bias is not constant");
      bias = *convBias;
    }
    if ((int64_t)scale->size() != channels || (int64_t)bias.size() != channels)
      return rewriter.notifyMatchFailure(bn, "channel counts differ");

    double epsilon = bn.getEpsilon().convertToDouble();
    int64_t perChannel = weightType.getNumElements() / channels;
    SmallVector<float> newWeight(*weight), newBias(channels);
    for (int64_t c = 0; c < channels; ++c) {
      double k = (*scale)[c] / std::sqrt((double)(*variance)[c] + epsilon);
      for (int64_t i = 0; i < perChannel; ++i)
        newWeight[c * perChannel + i] =
            (float)((*weight)[c * perChannel + i] * k);
      newBias[c] = (float)((bias[c] - (*mean)[c]) * k + (*shift)[c]);
    }

    Location loc = rewriter.getFusedLoc({conv.getLoc(), bn.getLoc()});
    auto biasType = RankedTensorType::get({channels}, rewriter.getF32Type());
    Value w = ConstantOp::create(
        rewriter, loc, weightType,
        DenseElementsAttr::get(weightType, ArrayRef<float>(newWeight)));
    Value b = ConstantOp::create(
        rewriter, loc, biasType,
        DenseElementsAttr::get(biasType, ArrayRef<float>(newBias)));
    rewriter.replaceOpWithNewOp<ConvOp>(
        bn, bn.getType(), conv.getInput(), w, b, conv.getStridesAttr(),
        conv.getDilationsAttr(), conv.getPadsAttr(), conv.getGroupsAttr());
    rewriter.eraseOp(conv);
    return success();
  }
};

/// reshape(x, constant shape) -> reshape(x) {new_shape = shape}.
struct ConstantShapeToAttr : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    DenseIntElementsAttr shape;
    if (!op.getShape() || !matchPattern(op.getShape(), m_Constant(&shape)))
      return rewriter.notifyMatchFailure(op, "shape operand is not constant");
    SmallVector<int64_t> newShape;
    for (const APInt &d : shape.getValues<APInt>())
      newShape.push_back(d.getSExtValue());
    auto inferred =
        inferReshapeShape(getShape(op.getInput().getType()), newShape,
                          [] { return InFlightDiagnostic(); });
    if (failed(inferred))
      return rewriter.notifyMatchFailure(op, "constant shape is invalid");
    rewriter.replaceOpWithNewOp<ReshapeOp>(
        op, op.getType(), op.getInput(), Value(),
        rewriter.getDenseI64ArrayAttr(newShape));
    return success();
  }
};

/// Whether every user of `op`'s results re-infers its own types from its
/// operands (onnx ops, graph ops other than same-type ones), so that a result
/// may become more static without a cast.
bool usersRefine(Operation *op) {
  return llvm::all_of(op->getUsers(), [](Operation *user) {
    StringRef dialect = user->getName().getDialectNamespace();
    return dialect == "onnx" ||
           (dialect == "graph" &&
            !user->hasTrait<OpTrait::SameOperandsAndResultType>());
  });
}

/// One element of a 1-D shape tensor as far as it is known at compile time:
/// a value, or dim `dim` of tensor `dimOf` (a `?` it copies), or nothing.
struct ShapeElement {
  std::optional<int64_t> value;
  Value dimOf;
  int64_t dim = -1;
};

/// The elements of a 1-D (or 0-D) i64 shape tensor as far as they are known
/// at compile time; nullopt when even the element count is unknown. Looks
/// through the shape arithmetic exporters emit: Concat of pieces,
/// Reshape/Cast of a piece, Gather or a unit-step Slice of a Shape.
std::optional<SmallVector<ShapeElement>> shapeElements(Value value,
                                                       int depth = 0) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > 1 || depth > 8)
    return std::nullopt;
  SmallVector<ShapeElement> unknown(type.getNumElements());
  DenseIntElementsAttr constant;
  if (matchPattern(value, m_Constant(&constant))) {
    SmallVector<ShapeElement> values;
    for (const APInt &v : constant.getValues<APInt>())
      values.push_back({v.getSExtValue(), Value(), -1});
    return values;
  }
  Operation *def = value.getDefiningOp();
  if (!def)
    return unknown;
  if (auto shapeOf = dyn_cast<ShapeOfOp>(def)) {
    auto input = dyn_cast<RankedTensorType>(shapeOf.getInput().getType());
    if (!input || input.getRank() != type.getNumElements())
      return unknown;
    SmallVector<ShapeElement> values;
    for (auto [i, d] : llvm::enumerate(input.getShape()))
      values.push_back(ShapedType::isDynamic(d)
                           ? ShapeElement{std::nullopt, shapeOf.getInput(),
                                          static_cast<int64_t>(i)}
                           : ShapeElement{d, Value(), -1});
    return values;
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    SmallVector<ShapeElement> values;
    for (Value piece : concat.getInputs()) {
      auto part = shapeElements(piece, depth + 1);
      if (!part)
        return unknown;
      values.append(part->begin(), part->end());
    }
    if (values.size() != unknown.size())
      return unknown;
    return values;
  }
  if (isa<ReshapeOp>(def)) {
    auto part = shapeElements(def->getOperand(0), depth + 1);
    if (part && part->size() == unknown.size())
      return part;
    return unknown;
  }
  if (auto gather = dyn_cast<GatherOp>(def)) {
    DenseIntElementsAttr indices;
    auto data = shapeElements(gather.getInput(), depth + 1);
    if (!data || !matchPattern(gather.getIndices(), m_Constant(&indices)) ||
        indices.getNumElements() != type.getNumElements())
      return unknown;
    SmallVector<ShapeElement> values;
    for (const APInt &i : indices.getValues<APInt>()) {
      int64_t index = i.getSExtValue();
      if (index < 0)
        index += data->size();
      if (index < 0 || index >= static_cast<int64_t>(data->size()))
        return unknown;
      values.push_back((*data)[index]);
    }
    return values;
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    auto data = shapeElements(slice.getInput(), depth + 1);
    if (!data || slice.getStarts().size() != 1 || slice.getSteps()[0] != 1)
      return unknown;
    int64_t n = data->size();
    auto clamp = [n](int64_t v) {
      return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n);
    };
    int64_t begin = clamp(slice.getStarts()[0]),
            end = clamp(slice.getEnds()[0]);
    if (end - begin != type.getNumElements())
      return unknown;
    return SmallVector<ShapeElement>(data->begin() + begin,
                                     data->begin() + end);
  }
  return unknown;
}

/// reshape(x, shape) where at most one element of `shape` is unknown or -1,
/// the others known positive or x's own `?` dim at the same index ->
/// reshape with new_shape: -1 at the unknown element, 0 (copy) at the
/// copied dims. Sound: a valid reshape's unknown element can only be the
/// count that -1 infers, and a copied dim cancels out of it (so
/// reshape(x[N,3,4], [N, -1]) is [N, 12] for any N). This keeps static dims
/// static through reshapes whose shape is built from a Shape of a tensor with a
/// symbolic dim (attention heads in transformers exported with a dynamic
/// sequence length).
struct PartiallyConstantShapeToAttr : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getShape())
      return failure();
    auto values = shapeElements(op.getShape());
    if (!values)
      return rewriter.notifyMatchFailure(op, "shape of unknown size");
    SmallVector<int64_t> newShape;
    int toInfer = 0;
    for (auto [i, v] : llvm::enumerate(*values)) {
      if (!v.value && v.dimOf == op.getInput() &&
          v.dim == static_cast<int64_t>(i)) {
        // The input's own `?` dim at the same index: ONNX's 0 copies it.
        newShape.push_back(0);
        continue;
      }
      if (!v.value || *v.value == -1) {
        ++toInfer;
        newShape.push_back(-1);
        continue;
      }
      if (*v.value <= 0)
        return rewriter.notifyMatchFailure(op, "0 among known dims");
      newShape.push_back(*v.value);
    }
    if (toInfer > 1)
      return rewriter.notifyMatchFailure(op, "more than one unknown dim");
    auto inferred =
        inferReshapeShape(getShape(op.getInput().getType()), newShape,
                          [] { return InFlightDiagnostic(); });
    if (failed(inferred))
      return rewriter.notifyMatchFailure(op, "shape is invalid");
    auto resultType = RankedTensorType::get(
        *inferred, cast<ShapedType>(op.getType()).getElementType());
    auto reshaped =
        ReshapeOp::create(rewriter, op.getLoc(), resultType, op.getInput(),
                          Value(), rewriter.getDenseI64ArrayAttr(newShape));
    // Users that infer their own result types from their operands take the
    // refined type as it is; anything else keeps the old type through a cast.
    Value result = reshaped;
    if (resultType != op.getType() && !usersRefine(op))
      result =
          tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), reshaped);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

namespace {
/// dynamic_slice whose starts and ends are constant -> slice, with the
/// per-axis parameters spread over every dim (untouched dims are whole).
struct StaticDynamicSlice : OpRewritePattern<DynamicSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DynamicSliceOp op,
                                PatternRewriter &rewriter) const override {
    DenseIntElementsAttr starts, ends;
    if (!matchPattern(op.getStarts(), m_Constant(&starts)) ||
        !matchPattern(op.getEnds(), m_Constant(&ends)))
      return rewriter.notifyMatchFailure(op, "bounds are not constant");
    auto type = cast<RankedTensorType>(op.getInput().getType());
    int64_t rank = type.getRank();
    SmallVector<int64_t> b(rank, 0), e(rank, INT64_MAX), s(rank, 1);
    auto startValues = llvm::to_vector(starts.getValues<APInt>());
    auto endValues = llvm::to_vector(ends.getValues<APInt>());
    for (auto [k, axis] : llvm::enumerate(op.getAxes())) {
      int64_t a = axis < 0 ? axis + rank : axis;
      b[a] = startValues[k].getSExtValue();
      e[a] = endValues[k].getSExtValue();
      s[a] = op.getSteps()[k];
    }
    rewriter.replaceOpWithNewOp<SliceOp>(op, op.getType(), op.getInput(), b, e,
                                         s);
    return success();
  }
};
} // namespace

void DynamicSliceOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                 MLIRContext *context) {
  patterns.add<StaticDynamicSlice>(context);
}

namespace {
/// x * sigmoid(x) (how exporters write SiLU / swish) as graph.silu, which
/// computes exactly that product: one elementwise op instead of two for the
/// passes after, and for int8 one 256-entry table instead of a table, an
/// integer product and two rescales.
struct MulSigmoidToSilu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [x, s] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto sigmoid = s.getDefiningOp<SigmoidOp>();
      // A sigmoid the model quantises (QDQ, QOperator) is rounded before
      // the product: not the same product.
      if (!sigmoid || sigmoid->hasAttr(kModelGridAttr) ||
          sigmoid.getInput() != x || x.getType() != op.getType() ||
          !isa<FloatType>(cast<ShapedType>(x.getType()).getElementType()))
        continue;
      rewriter.replaceOpWithNewOp<SiluOp>(op, op.getType(), x);
      return success();
    }
    return failure();
  }
};
} // namespace

static bool near(std::optional<double> v, double want) {
  return v && std::abs(*v - want) <= 1e-6 * std::abs(want);
}

/// GELU as exporters write it without a Gelu op (ONNX before opset 20):
/// 0.5 * x * (1 + erf(x / sqrt(2))), the three factors in any grouping and
/// order, x / sqrt(2) also as x * (1 / sqrt(2)). One graph.gelu (erf form):
/// one op for the passes after, one table for int8. Its lowering computes
/// the same formula in one fixed order, so float results may move by an
/// ulp.
struct ErfFormulaToGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    // The factors of a product of up to three terms (inner products used
    // only here).
    SmallVector<Value, 3> factors;
    for (Value v : {op.getLhs(), op.getRhs()}) {
      auto inner = v.getDefiningOp<MulOp>();
      if (inner && inner->hasOneUse()) {
        factors.append({inner.getLhs(), inner.getRhs()});
      } else {
        factors.push_back(v);
      }
    }
    if (factors.size() != 3)
      return failure();
    Value x, half, onePlusErf;
    for (Value f : factors) {
      if (near(splatFloat(f), 0.5))
        half = f;
      else if (auto add = f.getDefiningOp<AddOp>();
               add && (near(splatFloat(add.getLhs()), 1.0) ||
                       near(splatFloat(add.getRhs()), 1.0)))
        onePlusErf = f;
      else
        x = f;
    }
    if (!x || !half || !onePlusErf || x.getType() != op.getType())
      return failure();
    auto add = onePlusErf.getDefiningOp<AddOp>();
    Value erfValue =
        near(splatFloat(add.getLhs()), 1.0) ? add.getRhs() : add.getLhs();
    auto erf = erfValue.getDefiningOp<ErfOp>();
    if (!erf)
      return failure();
    Value scaled = erf.getInput();
    bool divided = false;
    if (auto div = scaled.getDefiningOp<DivOp>())
      divided = div.getLhs() == x && near(splatFloat(div.getRhs()), M_SQRT2);
    else if (auto mul = scaled.getDefiningOp<MulOp>())
      divided =
          (mul.getLhs() == x && near(splatFloat(mul.getRhs()), M_SQRT1_2)) ||
          (mul.getRhs() == x && near(splatFloat(mul.getLhs()), M_SQRT1_2));
    if (!divided)
      return failure();
    rewriter.replaceOpWithNewOp<GeluOp>(op, op.getType(), x,
                                        rewriter.getStringAttr("none"));
    return success();
  }
};

void MulOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                        MLIRContext *context) {
  patterns.add<MulSigmoidToSilu, ErfFormulaToGelu>(context);
  populateLayerNormProductPatterns(patterns, context);
}

namespace {
/// Whether `zeroPoint` is a value of the integer type of `value`.
bool isZeroPointOf(Value value, int64_t zeroPoint) {
  auto [lo, hi] = getIntegerRange(getElementType(value.getType()));
  return zeroPoint >= lo && zeroPoint <= hi;
}

/// quantize(dequantize(q)) with the same scale (as the float type holds
/// it): the integers of q moved by the difference of the zero points,
/// exactly (q - zp, an 8- or 16-bit integer, survives the f32 product and
/// quotient unchanged). q itself, or a rescale by 1 where the zero point or
/// the signedness changes: a QOperator model's uint8 value made of int8
/// integer ops, or the reverse.
struct QuantizeOfDequantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto dq = op.getInput().getDefiningOp<DequantizeOp>();
    if (!dq || !getElementType(dq.getType()).isF32() ||
        static_cast<float>(dq.getScale().convertToDouble()) !=
            static_cast<float>(op.getScale().convertToDouble()))
      return failure();
    Value q = dq.getInput();
    Type in = getElementType(q.getType()), out = getElementType(op.getType());
    if (in.getIntOrFloatBitWidth() > 16 || out.getIntOrFloatBitWidth() > 16)
      return failure();
    int64_t from = static_cast<int64_t>(dq.getZeroPoint());
    int64_t to = static_cast<int64_t>(op.getZeroPoint());
    if (q.getType() == op.getType() && from == to) {
      rewriter.replaceOp(op, q);
      return success();
    }
    constexpr int64_t kOne = int64_t(1) << 30;
    rewriter.replaceOpWithNewOp<RescaleOp>(
        op, op.getType(), q, rewriter.getDenseI64ArrayAttr({kOne}),
        rewriter.getDenseI64ArrayAttr({30}), rewriter.getI64IntegerAttr(0),
        rewriter.getI64IntegerAttr(from), rewriter.getI64IntegerAttr(to),
        IntegerAttr(), IntegerAttr());
    return success();
  }
};

/// A rescale of y = x + d (an exact offset, RescaleOp::getExactOffset) is
/// the same rescale of x with the input zero point moved by d, since
/// y - zp = x - (zp - d); where that rescale is itself the identity, x.
struct RescaleOfOffset : OpRewritePattern<RescaleOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RescaleOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<RescaleOp>();
    std::optional<int64_t> offset =
        inner ? inner.getExactOffset() : std::nullopt;
    Value x = inner ? inner.getInput() : Value();
    int64_t zeroPoint =
        static_cast<int64_t>(op.getInputZeroPoint()) - (offset ? *offset : 0);
    if (!offset || !isZeroPointOf(x, zeroPoint))
      return failure();
    if (x.getType() == op.getType() && op.getExactOffset() &&
        zeroPoint == static_cast<int64_t>(op.getOutputZeroPoint())) {
      rewriter.replaceOp(op, x);
      return success();
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(x);
      op.setInputZeroPoint(zeroPoint);
    });
    return success();
  }
};

/// dequantize(x + d) for an exact offset d: dequantize(x) with the zero
/// point moved by d.
struct DequantizeOfOffset : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<RescaleOp>();
    std::optional<int64_t> offset =
        inner ? inner.getExactOffset() : std::nullopt;
    if (!offset)
      return failure();
    int64_t zeroPoint = static_cast<int64_t>(op.getZeroPoint()) - *offset;
    if (!isZeroPointOf(inner.getInput(), zeroPoint))
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(inner.getInput());
      op.setZeroPoint(zeroPoint);
    });
    return success();
  }
};
} // namespace

void RescaleOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<RescaleOfOffset>(context);
}

void DequantizeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                               MLIRContext *context) {
  patterns.add<DequantizeOfOffset>(context);
}

void QuantizeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                             MLIRContext *context) {
  patterns.add<QuantizeOfDequantize>(context);
}

void BatchNormOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<FoldBatchNormIntoConv>(context);
}

namespace {
/// broadcast_to with a run-time target whose entries are (partly) known at
/// compile time: the known ones move into `shape`; with all known, the
/// target goes.
struct KnownBroadcastEntries : OpRewritePattern<BroadcastToOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BroadcastToOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getTarget())
      return failure();
    auto values = shapeElements(op.getTarget());
    if (!values || values->size() != op.getShape().size())
      return failure();
    SmallVector<int64_t> shape(op.getShape());
    bool changed = false, allKnown = true;
    for (auto [entry, v] : llvm::zip(shape, *values)) {
      if (entry < 0 && v.value && *v.value >= 0) {
        entry = *v.value;
        changed = true;
      }
      allKnown &= entry >= 0;
    }
    if (!changed)
      return failure();
    auto created = BroadcastToOp::create(rewriter, op.getLoc(), op.getInput(),
                                         allKnown ? Value() : op.getTarget(),
                                         rewriter.getDenseI64ArrayAttr(shape));
    // Users that re-infer their types take the more static one as it is (a
    // cast would hide a constant from the shape folds after it).
    Value result = created;
    if (created.getType() != op.getType() && !usersRefine(op))
      result =
          tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), created);
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void BroadcastToOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                MLIRContext *context) {
  patterns.add<KnownBroadcastEntries>(context);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<ConstantShapeToAttr, PartiallyConstantShapeToAttr>(context);
}
