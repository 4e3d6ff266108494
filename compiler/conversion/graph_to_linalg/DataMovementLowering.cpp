//===- DataMovementLowering.cpp - concat, slice, split, gather, pad -------===//
//
// concat: tensor.empty + one tensor.insert_slice per input. slice / split:
// tensor.extract_slice (a view after bufferization); ONNX clamping is
// resolved at compile time for static dims and with index arithmetic for `?`
// dims; negative steps read through a linalg.generic with reversed maps.
// gather: a generic over the result that tensor.extracts the selected rows.
// pad: tensor.pad for "constant" (after an extract_slice for negative pads),
// a generic with clamped / reflected indices for "edge" / "reflect".
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

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

OpFoldResult addSizes(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx + *cy);
  return arith::AddIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, x),
                               getValueOrCreateConstantIndexOp(b, loc, y))
      .getResult();
}

struct ConcatLowering : OpConversionPattern<graph::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = normalizedAxis(op.getAxis(), rank);
    ValueRange inputs = adaptor.getInputs();
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, inputs[0]);
    OpFoldResult total = rewriter.getIndexAttr(0);
    for (Value input : inputs)
      total = addSizes(rewriter, loc, total,
                       tensor::getMixedSize(rewriter, loc, input, axis));
    sizes[axis] = total;
    Value result = createEmpty(rewriter, loc, type, sizes);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    for (Value input : inputs) {
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, input);
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             offsets, inSizes, strides);
      offset = addSizes(rewriter, loc, offset, inSizes[axis]);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Start and size of an ONNX slice with a positive step on a `?` dim.
std::pair<Value, Value> dynamicSlice(OpBuilder &b, Location loc, Value dim,
                                     int64_t start, int64_t end, int64_t step) {
  Value zero = indexConst(b, loc, 0);
  auto resolve = [&](int64_t v) -> Value {
    if (v < 0) // max(dim + v, 0); v may be INT64_MIN
      return arith::MaxSIOp::create(
          b, loc,
          arith::AddIOp::create(
              b, loc, dim,
              indexConst(b, loc, std::max<int64_t>(v, -(int64_t(1) << 62)))),
          zero);
    return arith::MinSIOp::create(b, loc, indexConst(b, loc, v), dim);
  };
  Value first = resolve(start), last = resolve(end);
  Value span = arith::SubIOp::create(b, loc, last, first);
  Value size =
      arith::CeilDivSIOp::create(b, loc, span, indexConst(b, loc, step));
  return {first, arith::MaxSIOp::create(b, loc, size, zero)};
}

