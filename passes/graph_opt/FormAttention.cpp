//===- FormAttention.cpp - graph.attention from the exported forms --------===//
//
// See Passes.td (mica-form-attention). Exporters write attention as
//   softmax(matmul(Qh, Kt) [* or / scale] [+ mask]) matmul V
// with Qh [.., Sq, D], Kt [.., D, Skv], V [.., Skv, D] in head-split
// layouts. The match is rooted at the softmax and only looks at that chain;
// the layouts around it are not traced: the op's [B, S, E] operands are
// built as views (transpose + reshape) of Qh, Kt and V, and the exporter's
// own views before them cancel against those in canonicalisation
// (transposes compose, reshapes fold, and a transpose above a scalar gather
// of a fused qkv tensor moves below it).
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/FoldUtils.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/graph_opt/AttentionParts.h"
#include "passes/graph_opt/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mica {
#define GEN_PASS_DEF_FORMATTENTION
#include "passes/graph_opt/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

Location mica::attentionLoc(MLIRContext *context,
                            const Location (&parts)[kAttentionParts]) {
  return FusedLoc::get(context, ArrayRef<Location>(parts),
                       StringAttr::get(context, "attention"));
}

Location mica::attentionPartLoc(Location loc, AttentionPart part) {
  auto fused = dyn_cast<FusedLoc>(loc);
  auto tag =
      fused ? dyn_cast_or_null<StringAttr>(fused.getMetadata()) : StringAttr();
  if (!tag || tag.getValue() != "attention" ||
      fused.getLocations().size() != kAttentionParts)
    return loc;
  return fused.getLocations()[static_cast<int>(part)];
}

namespace {

RankedTensorType rankedType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// The one-element float constant among `op`'s operands, with the other
/// operand; std::nullopt if there is none.
template <typename BinaryOp>
std::optional<std::pair<double, Value>> scalarOperand(BinaryOp op,
                                                      bool eitherSide) {
  if (std::optional<double> c = splatFloat(op.getRhs()))
    if (rankedType(op.getRhs()) &&
        rankedType(op.getRhs()).getNumElements() == 1)
      return std::make_pair(*c, op.getLhs());
  if (eitherSide)
    if (std::optional<double> c = splatFloat(op.getLhs()))
      if (rankedType(op.getLhs()) &&
          rankedType(op.getLhs()).getNumElements() == 1)
        return std::make_pair(*c, op.getRhs());
  return std::nullopt;
}

/// Peels single-use multiplications and divisions by a scalar constant off
/// `value`, multiplying their factors into `scale`; `last` gets the
/// location of the outermost one.
Value peelScale(Value value, double &scale, std::optional<Location> &last) {
  while (Operation *op = value.getDefiningOp()) {
    if (!value.hasOneUse() && last)
      break;
    std::optional<std::pair<double, Value>> scalar;
    bool divide = false;
    if (auto mul = dyn_cast<MulOp>(op))
      scalar = scalarOperand(mul, /*eitherSide=*/true);
    else if (auto div = dyn_cast<DivOp>(op)) {
      scalar = scalarOperand(div, /*eitherSide=*/false);
      divide = true;
    }
    if (!scalar || scalar->first == 0 || !value.hasOneUse())
      break;
    scale = divide ? scale / scalar->first : scale * scalar->first;
    if (!last)
      last = op->getLoc();
    value = scalar->second;
  }
  return value;
}

/// [.., S, D] with the leading dims [B, H] (rank 4), [G] (rank 3: heads, if
/// any, are in the batch) or none (rank 2), viewed as [B, S, H * D].
Value headsToEmbedding(PatternRewriter &rewriter, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> shape = type.getShape();
  switch (shape.size()) {
  case 2:
    return ReshapeOp::create(
        rewriter, loc, v, Value(),
        rewriter.getDenseI64ArrayAttr({1, shape[0], shape[1]}));
  case 3:
    return v;
  default: {
    Value t = TransposeOp::create(rewriter, loc, v,
                                  rewriter.getDenseI64ArrayAttr({0, 2, 1, 3}));
    return ReshapeOp::create(
        rewriter, loc, t, Value(),
        rewriter.getDenseI64ArrayAttr({0, shape[2], shape[1] * shape[3]}));
  }
  }
}

/// The inverse of headsToEmbedding: [B, S, H * D] back to `like`'s layout.
Value embeddingToHeads(PatternRewriter &rewriter, Location loc, Value v,
                       RankedTensorType like) {
  ArrayRef<int64_t> shape = like.getShape();
  switch (shape.size()) {
  case 2:
    return ReshapeOp::create(rewriter, loc, v, Value(),
                             rewriter.getDenseI64ArrayAttr(shape));
  case 3:
    return v;
  default: {
    Value r = ReshapeOp::create(
        rewriter, loc, v, Value(),
        rewriter.getDenseI64ArrayAttr({0, shape[2], shape[1], shape[3]}));
    return TransposeOp::create(rewriter, loc, r,
                               rewriter.getDenseI64ArrayAttr({0, 2, 1, 3}));
  }
  }
}

/// softmax(Q K^T * scale + mask) V, rooted at the softmax.
struct FormAttentionPattern : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    RankedTensorType scoresType = rankedType(softmax.getResult());
    if (!scoresType || !isa<FloatType>(scoresType.getElementType()))
      return rewriter.notifyMatchFailure(softmax, "not a float tensor");
    int64_t rank = scoresType.getRank();
    if (rank < 2 || rank > 4 ||
        (softmax.getAxis() != -1 && softmax.getAxis() != rank - 1))
      return rewriter.notifyMatchFailure(softmax, "not over the last axis");
    if (!softmax->hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "probabilities reused");
    auto values = dyn_cast<MatmulOp>(*softmax->user_begin());
    if (!values || values.getLhs() != softmax.getResult())
      return rewriter.notifyMatchFailure(softmax, "no value product");

