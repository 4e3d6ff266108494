//===- IndexingLowering.cpp - Gathers, scatters and cumsum -> loops -------===//
//
// Gathers are one `linalg.generic` over the result whose body computes the
// source position from `linalg.index` and the index tensor and reads it with
// `tensor.extract`. Scatters and cumsum have a sequential order (later
// updates win, a running sum reads the previous result), so they are an
// `scf.for` nest over the updates (or the input) carrying the result tensor,
// updated with `tensor.insert`; bufferization turns that into in-place
// stores.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `tensor[coords]` of an integer index tensor as an `index`, with negative
/// values counted from the end of a dim of size `dimSize`.
Value readIndex(OpBuilder &b, Location loc, Value tensor, ValueRange coords,
                Value dimSize) {
  Value raw = tensor::ExtractOp::create(b, loc, tensor, coords);
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value zero = indexConst(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::AddIOp::create(b, loc, index, dimSize);
  return arith::SelectOp::create(b, loc, negative, wrapped, index);
}

/// The size of dim `dim` of `tensor` as an index value.
Value dimValue(OpBuilder &b, Location loc, Value tensor, int64_t dim) {
  return getValueOrCreateConstantIndexOp(
      b, loc, tensor::getMixedSize(b, loc, tensor, dim));
}

/// Combines the current element with an update as a scatter `reduction`
/// says ("none" replaces).
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value current,
              Value update) {
  if (reduction == "add")
    return floatOrIntOp<arith::AddFOp, arith::AddIOp>(b, loc, current, update);
  if (reduction == "mul")
    return floatOrIntOp<arith::MulFOp, arith::MulIOp>(b, loc, current, update);
  if (reduction == "max")
    return floatOrIntOp<arith::MaximumFOp, arith::MaxSIOp>(b, loc, current,
                                                           update);
  if (reduction == "min")
    return floatOrIntOp<arith::MinimumFOp, arith::MinSIOp>(b, loc, current,
                                                           update);
  return update;
}

/// An scf.for nest over every position of `shapeOf` carrying `init`;
/// `body(ivs, acc)` returns the new value of the carried tensor.
Value loopOver(
    OpBuilder &b, Location loc, Value shapeOf, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body) {
  auto type = cast<RankedTensorType>(shapeOf.getType());
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    lbs.push_back(indexConst(b, loc, 0));
    ubs.push_back(dimValue(b, loc, shapeOf, i));
    steps.push_back(indexConst(b, loc, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{init},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange args) {
        return scf::ValueVector{body(nb, nl, ivs, args[0])};
      });
  return nest.results.empty() ? init : nest.results.front();
}