struct SliceLowering : OpConversionPattern<graph::SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> starts = op.getStarts(), ends = op.getEnds(),
                      steps = op.getSteps();
    bool reversed = llvm::any_of(steps, [](int64_t s) { return s < 0; });
    if (reversed && !xType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "negative step on dynamic shape");
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t i = 0; i < xType.getRank(); ++i) {
      int64_t dim = xType.getDimSize(i);
      strides.push_back(rewriter.getIndexAttr(steps[i]));
      if (!ShapedType::isDynamic(dim)) {
        graph::SliceRange range =
            graph::resolveSlice(dim, starts[i], ends[i], steps[i]);
        offsets.push_back(rewriter.getIndexAttr(range.start));
        sizes.push_back(rewriter.getIndexAttr(range.size));
        continue;
      }
      auto [first, size] = dynamicSlice(rewriter, loc, cast<Value>(inSizes[i]),
                                        starts[i], ends[i], steps[i]);
      offsets.push_back(first);
      sizes.push_back(size);
    }
    Value result;
    if (type.hasStaticShape() && type.getNumElements() == 0) {
      // An empty slice reads nothing (its start may lie past the end).
      result = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                       type.getElementType());
    } else if (!reversed) {
      result = tensor::ExtractSliceOp::create(rewriter, loc, x, offsets, sizes,
                                              strides);
    } else {
      // out[i] = x[start + i * step], one affine expression per dim.
      MLIRContext *ctx = rewriter.getContext();
      SmallVector<AffineExpr> exprs;
      SmallVector<int64_t> shape;
      for (int64_t i = 0; i < xType.getRank(); ++i) {
        exprs.push_back(*getConstantIntValue(offsets[i]) +
                        getAffineDimExpr(i, ctx) * steps[i]);
        shape.push_back(*getConstantIntValue(sizes[i]));
      }
      auto resultType = RankedTensorType::get(shape, xType.getElementType());
      result = buildMapped(
          rewriter, loc, resultType, sizes, x,
          AffineMap::get(xType.getRank(), 0, exprs, ctx),
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

struct SplitLowering : OpConversionPattern<graph::SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t axis = normalizedAxis(op.getAxis(), rank);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    SmallVector<Value> results;
    int64_t offset = 0;
    for (auto [size, result] : llvm::zip(op.getSizes(), op.getResults())) {
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      sizes[axis] = rewriter.getIndexAttr(size);
      // An empty piece reads nothing (and its offset may be past the end).
      Value piece =
          size == 0
              ? createEmpty(rewriter, loc,
                            cast<RankedTensorType>(result.getType()), sizes)
              : tensor::ExtractSliceOp::create(rewriter, loc, x, offsets, sizes,
                                               strides)
                    .getResult();
      results.push_back(castTo(rewriter, loc, piece, result.getType()));
      offset += size;
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct GatherLowering : OpConversionPattern<graph::GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput(), indices = adaptor.getIndices();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t axis = normalizedAxis(op.getAxis(), rank);
    int64_t q = cast<RankedTensorType>(indices.getType()).getRank();
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> sizes(inSizes.begin(), inSizes.begin() + axis);
    llvm::append_range(sizes, getSizes(rewriter, loc, indices));
    sizes.append(inSizes.begin() + axis + 1, inSizes.end());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t i = 0; i < q; ++i)
      indexExprs.push_back(getAffineDimExpr(axis + i, ctx));
    AffineMap indexMap = AffineMap::get(type.getRank(), 0, indexExprs, ctx);
    Value axisSize =
        getValueOrCreateConstantIndexOp(rewriter, loc, inSizes[axis]);
    Value result = buildMapped(
        rewriter, loc, type, sizes, indices, indexMap,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value idx =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value negative = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::slt, idx, indexConst(b, l, 0));
          idx = arith::SelectOp::create(
              b, l, negative, arith::AddIOp::create(b, l, idx, axisSize), idx);
          SmallVector<Value> coords;
          for (int64_t i = 0; i < axis; ++i)
            coords.push_back(linalg::IndexOp::create(b, l, i));
          coords.push_back(idx);
          for (int64_t i = axis + 1; i < rank; ++i)
            coords.push_back(linalg::IndexOp::create(b, l, i - 1 + q));
          return tensor::ExtractOp::create(b, l, x, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : OpConversionPattern<graph::PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (!isArithmeticType(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Value x = adaptor.getInput();
    int64_t rank = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<OpFoldResult> inSizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> outSizes;
    for (int64_t i = 0; i < rank; ++i)
      outSizes.push_back(
          addSizes(rewriter, loc, inSizes[i],
                   rewriter.getIndexAttr(pads[i] + pads[i + rank])));
    if (op.getMode() != "constant") {
      bool edge = op.getMode() == "edge";
      Value result = buildMapped(
          rewriter, loc, type, outSizes, {}, {},
          [&](OpBuilder &b, Location l, ValueRange) -> Value {
            SmallVector<Value> coords;
            for (int64_t i = 0; i < rank; ++i) {
              Value dim = getValueOrCreateConstantIndexOp(b, l, inSizes[i]);
              Value last =
                  arith::SubIOp::create(b, l, dim, indexConst(b, l, 1));
              Value pos =
                  arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, i),
                                        indexConst(b, l, pads[i]));
              Value zero = indexConst(b, l, 0);
              if (edge) {
                pos = arith::MaxSIOp::create(b, l, pos, zero);
                pos = arith::MinSIOp::create(b, l, pos, last);
              } else { // reflect: |pos|, then 2 * last - pos past the end
                Value neg = arith::SubIOp::create(b, l, zero, pos);
                pos = arith::MaxSIOp::create(b, l, pos, neg);
                Value mirrored = arith::SubIOp::create(
                    b, l, arith::AddIOp::create(b, l, last, last), pos);
                pos = arith::MinSIOp::create(b, l, pos, mirrored);
              }
              coords.push_back(pos);
            }
            return tensor::ExtractOp::create(b, l, x, coords);
          });
      rewriter.replaceOp(op, result);
      return success();
    }
    // Negative pads crop first.
    SmallVector<OpFoldResult> offsets, sizes, low, high;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t cropBegin = std::max<int64_t>(0, -pads[i]);
      int64_t cropEnd = std::max<int64_t>(0, -pads[i + rank]);
      offsets.push_back(rewriter.getIndexAttr(cropBegin));
      sizes.push_back(addSizes(rewriter, loc, inSizes[i],
                               rewriter.getIndexAttr(-cropBegin - cropEnd)));
      low.push_back(rewriter.getIndexAttr(std::max<int64_t>(0, pads[i])));
      high.push_back(
          rewriter.getIndexAttr(std::max<int64_t>(0, pads[i + rank])));
    }
    Value cropped = tensor::ExtractSliceOp::create(
        rewriter, loc, x, offsets, sizes,
        SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1)));
    Value value =
        scalarConstant(rewriter, loc, element, op.getValue().convertToDouble());
    Value padded = tensor::PadOp::create(rewriter, loc, RankedTensorType(),
                                         cropped, low, high, value);
    rewriter.replaceOp(op, castTo(rewriter, loc, padded, type));
    return success();
  }
};

} // namespace

void populateDataMovementPatterns(RewritePatternSet &patterns) {
  patterns.add<ConcatLowering, SliceLowering, SplitLowering, GatherLowering,
               PadLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
