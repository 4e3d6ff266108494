//===- TokenMerge.cpp - ToMe as a compile-time rewrite --------------------===//
//
// See Passes.td (mica-token-merge). Blocks are merged one after the other:
// each merge re-types everything after it (TokenResize.h), so the next
// block already sees the merged token count and the sizes of its keys.
//
//===----------------------------------------------------------------------===//
#include "compiler/diagnostics/NodeLocation.h"
#include "dialects/graph/Analysis/TransformerBlocks.h"
#include "passes/graph_opt/AttentionParts.h"
#include "passes/token_merge/Atom.h"
#include "passes/token_merge/BipartiteMerge.h"
#include "passes/token_merge/Passes.h"
#include "passes/token_merge/TokenResize.h"

#include "mlir/IR/Matchers.h"

namespace mica {
#define GEN_PASS_DEF_TOKENMERGE
#include "passes/token_merge/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

RankedTensorType staticType(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

/// The attention's keys [G, N, E] (G = B * heads in the batch, E = heads *
/// D) averaged over every head: [B, N, D].
FailureOr<Value> headAveragedKeys(OpBuilder &b, AttentionOp attention,
                                  int64_t batch) {
  RankedTensorType key = staticType(attention.getKey());
  if (!key || key.getDimSize(0) % batch != 0)
    return failure();
  // On the score product's node: the keys are read where it reads them.
  Location loc = attentionPartLoc(attention.getLoc(), AttentionPart::Scores);
  int64_t g = key.getDimSize(0) / batch, n = key.getDimSize(1),
          heads = attention.getNumHeads(), d = key.getDimSize(2) / heads;
  auto i64s = [&](ArrayRef<int64_t> v) { return b.getDenseI64ArrayAttr(v); };
  Value k = ReshapeOp::create(b, loc, attention.getKey(), Value(),
                              i64s({batch, g, n, heads, d}));
  if (g * heads == 1)
    return ReshapeOp::create(b, loc, k, Value(), i64s({batch, n, d}))
        .getResult();
  k = TransposeOp::create(b, loc, k, i64s({0, 2, 1, 3, 4}));
  k = ReshapeOp::create(b, loc, k, Value(), i64s({batch, n, g * heads, d}));
  return ReduceOp::create(b, loc,
                          ReduceKindAttr::get(b.getContext(), ReduceKind::mean),
                          k, i64s({2}), b.getBoolAttr(false))
      .getResult();
}

/// key_bias += log(sizes) for an attention whose keys are the merged tokens
/// (sizes [B, N, 1]; the bias is [G, N] with the heads in the batch).
void addSizeBias(OpBuilder &b, AttentionOp attention, Value sizes) {
  Location loc = attentionPartLoc(attention.getLoc(), AttentionPart::Mask);
  auto shape = cast<RankedTensorType>(sizes.getType()).getShape();
  int64_t batch = shape[0], n = shape[1];
  int64_t g =
      cast<RankedTensorType>(attention.getKey().getType()).getDimSize(0);
  auto i64s = [&](ArrayRef<int64_t> v) { return b.getDenseI64ArrayAttr(v); };
  b.setInsertionPoint(attention);
  Value bias = LogOp::create(b, loc, sizes);
  if (g == batch || batch == 1) {
    bias = ReshapeOp::create(b, loc, bias, Value(), i64s({batch, n}));
  } else {
    bias = ReshapeOp::create(b, loc, bias, Value(), i64s({batch, 1, n}));
    bias = BroadcastToOp::create(b, loc, bias, Value(),
                                 i64s({batch, g / batch, n}));
    bias = ReshapeOp::create(b, loc, bias, Value(), i64s({g, n}));
  }
  if (Value old = attention.getKeyBias())
    bias = AddOp::create(b, loc, old, bias);
  attention.getKeyBiasMutable().assign(bias);
}

/// Whether `op` reads only protected tokens (index < protect) along `axis`.
bool readsProtectedOnly(Operation *op, int64_t axis, int64_t protect) {
  if (auto gather = dyn_cast<GatherOp>(op)) {
    int64_t rank =
        cast<RankedTensorType>(gather.getInput().getType()).getRank();
    int64_t gatherAxis =
        gather.getAxis() < 0 ? gather.getAxis() + rank : gather.getAxis();
    DenseIntElementsAttr indices;
    if (gatherAxis != axis ||
        !matchPattern(gather.getIndices(), m_Constant(&indices)))
      return false;
    return llvm::all_of(indices.getValues<APInt>(), [&](const APInt &i) {
      return i.getSExtValue() >= 0 && i.getSExtValue() < protect;
    });
  }
  if (auto slice = dyn_cast<SliceOp>(op))
    return slice.getStarts()[axis] >= 0 && slice.getSteps()[axis] > 0 &&
           slice.getEnds()[axis] <= protect;
  return false;
}

} // namespace

FailureOr<SmallVector<BlockTokens>>
mica::mergeTokens(func::FuncOp func, const TokenMergeOptions &options) {
  SmallVector<TransformerBlock> blocks = findTransformerBlocks(func);
  SmallVector<BlockTokens> report;
  for (TransformerBlock &block : blocks) {
    BlockTokens entry;
    entry.index = block.index;
    entry.node = getNodeLocInfo(attentionPartLoc(block.attention.getLoc(),
                                                 AttentionPart::Softmax))
                     .node;
    entry.crossAttention = block.crossAttention;
    auto query = cast<RankedTensorType>(block.attention.getQuery().getType());
    auto key = cast<RankedTensorType>(block.attention.getKey().getType());
    entry.tokensIn = entry.tokensOut = query.getDimSize(1);
    entry.tokensAttended = key.getDimSize(1);
    report.push_back(entry);
  }
  if (options.r <= 0)
    return report;
  if (blocks.empty())
    return emitError(func.getLoc(), "token merging found no attention in @")
           << func.getSymName()
           << " (softmax(Q K^T) V with static sequence lengths)";
  if (options.protect < 0 || options.start < 0)
    return emitError(func.getLoc(),
                     "token merging: protect and start must be >= 0");

  OpBuilder b(func.getContext());
  FloatMergeOps floatOps(b);
  Value sizes; // [B, N, 1] of the merged stream, once merged
  int64_t originalTokens = 0;
  for (auto [block, entry] : llvm::zip(blocks, report)) {
    AttentionOp attention = block.attention;
    auto query = cast<RankedTensorType>(attention.getQuery().getType());
    auto key = cast<RankedTensorType>(attention.getKey().getType());
    // Earlier merges changed these blocks' token counts.
    int64_t n = query.getDimSize(1);
    entry.tokensAttended = key.getDimSize(1);
    entry.tokensIn = entry.tokensOut = n;
    if (block.crossAttention)
      continue;
    if (sizes && options.proportional &&
        cast<RankedTensorType>(sizes.getType()).getDimSize(1) == n)
      addSizeBias(b, attention, sizes);
    if (block.index < options.start)
      continue;
    if (!block.residual)
      return attention.emitError("token merging: block ")
             << block.index << ": " << block.failure;
    Value x = block.residual.getResult();
    RankedTensorType type = staticType(x);
    if (!type || type.getRank() != 3)
      return block.residual.emitError(
                 "token merging needs a static [B, N, C] token stream after "
                 "block ")
             << block.index << " (give --input-shape), got " << x.getType();
    if (!type.getElementType().isF32())
      return block.residual.emitError("token merging supports float32 token "
                                      "streams, got ")
             << type.getElementType();
    // The token axis: the one of the first two dims that holds N.
    bool first = type.getDimSize(0) == n, second = type.getDimSize(1) == n;
    if (first == second)
      return block.residual.emitError("token merging cannot tell the token "
                                      "axis of ")
             << type << " (" << n << " tokens)";
    int64_t tokenAxis = first ? 0 : 1;
    int64_t batch = type.getDimSize(1 - tokenAxis);
    int64_t r = std::min(options.r, (n - options.protect) / 2);
    if (!originalTokens)
      originalTokens = n;
    if (r <= 0)
      continue;

    b.setInsertionPointAfter(block.residual);
    Location loc = block.residual.getLoc();
    FailureOr<Value> metric = headAveragedKeys(b, attention, batch);
    if (failed(metric))
      return attention.emitError("token merging: the keys ")
             << attention.getKey().getType() << " do not split into batch "
             << batch << " and heads";
    SmallPtrSet<Operation *, 8> before(x.getUsers().begin(),
                                       x.getUsers().end());
    Value tokens = x;
    if (tokenAxis == 0)
      tokens =
          TransposeOp::create(b, loc, x, b.getDenseI64ArrayAttr({1, 0, 2}));
    if (!sizes) {
      auto sizeType =
          RankedTensorType::get({batch, n, 1}, type.getElementType());
      sizes = ConstantOp::create(b, loc, sizeType,
                                 DenseElementsAttr::get(sizeType, 1.0f));
    }
    MergedTokens merged =
        buildBipartiteMerge(b, loc, tokens, sizes, *metric, r, options.protect);
    Value result = merged.tokens;
    if (tokenAxis == 0)
      result = TransposeOp::create(b, loc, result,
                                   b.getDenseI64ArrayAttr({1, 0, 2}));
    sizes = merged.sizes;
    entry.tokensOut = n - r;

    // The merge's own ops read x; every other user reads the merged tokens.
    x.replaceUsesWithIf(result, [&](OpOperand &use) {
      return before.contains(use.getOwner());
    });
    auto consumed = [&](Operation *op, unsigned,
                        int64_t axis) -> LogicalResult {
      if (isa<AttentionOp>(op) || readsProtectedOnly(op, axis, options.protect))
        return success();
      auto reduce = dyn_cast<ReduceOp>(op);
      if (reduce && reduce.getKind() == ReduceKind::mean && tokenAxis == 1 &&
          axis == 1 && llvm::equal(reduce.getAxes(), ArrayRef<int64_t>{1}) &&
          cast<RankedTensorType>(reduce.getInput().getType()).getRank() == 3) {
        // A mean over tokens weighs each by its size: sum(x * s) / N.
        OpBuilder rb(reduce);
        FloatMergeOps floatPool(rb);
        Location at = reduce.getLoc();
        Value weighted = MulOp::create(rb, at, reduce.getInput(), sizes);
        Value sum = ReduceOp::create(
            rb, at, ReduceKindAttr::get(rb.getContext(), ReduceKind::sum),
            weighted, reduce.getAxesAttr(), reduce.getKeepdimsAttr());
        auto scalar = RankedTensorType::get({}, type.getElementType());
        Value inverse = ConstantOp::create(
            rb, at, scalar,
            DenseElementsAttr::get(scalar, 1.0f / originalTokens));
        reduce.replaceAllUsesWith(
            MulOp::create(rb, at, sum, inverse).getResult());
        reduce.erase();
        return success();
      }
      return op->emitError("token merging cannot follow the tokens through "
                           "this op: it combines tokens (token axis ")
             << axis << "); only attention, a mean over tokens and reads of "
             << "the first " << options.protect << " (protected) tokens can";
    };
    if (failed(
            resizeTokens(result, type, Atom{tokenAxis, 1, n}, n - r, consumed)))
      return failure();
  }
  return report;
}

namespace {

struct TokenMergePass : mica::impl::TokenMergeBase<TokenMergePass> {
  using TokenMergeBase::TokenMergeBase;

  void runOnOperation() override {
    TokenMergeOptions options{r, start, protect, proportional};
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(mergeTokens(func, options)))
        return signalPassFailure();
  }
};

} // namespace
