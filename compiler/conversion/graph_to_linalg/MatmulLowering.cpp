//===- MatmulLowering.cpp - matmul / fully_connected -> linalg ------------===//
//
// graph.matmul: 1-D operands are first viewed as [1, K] / [K, 1]. Two 2-D
// operands use linalg.matmul; a batched lhs with a 2-D rhs is collapsed to
// [B*M, K] (a free view) and uses linalg.matmul too; other batched products
// are one linalg.generic whose maps broadcast the batch dims numpy-style.
// graph.fully_connected: input viewed as [M, K], a generic contracting with
// the [N, K] weight (no transposed copy), initialised with the bias.
// All products accumulate `acc + a * b` in the element type, k innermost
// (i8 operands sign-extended to the i32 accumulator).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

Value multiplyAccumulate(OpBuilder &b, Location loc, ValueRange args) {
  if (isa<FloatType>(args[0].getType()))
    return arith::AddFOp::create(
        b, loc, args[2], arith::MulFOp::create(b, loc, args[0], args[1]));
  // i8 operands accumulate in i32 (sign-extended, the quantised path).
  Type acc = args[2].getType();
  auto widen = [&](Value v) -> Value {
    return v.getType() == acc ? v : arith::ExtSIOp::create(b, loc, acc, v);
  };
  return arith::AddIOp::create(
      b, loc, args[2],
      arith::MulIOp::create(b, loc, widen(args[0]), widen(args[1])));
}

/// Inserts a size-1 dim at `pos` (a free view).
Value insertUnitDim(OpBuilder &b, Location loc, Value value, int64_t pos) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + pos, 1);
  return expandReducedDims(b, loc, value, {pos},
                           RankedTensorType::get(shape, type.getElementType()));
}

/// A contraction generic over loops (batch..., m, n, k) with the given maps
/// for lhs, rhs and the output, accumulating into `init`.
Value buildContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                       Value init, ArrayRef<AffineMap> maps) {
  unsigned loops = maps[0].getNumDims();
  SmallVector<utils::IteratorType> iterators = parallelIterators(loops);
  iterators.back() = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{lhs, rhs},
             ValueRange{init}, maps, iterators,
             [](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl,
                                       multiplyAccumulate(nb, nl, args));
             })
      .getResult(0);
}

/// lhs [..., M, K] x rhs [..., K, N] with ranks >= 2 into `type`, with
/// the width bounds of `source` (a 2-D rhs: loops m, n, k).
Value buildMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                  RankedTensorType type, Operation *source) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  Value zero = scalarConstant(b, loc, element, 0);
  SmallVector<OpFoldResult> lhsSizes = getSizes(b, loc, lhs);
  SmallVector<OpFoldResult> rhsSizes = getSizes(b, loc, rhs);
  OpFoldResult m = lhsSizes[lhsType.getRank() - 2];
  OpFoldResult n = rhsSizes.back();

  if (rhsType.getRank() == 2) {
    // [B..., M, K] -> [B*M, K]: the batch folds into M.
    Value flat = lhs;
    if (lhsType.getRank() > 2) {
      ReassociationIndices rows;
      for (int64_t i = 0; i < lhsType.getRank() - 1; ++i)
        rows.push_back(i);
      flat = tensor::CollapseShapeOp::create(
          b, loc, lhs,
          SmallVector<ReassociationIndices>{rows, {lhsType.getRank() - 1}});
    }
    auto flatType = cast<RankedTensorType>(flat.getType());
    auto outType = RankedTensorType::get(
        {flatType.getDimSize(0), rhsType.getDimSize(1)}, element);
    SmallVector<OpFoldResult> outSizes{getSizes(b, loc, flat)[0], n};
    Value init = createFilled(b, loc, outType, outSizes, zero);
    auto matmul = linalg::MatmulOp::create(b, loc, TypeRange{outType},
                                           ValueRange{flat, rhs}, init);
    copyWidthBounds(source, matmul, 1, 2u);
    Value product = matmul.getResult(0);
    if (lhsType.getRank() == 2)
      return castTo(b, loc, product, type);
    SmallVector<OpFoldResult> outShape(lhsSizes.begin(), lhsSizes.end() - 1);
    outShape.push_back(n);
    ReassociationIndices rows;
    for (int64_t i = 0; i < rank - 1; ++i)
      rows.push_back(i);
    SmallVector<int64_t> shape(lhsType.getShape().drop_back());
    shape.push_back(rhsType.getDimSize(1));
    Value expanded = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, element), product,
        SmallVector<ReassociationIndices>{rows, {rank - 1}}, outShape);
    return castTo(b, loc, expanded, type);
  }

  // General batched case: loops (batch..., m, n, k).
  MLIRContext *ctx = b.getContext();
  unsigned loops = rank + 1;
  AffineExpr dm = getAffineDimExpr(rank - 2, ctx);
  AffineExpr dn = getAffineDimExpr(rank - 1, ctx);
  AffineExpr dk = getAffineDimExpr(rank, ctx);
  auto operandMap = [&](RankedTensorType operand, AffineExpr row,
                        AffineExpr col) {
    int64_t batch = operand.getRank() - 2, offset = rank - 2 - batch;
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < batch; ++i) {
      bool broadcasts =
          operand.getDimSize(i) == 1 && type.getDimSize(i + offset) != 1;
      exprs.push_back(broadcasts ? getAffineConstantExpr(0, ctx)
                                 : getAffineDimExpr(i + offset, ctx));
    }
    exprs.append({row, col});
    return AffineMap::get(loops, 0, exprs, ctx);
  };
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps{operandMap(lhsType, dm, dk),
                              operandMap(rhsType, dk, dn),
                              AffineMap::get(loops, 0, outExprs, ctx)};

  // Batch sizes broadcast like elementwise operands; M and N as above.
  auto batchOf = [&](Value value, RankedTensorType t) {
    SmallVector<int64_t> shape(t.getShape().drop_back(2));
    return std::make_pair(value, RankedTensorType::get(shape, element));
  };
  SmallVector<int64_t> batchShape(type.getShape().drop_back(2));
  auto batchType = RankedTensorType::get(batchShape, element);
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank - 2; ++i) {
    OpFoldResult size = b.getIndexAttr(1);
    if (!batchType.isDynamicDim(i)) {
      size = b.getIndexAttr(batchType.getDimSize(i));
    } else {
      for (auto [value, t] : {batchOf(lhs, lhsType), batchOf(rhs, rhsType)}) {
        int64_t dim = i - (rank - 2 - t.getRank());
        if (dim >= 0 && t.getDimSize(dim) != 1) {
          size = tensor::getMixedSize(b, loc, value, dim);
          break;
        }
      }
    }
    sizes.push_back(size);
  }
  sizes.append({m, n});
  Value init = createFilled(b, loc, type, sizes, zero);
  return buildContraction(b, loc, lhs, rhs, init, maps);
}