    // Peel the mask and the scale off the logits, outermost first.
    double scale = 1;
    std::optional<Location> scaleLoc;
    Value logits = peelScale(softmax.getInput(), scale, scaleLoc);
    Value mask;
    std::optional<Location> maskLoc;
    if (auto add = logits.getDefiningOp<AddOp>(); add && logits.hasOneUse()) {
      // (s + m) * c would need the mask scaled too: not a form exporters
      // write, left alone.
      if (scaleLoc)
        return rewriter.notifyMatchFailure(softmax, "scaled mask");
      for (auto [scores, other] : {std::pair(add.getLhs(), add.getRhs()),
                                   std::pair(add.getRhs(), add.getLhs())}) {
        auto product = scores.getDefiningOp<MatmulOp>();
        if (!product && !scores.getDefiningOp<MulOp>() &&
            !scores.getDefiningOp<DivOp>())
          continue;
        if (rankedType(scores) != scoresType)
          continue;
        mask = other;
        logits = scores;
        maskLoc = add.getLoc();
        break;
      }
      if (!mask)
        return rewriter.notifyMatchFailure(softmax, "no score product");
      logits = peelScale(logits, scale, scaleLoc);
    }
    auto product = logits.getDefiningOp<MatmulOp>();
    if (!product || !logits.hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "no score product");
    Value query = peelScale(product.getLhs(), scale, scaleLoc);
    Value keyT = peelScale(product.getRhs(), scale, scaleLoc);

    RankedTensorType qType = rankedType(query), kType = rankedType(keyT),
                     vType = rankedType(values.getRhs()),
                     outType = rankedType(values.getResult());
    if (!qType || !kType || !vType || !outType || qType.getRank() != rank ||
        kType.getRank() != rank || vType.getRank() != rank)
      return rewriter.notifyMatchFailure(softmax, "operand ranks differ");
    ArrayRef<int64_t> q = qType.getShape(), k = kType.getShape(),
                      v = vType.getShape();
    int64_t sq = q[rank - 2], d = q[rank - 1], skv = k[rank - 1];
    // The sequence lengths and head sizes are static: shapes the fused op
    // and the passes that resize tokens can rely on.
    if (ShapedType::isDynamic(sq) || ShapedType::isDynamic(skv) ||
        ShapedType::isDynamic(d) || k[rank - 2] != d || v[rank - 2] != skv ||
        v[rank - 1] != d)
      return rewriter.notifyMatchFailure(softmax, "dynamic or unequal heads");
    // Leading dims equal on all three (no broadcasting between them); with
    // [B, H, ..] the head count is static.
    for (int64_t i = 0; i + 2 < rank; ++i)
      if (q[i] != k[i] || q[i] != v[i] || q[i] != scoresType.getDimSize(i))
        return rewriter.notifyMatchFailure(softmax, "batch dims differ");
    if (rank == 4 && ShapedType::isDynamic(q[1]))
      return rewriter.notifyMatchFailure(softmax, "dynamic head count");
    int64_t heads = rank == 4 ? q[1] : 1;