struct GatherElementsLowering : OpConversionPattern<graph::GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(graph::GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = normalizedAxis(op.getAxis(), rank);
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    Value axisSize = dimValue(rewriter, loc, input, axis);
    Value result = buildMapped(
        rewriter, loc, type, getSizes(rewriter, loc, indices), indices,
        rewriter.getMultiDimIdentityMap(rank),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          SmallVector<Value> coords;
          for (int64_t i = 0; i < rank; ++i)
            coords.push_back(linalg::IndexOp::create(b, l, i));
          Value raw =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value negative = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::slt, raw, indexConst(b, l, 0));
          coords[axis] = arith::SelectOp::create(
              b, l, negative, arith::AddIOp::create(b, l, raw, axisSize), raw);
          return tensor::ExtractOp::create(b, l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ScatterElementsLowering : OpConversionPattern<graph::ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(graph::ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = normalizedAxis(op.getAxis(), type.getRank());
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    Value axisSize = dimValue(rewriter, loc, input, axis);
    StringRef reduction = op.getReduction();
    Value result = loopOver(
        rewriter, loc, updates, castTo(rewriter, loc, input, type),
        [&](OpBuilder &b, Location l, ValueRange ivs, Value acc) -> Value {
          SmallVector<Value> coords(ivs);
          coords[axis] = readIndex(b, l, indices, ivs, axisSize);
          Value update = tensor::ExtractOp::create(b, l, updates, ivs);
          if (reduction != "none")
            update =
                combine(b, l, reduction,
                        tensor::ExtractOp::create(b, l, acc, coords), update);
          return tensor::InsertOp::create(b, l, update, acc, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherNdLowering : OpConversionPattern<graph::GatherNdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(graph::GatherNdOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t batch = op.getBatchDims();
    int64_t k = indicesType.getShape().back();
    int64_t outer = indicesType.getRank() - 1;
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    SmallVector<OpFoldResult> sizes;
    SmallVector<OpFoldResult> indexSizes = getSizes(rewriter, loc, indices);
    SmallVector<OpFoldResult> inputSizes = getSizes(rewriter, loc, input);
    sizes.append(indexSizes.begin(), indexSizes.begin() + outer);
    sizes.append(inputSizes.begin() + batch + k, inputSizes.end());
    SmallVector<Value> dimSizes;
    for (int64_t j = 0; j < k; ++j)
      dimSizes.push_back(dimValue(rewriter, loc, input, batch + j));
    Value result = buildMapped(
        rewriter, loc, type, sizes, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> ivs;
          for (int64_t i = 0; i < type.getRank(); ++i)
            ivs.push_back(linalg::IndexOp::create(b, l, i));
          SmallVector<Value> coords(ivs.begin(), ivs.begin() + batch);
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> at(ivs.begin(), ivs.begin() + outer);
            at.push_back(indexConst(b, l, j));
            coords.push_back(readIndex(b, l, indices, at, dimSizes[j]));
          }
          coords.append(ivs.begin() + outer, ivs.end());
          return tensor::ExtractOp::create(b, l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ScatterNdLowering : OpConversionPattern<graph::ScatterNdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(graph::ScatterNdOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    int64_t k = indicesType.getShape().back();
    int64_t outer = indicesType.getRank() - 1;
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    SmallVector<Value> dimSizes;
    for (int64_t j = 0; j < k; ++j)
      dimSizes.push_back(dimValue(rewriter, loc, input, j));
    StringRef reduction = op.getReduction();
    Value result = loopOver(
        rewriter, loc, updates, castTo(rewriter, loc, input, type),
        [&](OpBuilder &b, Location l, ValueRange ivs, Value acc) -> Value {
          SmallVector<Value> coords;
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> at(ivs.begin(), ivs.begin() + outer);
            at.push_back(indexConst(b, l, j));
            coords.push_back(readIndex(b, l, indices, at, dimSizes[j]));
          }
          coords.append(ivs.begin() + outer, ivs.end());
          Value update = tensor::ExtractOp::create(b, l, updates, ivs);
          if (reduction != "none")
            update =
                combine(b, l, reduction,
                        tensor::ExtractOp::create(b, l, acc, coords), update);
          return tensor::InsertOp::create(b, l, update, acc, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Position t of the walk along the axis is element k = t (or n-1-t when
/// reversed); the element before it in the walk is k -/+ 1.
struct CumSumLowering : OpConversionPattern<graph::CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(graph::CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (!isArithmeticType(element) || element.isInteger(1))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    int64_t axis = normalizedAxis(op.getAxis(), type.getRank());
    bool reverse = op.getReverse(), exclusive = op.getExclusive();
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    Value n = dimValue(rewriter, loc, input, axis);
    Value init =
        createEmpty(rewriter, loc, type, getSizes(rewriter, loc, input));
    Value result = loopOver(
        rewriter, loc, input, init,
        [&](OpBuilder &b, Location l, ValueRange ivs, Value acc) -> Value {
          Value one = indexConst(b, l, 1), zero = indexConst(b, l, 0);
          Value t = ivs[axis];
          Value k = t;
          if (reverse)
            k = arith::SubIOp::create(b, l, arith::SubIOp::create(b, l, n, one),
                                      t);
          Value first =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, t, zero);
          Value prev = reverse
                           ? arith::AddIOp::create(b, l, k, one).getResult()
                           : arith::SubIOp::create(b, l, k, one).getResult();
          Value safePrev = arith::SelectOp::create(b, l, first, k, prev);
          SmallVector<Value> here(ivs), before(ivs);
          here[axis] = k;
          before[axis] = safePrev;
          Value zeroValue = scalarConstant(b, l, element, 0);
          Value runningBefore = arith::SelectOp::create(
              b, l, first, zeroValue,
              tensor::ExtractOp::create(b, l, acc, before));
          Value term =
              tensor::ExtractOp::create(b, l, input, exclusive ? before : here);
          if (exclusive)
            term = arith::SelectOp::create(b, l, first, zeroValue, term);
          Value sum = floatOrIntOp<arith::AddFOp, arith::AddIOp>(
              b, l, runningBefore, term);
          return tensor::InsertOp::create(b, l, sum, acc, here);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// top_k: output position j along the axis holds the best element that
/// ranks after the one at j - 1 (value first, then index), found by a scan
/// of the axis: k scans of n elements, no scratch memory, the order of
/// equal values by index as ONNX wants.
struct TopKLowering : OpConversionPattern<graph::TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(graph::TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto valuesType = cast<RankedTensorType>(op.getValues().getType());
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    Type element = valuesType.getElementType();
    if (!isArithmeticType(element) || element.isInteger(1))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    bool u = isUnsignedInt(element), largest = op.getLargest();
    int64_t axis = normalizedAxis(op.getAxis(), valuesType.getRank());
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    Value n = dimValue(rewriter, loc, input, axis);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, input);
    sizes[axis] = rewriter.getIndexAttr(op.getK());
    Value values = createEmpty(rewriter, loc, valuesType, sizes);
    Value indices = createEmpty(rewriter, loc, indicesType, sizes);
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t i = 0; i < valuesType.getRank(); ++i) {
      lbs.push_back(indexConst(rewriter, loc, 0));
      ubs.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, sizes[i]));
      steps.push_back(indexConst(rewriter, loc, 1));
    }
    // `a` ranks before `b`: more extreme, or equal with a smaller index.
    auto before = [&](OpBuilder &b, Location l, Value va, Value ia, Value vb,
                      Value ib) -> Value {
      Value strict, equal;
      if (isa<FloatType>(va.getType())) {
        strict = arith::CmpFOp::create(b, l,
                                       largest ? arith::CmpFPredicate::OGT
                                               : arith::CmpFPredicate::OLT,
                                       va, vb);
        equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, va, vb);
      } else {
        using P = arith::CmpIPredicate;
        P pred = largest ? (u ? P::ugt : P::sgt) : (u ? P::ult : P::slt);
        strict = arith::CmpIOp::create(b, l, pred, va, vb);
        equal = arith::CmpIOp::create(b, l, P::eq, va, vb);
      }
      Value smaller =
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, ia, ib);
      return arith::OrIOp::create(b, l, strict,
                                  arith::AndIOp::create(b, l, equal, smaller));
    };
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{values, indices},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) {
          Value j = ivs[axis];
          Value zero = indexConst(b, l, 0), one = indexConst(b, l, 1);
          Value first =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, j, zero);
          SmallVector<Value> prev(ivs);
          prev[axis] = arith::SelectOp::create(
              b, l, first, j, arith::SubIOp::create(b, l, j, one));
          Value prevValue =
              toSignless(b, l, tensor::ExtractOp::create(b, l, acc[0], prev));
          Value prevIndex = arith::IndexCastOp::create(
              b, l, b.getIndexType(),
              tensor::ExtractOp::create(b, l, acc[1], prev));
          Value init = toSignless(b, l, lowestValue(b, l, element));
          auto scan = scf::ForOp::create(
              b, l, zero, n, one,
              ValueRange{init, zero,
                         arith::ConstantOp::create(b, l, b.getBoolAttr(false))},
              [&](OpBuilder &sb, Location sl, Value i, ValueRange best) {
                SmallVector<Value> at(ivs);
                at[axis] = i;
                Value v = toSignless(
                    sb, sl, tensor::ExtractOp::create(sb, sl, input, at));
                Value eligible = arith::OrIOp::create(
                    sb, sl, first, before(sb, sl, prevValue, prevIndex, v, i));
                Value better = arith::OrIOp::create(
                    sb, sl,
                    arith::XOrIOp::create(sb, sl, best[2],
                                          arith::ConstantOp::create(
                                              sb, sl, sb.getBoolAttr(true))),
                    before(sb, sl, v, i, best[0], best[1]));
                Value take = arith::AndIOp::create(sb, sl, eligible, better);
                scf::YieldOp::create(
                    sb, sl,
                    ValueRange{
                        arith::SelectOp::create(sb, sl, take, v, best[0]),
                        arith::SelectOp::create(sb, sl, take, i, best[1]),
                        arith::OrIOp::create(sb, sl, best[2], take)});
              });
          Value bestValue = castScalarTo(b, l, scan.getResult(0), element);
          Value bestIndex = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                                       scan.getResult(1));
          return scf::ValueVector{
              tensor::InsertOp::create(b, l, bestValue, acc[0], ivs),
              tensor::InsertOp::create(b, l, bestIndex, acc[1], ivs)};
        });
    rewriter.replaceOp(op, nest.results);
    return success();
  }
};

/// nonzero: one row-major scan that appends the coordinates of each
/// non-zero element to a [rank, numel] buffer; the result is its first
/// `count` columns, with count clamped to numel so that the memory plan sees
/// the bound.
struct NonZeroLowering : OpConversionPattern<graph::NonZeroOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(graph::NonZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type element = inputType.getElementType();
    if (!inputType.hasStaticShape() || !isArithmeticType(element))
      return rewriter.notifyMatchFailure(op, "needs a static numeric input");
    Location loc = op.getLoc();
    int64_t rank = inputType.getRank(), numel = inputType.getNumElements();
    Type i64 = rewriter.getI64Type();
    auto fullType = RankedTensorType::get({rank, numel}, i64);
    Value buffer =
        tensor::EmptyOp::create(rewriter, loc, fullType.getShape(), i64);
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d : inputType.getShape()) {
      lbs.push_back(indexConst(rewriter, loc, 0));
      ubs.push_back(indexConst(rewriter, loc, d));
      steps.push_back(indexConst(rewriter, loc, 1));
    }
    Value zeroIndex = indexConst(rewriter, loc, 0);
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{buffer, zeroIndex},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) {
          Value v =
              toSignless(b, l, tensor::ExtractOp::create(b, l, input, ivs));
          Value zero = scalarConstant(b, l, v.getType(), 0);
          Value nonZero = isa<FloatType>(v.getType())
                              ? arith::CmpFOp::create(
                                    b, l, arith::CmpFPredicate::UNE, v, zero)
                                    .getResult()
                              : arith::CmpIOp::create(
                                    b, l, arith::CmpIPredicate::ne, v, zero)
                                    .getResult();
          auto ifOp = scf::IfOp::create(
              b, l, nonZero,
              [&](OpBuilder &tb, Location tl) {
                Value updated = acc[0];
                for (int64_t d = 0; d < rank; ++d) {
                  Value coord = arith::IndexCastOp::create(
                      tb, tl, tb.getI64Type(), ivs[d]);
                  updated = tensor::InsertOp::create(
                      tb, tl, coord, updated,
                      ValueRange{indexConst(tb, tl, d), acc[1]});
                }
                Value next = arith::AddIOp::create(tb, tl, acc[1],
                                                   indexConst(tb, tl, 1));
                scf::YieldOp::create(tb, tl, ValueRange{updated, next});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, ValueRange{acc[0], acc[1]});
              });
          return scf::ValueVector{ifOp.getResult(0), ifOp.getResult(1)};
        });
    Value filled = nest.results.empty() ? buffer : nest.results[0];
    Value count = nest.results.empty() ? zeroIndex : nest.results[1];
    count = arith::MinUIOp::create(rewriter, loc, count,
                                   indexConst(rewriter, loc, numel));
    SmallVector<OpFoldResult> offsets(2, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(rank), count};
    SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
    Value result = tensor::ExtractSliceOp::create(rewriter, loc, filled,
                                                  offsets, sizes, strides);
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void populateIndexingPatterns(RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering>(patterns.getContext());
  patterns
      .add<GatherElementsLowering, ScatterElementsLowering, GatherNdLowering,
           ScatterNdLowering, CumSumLowering, TopKLowering>(
          patterns.getContext());
}

} // namespace mica::graph_to_linalg
