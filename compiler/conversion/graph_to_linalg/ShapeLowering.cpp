//===- ShapeLowering.cpp - reshape, transpose, shape_of, broadcast, tile --===//
//
// reshape: collapse to 1-D, then expand to the target (both are views after
// bufferization); the target sizes follow ONNX (0 copies the input dim, -1 is
// the element count over the product of the others), also for a runtime
// `shape` operand. transpose: linalg.transpose. shape_of:
// tensor.from_elements of tensor.dim. broadcast_to: an elementwise copy with
// broadcasting maps. tile: a generic that reads input[i mod dim].
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

Value identityBody(OpBuilder &, Location, ValueRange args) { return args[0]; }

/// `x` viewed with the sizes `target` (one per dim of `type`).
Value reshapeTo(OpBuilder &b, Location loc, Value x, RankedTensorType type,
                ArrayRef<OpFoldResult> target) {
  auto xType = cast<RankedTensorType>(x.getType());
  Type element = xType.getElementType();
  Value flat = x;
  if (xType.getRank() == 0) {
    flat = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, element), x,
        ArrayRef<ReassociationIndices>{},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  } else if (xType.getRank() > 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < xType.getRank(); ++i)
      all.push_back(i);
    flat = tensor::CollapseShapeOp::create(
        b, loc, x, SmallVector<ReassociationIndices>{all});
  }
  // The 1-D view is static exactly when the target is (expand_shape rule).
  int64_t count =
      type.hasStaticShape() ? type.getNumElements() : ShapedType::kDynamic;
  flat = castTo(b, loc, flat, RankedTensorType::get({count}, element));
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, flat,
                                           ArrayRef<ReassociationIndices>{});
  if (type.getRank() == 1)
    return castTo(b, loc, flat, type);
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  // Each entry of output_shape is static exactly where `type` is.
  SmallVector<OpFoldResult> outputShape;
  for (auto [i, size] : llvm::enumerate(target))
    outputShape.push_back(
        type.isDynamicDim(i)
            ? OpFoldResult(getValueOrCreateConstantIndexOp(b, loc, size))
            : OpFoldResult(b.getIndexAttr(type.getDimSize(i))));
  return tensor::ExpandShapeOp::create(
      b, loc, type, flat, SmallVector<ReassociationIndices>{all}, outputShape);
}

struct ReshapeLowering : OpConversionPattern<graph::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput();
    int64_t inRank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x);
    SmallVector<int64_t> all;
    for (int64_t i = 0; i < inRank; ++i)
      all.push_back(i);
    Value total = sizeProduct(rewriter, loc, inSizes, all);
    SmallVector<OpFoldResult> target(rank);
    if (std::optional<ArrayRef<int64_t>> newShape = op.getNewShape()) {
      int64_t inferred = -1;
      for (int64_t i = 0; i < rank; ++i) {
        int64_t entry = (*newShape)[i];
        if (!type.isDynamicDim(i))
          target[i] = rewriter.getIndexAttr(type.getDimSize(i));
        else if (entry == 0)
          target[i] = inSizes[i];
        else if (entry > 0)
          target[i] = rewriter.getIndexAttr(entry);
        else
          inferred = i;
      }
      if (inferred >= 0) {
        SmallVector<int64_t> others;
        for (int64_t i = 0; i < rank; ++i)
          if (i != inferred)
            others.push_back(i);
        Value known = sizeProduct(rewriter, loc, target, others);
        target[inferred] =
            arith::DivUIOp::create(rewriter, loc, total, known).getResult();
      }
    } else {
      runtimeTarget(rewriter, loc, adaptor.getShape(), inSizes, total, type,
                    target);
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, x, type, target));
    return success();
  }

  /// ONNX semantics evaluated at run time on the i64 `shape` tensor.
  static void runtimeTarget(OpBuilder &b, Location loc, Value shape,
                            ArrayRef<OpFoldResult> inSizes, Value total,
                            RankedTensorType type,
                            SmallVectorImpl<OpFoldResult> &target) {
    int64_t rank = type.getRank();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value minusOne = arith::ConstantIndexOp::create(b, loc, -1);
    SmallVector<Value> entries;
    Value known = one;
    for (int64_t i = 0; i < rank; ++i) {
      Value pos = arith::ConstantIndexOp::create(b, loc, i);
      Value raw = tensor::ExtractOp::create(b, loc, shape, ValueRange{pos});
      Value entry = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
      if (i < static_cast<int64_t>(inSizes.size())) {
        Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                             entry, zero);
        entry = arith::SelectOp::create(
            b, loc, isZero, getValueOrCreateConstantIndexOp(b, loc, inSizes[i]),
            entry);
      }
      Value isInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                               entry, minusOne);
      known = arith::MulIOp::create(
          b, loc, known,
          arith::SelectOp::create(b, loc, isInferred, one, entry));
      entries.push_back(entry);
    }
    Value inferredSize = arith::DivUIOp::create(b, loc, total, known);
    for (int64_t i = 0; i < rank; ++i) {
      if (!type.isDynamicDim(i)) {
        target[i] = b.getIndexAttr(type.getDimSize(i));
        continue;
      }
      Value isInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                               entries[i], minusOne);
      target[i] =
          arith::SelectOp::create(b, loc, isInferred, inferredSize, entries[i])
              .getResult();
    }
  }
};

