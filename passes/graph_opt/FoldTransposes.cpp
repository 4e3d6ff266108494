//===- FoldTransposes.cpp - Transposes folded into their neighbours -------===//
//
// See Passes.td (mica-fold-transposes). Exporters write attention as
// reshape -> transpose -> matmul -> transpose -> reshape; every transpose is
// a copy of the tensor in a layout the next op could have read directly.
// Three rewrites remove them:
//  - a transpose that only moves unit dims is a reshape (no data moves);
//  - an elementwise op with a one-element operand commutes with the
//    transpose before it (x^T / s = (x / s)^T), bringing the transpose next
//    to the matmul that reads it;
//  - matmul(transpose(a), transpose(b)) and transpose(matmul(a, b)) become
//    one graph.einsum whose subscripts carry the permutations, where the
//    CPU kernels read the permuted operand as fast as the plain one: the
//    left operand always (its elements are broadcast one by one), the right
//    operand and the result only when their innermost dim stays innermost
//    (it is the vectorised one).
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/graph_opt/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mica {
#define GEN_PASS_DEF_FOLDTRANSPOSES
#include "passes/graph_opt/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::graph;

namespace {

RankedTensorType rankedType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// Whether `op` only moves dims of extent 1 (the others keep their order):
/// then it is a reshape, with a static result.
bool movesOnlyUnitDims(TransposeOp op) {
  RankedTensorType in = rankedType(op.getInput());
  RankedTensorType out = rankedType(op.getResult());
  if (!in || !out || !out.hasStaticShape())
    return false;
  int64_t last = -1;
  for (int64_t p : op.getPerm()) {
    if (in.getDimSize(p) == 1)
      continue;
    if (p < last)
      return false;
    last = p;
  }
  return true;
}

/// transpose -> reshape when the dims that are not 1 keep their order.
struct UnitDimTransposeToReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!movesOnlyUnitDims(op))
      return rewriter.notifyMatchFailure(op, "moves data");
    auto out = cast<RankedTensorType>(op.getType());
    rewriter.replaceOpWithNewOp<ReshapeOp>(
        op, out, op.getInput(), Value(),
        rewriter.getDenseI64ArrayAttr(out.getShape()));
    return success();
  }
};

/// op(transpose(x), s) -> transpose(op(x, s)) for a one-element s (either
/// side), so that the transpose reaches the matmul that reads the result.
template <typename BinaryOp>
struct SinkTransposeBelowScalarOp : OpRewritePattern<BinaryOp> {
  using OpRewritePattern<BinaryOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(BinaryOp op,
                                PatternRewriter &rewriter) const override {
    for (unsigned side = 0; side < 2; ++side) {
      Value t = op->getOperand(side), s = op->getOperand(1 - side);
      auto transpose = t.getDefiningOp<TransposeOp>();
      RankedTensorType sType = rankedType(s);
      RankedTensorType tType = rankedType(t);
      if (!transpose || !transpose->hasOneUse() || !sType || !tType ||
          !sType.hasStaticShape() || sType.getNumElements() != 1 ||
          sType.getRank() > tType.getRank() || op.getType() != tType)
        continue;
      Value x = transpose.getInput();
      auto xType = cast<RankedTensorType>(x.getType());
      SmallVector<Value, 2> operands = {x, s};
      if (side == 1)
        std::swap(operands[0], operands[1]);
      auto inner = BinaryOp::create(
          rewriter, op.getLoc(),
          RankedTensorType::get(xType.getShape(), tType.getElementType()),
          operands[0], operands[1]);
      rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner,
                                               transpose.getPermAttr());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no transpose with a scalar");
  }
};

/// matmul with transposed operands and/or a transposed result -> einsum.
struct MatmulTransposesToEinsum : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType lhsType = rankedType(op.getLhs());
    RankedTensorType rhsType = rankedType(op.getRhs());
    RankedTensorType resType = rankedType(op.getResult());
    if (!lhsType || !rhsType || !resType || lhsType.getRank() < 2 ||
        rhsType.getRank() < 2 || !resType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not a float matrix product");
    // graph.einsum lowers static shapes only.
    if (!lhsType.hasStaticShape() || !rhsType.hasStaticShape() ||
        !resType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t rank = resType.getRank();
    int64_t rhsBatch = rhsType.getRank() - 2;
    // Batch dims: the right operand's must be absent or the same as the
    // result's (no broadcasting of the left one: einsum has none).
    if (lhsType.getRank() != rank ||
        (rhsBatch != 0 && rhsType.getRank() != rank))
      return rewriter.notifyMatchFailure(op, "broadcast batch dims");
    for (int64_t d = 0; d < rhsBatch; ++d)
      if (rhsType.getDimSize(d) != lhsType.getDimSize(d) ||
          ShapedType::isDynamic(rhsType.getDimSize(d)))
        return rewriter.notifyMatchFailure(op, "broadcast batch dims");

    // Subscripts: result [b..., m, n], reduction k.
    std::string res;
    for (int64_t d = 0; d < rank; ++d)
      res.push_back('a' + d);
    char k = 'a' + rank;
    std::string lhs = res.substr(0, rank - 1) + k;
    std::string rhs = res.substr(0, rhsBatch) + k + res.back();

    Value a = op.getLhs(), b = op.getRhs();
    bool folded = false;
    // transpose: result dim i is input dim perm[i].
    auto unpermute = [](const std::string &sub, ArrayRef<int64_t> perm) {
      std::string in(sub.size(), ' ');
      for (size_t i = 0; i < perm.size(); ++i)
        in[perm[i]] = sub[i];
      return in;
    };
    // Transposes of unit dims are left to UnitDimTransposeToReshape: a
    // reshape keeps the plain matmul.
    auto foldable = [](Value v) {
      auto t = v.getDefiningOp<TransposeOp>();
      return t && !movesOnlyUnitDims(t) ? t : TransposeOp();
    };
    if (auto t = foldable(a)) {
      lhs = unpermute(lhs, t.getPerm());
      a = t.getInput();
      folded = true;
    }
    if (auto t = foldable(b)) {
      if (t.getPerm().back() == (int64_t)t.getPerm().size() - 1) {
        rhs = unpermute(rhs, t.getPerm());
        b = t.getInput();
        folded = true;
      }
    }
    Operation *replaced = op;
    Type resultType = resType;
    if (op->hasOneUse()) {
      if (auto t = dyn_cast<TransposeOp>(*op->user_begin())) {
        if (t.getPerm().back() == rank - 1 && !movesOnlyUnitDims(t)) {
          std::string out;
          for (int64_t p : t.getPerm())
            out.push_back(res[p]);
          res = out;
          replaced = t;
          resultType = t.getType();
          folded = true;
        }
      }
    }
    if (!folded)
      return rewriter.notifyMatchFailure(op, "no transpose to fold");
    rewriter.setInsertionPoint(replaced);
    auto einsum =
        EinsumOp::create(rewriter, op.getLoc(), resultType, ValueRange{a, b},
                         rewriter.getStringAttr(lhs + "," + rhs + "->" + res));
    rewriter.replaceOp(replaced, einsum.getResult());
    if (replaced != op.getOperation())
      rewriter.eraseOp(op);
    return success();
  }
};

struct FoldTransposesPass : mica::impl::FoldTransposesBase<FoldTransposesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<
        UnitDimTransposeToReshape, MatmulTransposesToEinsum,
        SinkTransposeBelowScalarOp<MulOp>, SinkTransposeBelowScalarOp<DivOp>,
        SinkTransposeBelowScalarOp<AddOp>, SinkTransposeBelowScalarOp<SubOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