    // The mask broadcasts to the scores; rank 3 masks get the head dim.
    if (mask) {
      RankedTensorType maskType = rankedType(mask);
      if (!maskType ||
          maskType.getElementType() != scoresType.getElementType() ||
          maskType.getRank() > rank)
        return rewriter.notifyMatchFailure(softmax, "mask type");
    }

    Location parts[kAttentionParts] = {
        product.getLoc(), scaleLoc.value_or(softmax.getLoc()),
        maskLoc.value_or(softmax.getLoc()), softmax.getLoc(), values.getLoc()};
    Location loc = attentionLoc(getContext(), parts);
    rewriter.setInsertionPoint(values);
    Value key = TransposeOp::create(
        rewriter, loc, keyT,
        rewriter.getDenseI64ArrayAttr(rank == 2 ? SmallVector<int64_t>{1, 0}
                                      : rank == 3
                                          ? SmallVector<int64_t>{0, 2, 1}
                                          : SmallVector<int64_t>{0, 1, 3, 2}));
    if (mask && rank == 3 && rankedType(mask).getRank() == 3) {
      ArrayRef<int64_t> m = rankedType(mask).getShape();
      mask = ReshapeOp::create(
          rewriter, loc, mask, Value(),
          rewriter.getDenseI64ArrayAttr({m[0] == 1 ? 1 : 0, 1, m[1], m[2]}));
    }
    auto attention = AttentionOp::create(
        rewriter, loc, headsToEmbedding(rewriter, loc, query),
        headsToEmbedding(rewriter, loc, key),
        headsToEmbedding(rewriter, loc, values.getRhs()), mask, Value(),
        rewriter.getI64IntegerAttr(heads), rewriter.getF64FloatAttr(scale),
        rewriter.getBoolAttr(false));
    rewriter.replaceOp(
        values,
        embeddingToHeads(rewriter, loc, attention.getResult(), outType));
    return success();
  }
};

/// gather(transpose(x, p), i, axis a) with a scalar index ->
/// transpose(gather(x, i, axis p[a]), p'): the transpose copies the gathered
/// part only, and meets (and composes with) the transposes after it. This
/// is how a fused qkv tensor's head-split layout reaches the views
/// FormAttentionPattern builds.
struct SinkTransposeBelowScalarGather : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherOp gather,
                                PatternRewriter &rewriter) const override {
    auto transpose = gather.getInput().getDefiningOp<TransposeOp>();
    RankedTensorType indices = rankedType(gather.getIndices());
    if (!transpose || !indices || indices.getRank() != 0)
      return rewriter.notifyMatchFailure(gather, "not a scalar gather");
    ArrayRef<int64_t> perm = transpose.getPerm();
    int64_t rank = perm.size();
    int64_t axis =
        gather.getAxis() < 0 ? gather.getAxis() + rank : gather.getAxis();
    int64_t source = perm[axis];
    SmallVector<int64_t> rest;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis)
        rest.push_back(perm[i] > source ? perm[i] - 1 : perm[i]);
    Value inner = GatherOp::create(rewriter, gather.getLoc(),
                                   transpose.getInput(), gather.getIndices(),
                                   rewriter.getI64IntegerAttr(source));
    rewriter.replaceOpWithNewOp<TransposeOp>(
        gather, inner, rewriter.getDenseI64ArrayAttr(rest));
    return success();
  }
};

struct FormAttentionPass : mica::impl::FormAttentionBase<FormAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFormAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mica::populateFormAttentionPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<FormAttentionPattern, SinkTransposeBelowScalarGather>(context);
  ReshapeOp::getCanonicalizationPatterns(patterns, context);
  TransposeOp::getCanonicalizationPatterns(patterns, context);
}