struct TransposeLowering : OpConversionPattern<graph::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x), sizes;
    SmallVector<int64_t> shape;
    for (int64_t p : op.getPerm()) {
      sizes.push_back(inSizes[p]);
      shape.push_back(xType.getDimSize(p));
    }
    auto resultType = RankedTensorType::get(shape, xType.getElementType());
    Value init = createEmpty(rewriter, loc, resultType, sizes);
    Value result =
        linalg::TransposeOp::create(rewriter, loc, x, init, op.getPerm())
            .getResult()[0];
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

struct ShapeOfLowering : OpConversionPattern<graph::ShapeOfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ShapeOfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (OpFoldResult size : getSizes(rewriter, loc, adaptor.getInput()))
      dims.push_back(arith::IndexCastOp::create(
          rewriter, loc, rewriter.getI64Type(),
          getValueOrCreateConstantIndexOp(rewriter, loc, size)));
    auto type = RankedTensorType::get({static_cast<int64_t>(dims.size())},
                                      rewriter.getI64Type());
    Value result = tensor::FromElementsOp::create(rewriter, loc, type, dims);
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

struct BroadcastToLowering : OpConversionPattern<graph::BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> shape = op.getShape();
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t dim = i - (rank - xType.getRank());
      int64_t entry = i - (rank - static_cast<int64_t>(shape.size()));
      if (!type.isDynamicDim(i)) {
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(i)));
      } else if (entry >= 0 && shape[entry] < 0) {
        // Read from the target when it runs; numpy broadcasting keeps an
        // input dim other than 1.
        Value pos = arith::ConstantIndexOp::create(rewriter, loc, entry);
        Value raw = tensor::ExtractOp::create(
            rewriter, loc, adaptor.getTarget(), ValueRange{pos});
        Value size = arith::IndexCastOp::create(rewriter, loc,
                                                rewriter.getIndexType(), raw);
        if (dim >= 0 && xType.getDimSize(dim) != 1) {
          Value in = getValueOrCreateConstantIndexOp(
              rewriter, loc, tensor::getMixedSize(rewriter, loc, x, dim));
          Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
          Value isOne = arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::eq, in, one);
          size = arith::SelectOp::create(rewriter, loc, isOne, size, in);
        }
        sizes.push_back(size);
      } else if (dim >= 0 && xType.getDimSize(dim) != 1) {
        sizes.push_back(tensor::getMixedSize(rewriter, loc, x, dim));
      } else {
        sizes.push_back(rewriter.getIndexAttr(entry >= 0 ? shape[entry] : 1));
      }
    }
    Value result =
        buildElementwise(rewriter, loc, type, x, identityBody, sizes);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TileLowering : OpConversionPattern<graph::TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput();
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x), sizes;
    for (auto [i, repeat] : llvm::enumerate(op.getRepeats())) {
      if (!type.isDynamicDim(i)) {
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(i)));
        continue;
      }
      sizes.push_back(
          arith::MulIOp::create(
              rewriter, loc,
              getValueOrCreateConstantIndexOp(rewriter, loc, inSizes[i]),
              arith::ConstantIndexOp::create(rewriter, loc, repeat))
              .getResult());
    }
    Value result =
        buildMapped(rewriter, loc, type, sizes, {}, {},
                    [&](OpBuilder &b, Location l, ValueRange) -> Value {
                      SmallVector<Value> indices;
                      for (int64_t i = 0; i < type.getRank(); ++i)
                        indices.push_back(arith::RemUIOp::create(
                            b, l, linalg::IndexOp::create(b, l, i),
                            getValueOrCreateConstantIndexOp(b, l, inSizes[i])));
                      return tensor::ExtractOp::create(b, l, x, indices);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, ShapeOfLowering,
               BroadcastToLowering, TileLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
