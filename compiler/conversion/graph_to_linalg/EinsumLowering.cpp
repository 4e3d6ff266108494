//===- EinsumLowering.cpp - graph.einsum -> one linalg.generic ------------===//
//
// One loop per label: the output labels (parallel) first, then the summed
// ones (reduction). Each operand is read through the map of its labels (a
// label repeated within an operand reads its diagonal); the body multiplies
// the operands and accumulates into a zero-initialised result. Dims of size
// 1 against a larger size of the same label broadcast (read at index 0).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "dialects/graph/IR/TypeInference.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

struct EinsumLowering : OpConversionPattern<graph::EinsumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (!isArithmeticType(element) || element.isInteger(1))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    ValueRange inputs = adaptor.getInputs();
    SmallVector<int64_t> ranks;
    for (Value v : inputs) {
      auto t = cast<RankedTensorType>(v.getType());
      if (!t.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "dynamic operand shape");
      ranks.push_back(t.getRank());
    }
    std::string error;
    FailureOr<graph::EinsumSpec> spec =
        graph::parseEinsum(op.getEquation(), ranks, error);
    if (failed(spec))
      return rewriter.notifyMatchFailure(op, error);
    // Loop order and sizes: output labels, then the rest as they appear.
    std::string labels = spec->output;
    llvm::DenseMap<char, int64_t> sizes;
    for (auto [term, value] : llvm::zip(spec->inputs, inputs)) {
      ArrayRef<int64_t> shape =
          cast<RankedTensorType>(value.getType()).getShape();
      for (auto [c, d] : llvm::zip(term, shape)) {
        if (!llvm::is_contained(labels, c))
          labels.push_back(c);
        int64_t &size = sizes[c];
        size = std::max(size, d);
      }
    }
    MLIRContext *ctx = rewriter.getContext();
    unsigned loops = labels.size();
    auto dimOf = [&](char c) { return getAffineDimExpr(labels.find(c), ctx); };
    SmallVector<AffineMap> maps;
    for (auto [term, value] : llvm::zip(spec->inputs, inputs)) {
      ArrayRef<int64_t> shape =
          cast<RankedTensorType>(value.getType()).getShape();
      SmallVector<AffineExpr> exprs;
      for (auto [c, d] : llvm::zip(term, shape))
        exprs.push_back(d == 1 && sizes[c] != 1 ? getAffineConstantExpr(0, ctx)
                                                : dimOf(c));
      maps.push_back(AffineMap::get(loops, 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    for (char c : spec->output)
      outExprs.push_back(dimOf(c));
    maps.push_back(AffineMap::get(loops, 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iterators;
    for (size_t i = 0; i < loops; ++i)
      iterators.push_back(i < spec->output.size()
                              ? utils::IteratorType::parallel
                              : utils::IteratorType::reduction);
    Location loc = op.getLoc();
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value init =
        createFilled(rewriter, loc, type, getSizesOf(rewriter, type), zero);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value product = toSignless(b, l, args[0]);
          for (Value arg : args.drop_front().drop_back())
            product = floatOrIntOp<arith::MulFOp, arith::MulIOp>(
                b, l, product, toSignless(b, l, arg));
          Value sum = floatOrIntOp<arith::AddFOp, arith::AddIOp>(
              b, l, toSignless(b, l, args.back()), product);
          linalg::YieldOp::create(b, l, castScalarTo(b, l, sum, element));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }

  static SmallVector<OpFoldResult> getSizesOf(OpBuilder &b,
                                              RankedTensorType type) {
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : type.getShape())
      sizes.push_back(b.getIndexAttr(d));
    return sizes;
  }
};

} // namespace

void populateEinsumPatterns(RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
