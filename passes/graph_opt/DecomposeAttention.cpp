//===- DecomposeAttention.cpp - graph.attention as matmuls and a softmax --===//
//
// See Passes.td (mica-decompose-attention). The pieces get the locations of
// the ONNX nodes mica-form-attention took them from (AttentionParts.h).
// One head (the [B*H, S, D] form of seq-first exports) stays 3-D, so that
// forming and decomposing an exported attention gives its ops back.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/graph_opt/AttentionParts.h"
#include "passes/graph_opt/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mica {
#define GEN_PASS_DEF_DECOMPOSEATTENTION
#include "passes/graph_opt/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

struct DecomposeAttentionPattern : OpRewritePattern<AttentionOp> {
  DecomposeAttentionPattern(MLIRContext *context, bool keepStatic)
      : OpRewritePattern(context), keepStatic(keepStatic) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (keepStatic && op.hasStaticShapes())
      return rewriter.notifyMatchFailure(op, "static: lowered fused");
    auto qType = dyn_cast<RankedTensorType>(op.getQuery().getType());
    auto kType = dyn_cast<RankedTensorType>(op.getKey().getType());
    if (!qType || !kType || qType.isDynamicDim(2))
      return rewriter.notifyMatchFailure(op, "unranked or dynamic heads");
    Location loc = op.getLoc();
    auto at = [&](AttentionPart part) { return attentionPartLoc(loc, part); };
    int64_t heads = op.getNumHeads(), sq = qType.getDimSize(1),
            skv = kType.getDimSize(1), e = qType.getDimSize(2), d = e / heads;
    bool split = heads > 1;
    if (split && (ShapedType::isDynamic(sq) || ShapedType::isDynamic(skv)))
      return rewriter.notifyMatchFailure(op, "dynamic sequence with heads");
    auto i64s = [&](ArrayRef<int64_t> v) {
      return rewriter.getDenseI64ArrayAttr(v);
    };
    // [B, S, E] -> [B, H, S, D] (or the transposed key [B, H, D, S]).
    auto toHeads = [&](Value v, int64_t s, bool transposeKey) -> Value {
      if (!split)
        return transposeKey
                   ? TransposeOp::create(rewriter, loc, v, i64s({0, 2, 1}))
                         .getResult()
                   : v;
      Value r =
          ReshapeOp::create(rewriter, loc, v, Value(), i64s({0, s, heads, d}));
      return TransposeOp::create(rewriter, loc, r,
                                 transposeKey ? i64s({0, 2, 3, 1})
                                              : i64s({0, 2, 1, 3}));
    };
    Value q = toHeads(op.getQuery(), sq, false);
    Value kt = toHeads(op.getKey(), skv, true);
    Value v = toHeads(op.getValue(), skv, false);
    Type element = qType.getElementType();
    auto scalar = [&](double value, Location where) -> Value {
      auto type = RankedTensorType::get({}, element);
      return ConstantOp::create(
          rewriter, where, type,
          DenseElementsAttr::get(type, rewriter.getFloatAttr(element, value)));
    };

    Value s = MatmulOp::create(rewriter, at(AttentionPart::Scores), q, kt);
    double scale = op.getScale().convertToDouble();
    if (scale != 1)
      s = MulOp::create(rewriter, at(AttentionPart::Scale), s,
                        scalar(scale, at(AttentionPart::Scale)));
    if (Value mask = op.getMask()) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      // A 4-D mask of one head goes back to the 3-D scores.
      if (!split && maskType.getRank() == 4)
        mask = ReshapeOp::create(
            rewriter, loc, mask, Value(),
            i64s({maskType.getDimSize(0) == 1 ? 1 : 0, maskType.getDimSize(2),
                  maskType.getDimSize(3)}));
      s = AddOp::create(rewriter, at(AttentionPart::Mask), s, mask);
    }
    if (Value bias = op.getKeyBias()) {
      int64_t b = cast<RankedTensorType>(bias.getType()).getDimSize(0);
      int64_t batch = b == 1 ? 1 : 0;
      Value view = ReshapeOp::create(rewriter, loc, bias, Value(),
                                     split ? i64s({batch, 1, 1, skv})
                                           : i64s({batch, 1, skv}));
      s = AddOp::create(rewriter, at(AttentionPart::Mask), s, view);
    }
    if (op.getCausal()) {
      if (ShapedType::isDynamic(sq) || ShapedType::isDynamic(skv))
        return rewriter.notifyMatchFailure(op, "causal with a dynamic length");
      // Top-left aligned: key j is hidden from query i when j > i.
      auto type = RankedTensorType::get({sq, skv}, element);
      SmallVector<APFloat> values;
      const llvm::fltSemantics &sem =
          cast<FloatType>(element).getFloatSemantics();
      for (int64_t i = 0; i < sq; ++i)
        for (int64_t j = 0; j < skv; ++j)
          values.push_back(j > i ? APFloat::getInf(sem, /*Negative=*/true)
                                 : APFloat::getZero(sem));
      Value causal = ConstantOp::create(rewriter, at(AttentionPart::Mask), type,
                                        DenseElementsAttr::get(type, values));
      s = AddOp::create(rewriter, at(AttentionPart::Mask), s, causal);
    }
    Value p = SoftmaxOp::create(rewriter, at(AttentionPart::Softmax), s,
                                rewriter.getI64IntegerAttr(-1));
    Value o = MatmulOp::create(rewriter, at(AttentionPart::Values), p, v);
    if (split) {
      o = TransposeOp::create(rewriter, loc, o, i64s({0, 2, 1, 3}));
      o = ReshapeOp::create(rewriter, loc, o, Value(), i64s({0, sq, e}));
    }
    rewriter.replaceOp(op, o);
    return success();
  }

  bool keepStatic;
};

struct DecomposeAttentionPass
    : mica::impl::DecomposeAttentionBase<DecomposeAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeAttentionPatterns(patterns, keepStatic);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mica::populateDecomposeAttentionPatterns(RewritePatternSet &patterns,
                                              bool keepStatic) {
  MLIRContext *context = patterns.getContext();
  patterns.add<DecomposeAttentionPattern>(context, keepStatic);
  ReshapeOp::getCanonicalizationPatterns(patterns, context);
  TransposeOp::getCanonicalizationPatterns(patterns, context);
}