struct MatmulLowering : OpConversionPattern<graph::MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    if (!isArithmeticType(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    bool lhsVector = cast<RankedTensorType>(lhs.getType()).getRank() == 1;
    bool rhsVector = cast<RankedTensorType>(rhs.getType()).getRank() == 1;
    if (lhsVector)
      lhs = insertUnitDim(rewriter, loc, lhs, 0);
    if (rhsVector)
      rhs = insertUnitDim(rewriter, loc, rhs, 1);
    // The result with the promoted unit dims still in place.
    SmallVector<int64_t> fullShape(type.getShape());
    SmallVector<int64_t> promoted;
    if (lhsVector) {
      fullShape.insert(fullShape.end() - (rhsVector ? 0 : 1), 1);
      promoted.push_back(fullShape.size() - (rhsVector ? 1 : 2));
    }
    if (rhsVector) {
      fullShape.push_back(1);
      promoted.push_back(fullShape.size() - 1);
    }
    auto fullType = RankedTensorType::get(fullShape, type.getElementType());
    Value result = buildMatmul(rewriter, loc, lhs, rhs, fullType, op);
    if (!promoted.empty())
      result = collapseUnitDims(rewriter, loc, result, promoted, type);
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

struct FullyConnectedLowering : OpConversionPattern<graph::FullyConnectedOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::FullyConnectedOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (!isArithmeticType(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, input);
    Value flat = input;
    if (rank == 1) {
      flat = insertUnitDim(rewriter, loc, input, 0);
    } else if (rank > 2) {
      ReassociationIndices rows;
      for (int64_t i = 0; i < rank - 1; ++i)
        rows.push_back(i);
      flat = tensor::CollapseShapeOp::create(
          rewriter, loc, input,
          SmallVector<ReassociationIndices>{rows, {rank - 1}});
    }
    auto flatType = cast<RankedTensorType>(flat.getType());
    int64_t n = cast<RankedTensorType>(weight.getType()).getDimSize(0);
    auto outType = RankedTensorType::get({flatType.getDimSize(0), n}, element);
    SmallVector<OpFoldResult> outSizes{
        getSizes(rewriter, loc, flat)[0],
        tensor::getMixedSize(rewriter, loc, weight, 0)};
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr dm = getAffineDimExpr(0, ctx), dn = getAffineDimExpr(1, ctx),
               dk = getAffineDimExpr(2, ctx);
    Value init;
    if (Value bias = adaptor.getBias())
      init = buildMapped(
          rewriter, loc, outType, outSizes, bias,
          AffineMap::get(2, 0, getAffineDimExpr(1, ctx), ctx),
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    else
      init = createFilled(rewriter, loc, outType, outSizes,
                          scalarConstant(rewriter, loc, element, 0));
    SmallVector<AffineMap> maps{AffineMap::get(3, 0, {dm, dk}, ctx),
                                AffineMap::get(3, 0, {dn, dk}, ctx),
                                AffineMap::get(3, 0, {dm, dn}, ctx)};
    Value product = buildContraction(rewriter, loc, flat, weight, init, maps);
    copyWidthBounds(op, product.getDefiningOp<linalg::LinalgOp>(), 1, 2u);
    Value result;
    if (rank == 1) {
      result = collapseUnitDims(rewriter, loc, product, {0}, type);
    } else if (rank == 2) {
      result = product;
    } else {
      SmallVector<OpFoldResult> outShape(inSizes.begin(), inSizes.end() - 1);
      outShape.push_back(outSizes[1]);
      ReassociationIndices rows;
      for (int64_t i = 0; i < rank - 1; ++i)
        rows.push_back(i);
      SmallVector<int64_t> shape(inputType.getShape().drop_back());
      shape.push_back(n);
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, element), product,
          SmallVector<ReassociationIndices>{rows, {rank - 1}}, outShape);
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

} // namespace

void populateMatmulPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, FullyConnectedLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
