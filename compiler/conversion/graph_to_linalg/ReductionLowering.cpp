//===- ReductionLowering.cpp - reduce / argmax / argmin -> linalg ---------===//
//
// graph.reduce becomes one reduction linalg.generic (two for log_sum_exp,
// which subtracts the max first so exp cannot overflow) plus, for mean / l2 /
// log_sum_exp, one elementwise finish; keepdims re-inserts the unit dims with
// a free tensor.expand_shape. argmax/argmin reduce a (value, index) pair.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

using graph::ReduceKind;

Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return floatOrIntOp<arith::AddFOp, arith::AddIOp>(b, loc, x, y);
}

Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return floatOrIntOp<arith::MulFOp, arith::MulIOp>(b, loc, x, y);
}

/// One accumulation step of `kind` (for mean, l2, log_sum_exp: the sum part).
Value accumulate(OpBuilder &b, Location loc, ReduceKind kind, Value x,
                 Value acc) {
  bool isFloat = isa<FloatType>(x.getType());
  switch (kind) {
  case ReduceKind::max:
    return isFloat ? arith::MaximumFOp::create(b, loc, acc, x).getResult()
                   : arith::MaxSIOp::create(b, loc, acc, x).getResult();
  case ReduceKind::min:
    return isFloat ? arith::MinimumFOp::create(b, loc, acc, x).getResult()
                   : arith::MinSIOp::create(b, loc, acc, x).getResult();
  case ReduceKind::prod:
    return mul(b, loc, acc, x);
  case ReduceKind::l1: {
    Value abs = isFloat ? math::AbsFOp::create(b, loc, x).getResult()
                        : math::AbsIOp::create(b, loc, x).getResult();
    return add(b, loc, acc, abs);
  }
  case ReduceKind::l2:
  case ReduceKind::sum_square:
    return add(b, loc, acc, mul(b, loc, x, x));
  default:
    return add(b, loc, acc, x);
  }
}

Value initialValue(OpBuilder &b, Location loc, ReduceKind kind, Type type) {
  switch (kind) {
  case ReduceKind::max:
    return lowestValue(b, loc, type);
  case ReduceKind::min:
    return highestValue(b, loc, type);
  case ReduceKind::prod:
    return scalarConstant(b, loc, type, 1);
  default:
    return scalarConstant(b, loc, type, 0);
  }
}

struct ReduceLowering : OpConversionPattern<graph::ReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    ReduceKind kind = op.getKind();
    bool needsFloat = kind == ReduceKind::mean || kind == ReduceKind::l2 ||
                      kind == ReduceKind::log_sum_exp;
    if (!isArithmeticType(element) || element.isInteger(1) ||
        (needsFloat && !isa<FloatType>(element)))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Value x = adaptor.getInput();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<int64_t> dims;
    for (int64_t axis : op.getAxes())
      dims.push_back(axis < 0 ? axis + rank : axis);
    if (dims.empty())
      for (int64_t i = 0; i < rank; ++i)
        dims.push_back(i);
    llvm::sort(dims);

    Value result;
    if (kind == ReduceKind::log_sum_exp) {
      result = buildLogSumExp(rewriter, loc, x, dims);
    } else {
      result = buildReduction(rewriter, loc, x, dims,
                              initialValue(rewriter, loc, kind, element), {},
                              [&](OpBuilder &b, Location l, ValueRange args) {
                                return accumulate(b, l, kind, args[0], args[1]);
                              });
      if (kind == ReduceKind::mean) {
        Value count = indexToFloat(
            rewriter, loc,
            sizeProduct(rewriter, loc, getSizes(rewriter, loc, x), dims),
            element);
        result = mapReduced(
            rewriter, loc, result,
            [&](OpBuilder &b, Location l, ValueRange args) {
              return arith::DivFOp::create(b, l, args[0], count).getResult();
            });
      } else if (kind == ReduceKind::l2) {
        result =
            mapReduced(rewriter, loc, result,
                       [](OpBuilder &b, Location l, ValueRange args) {
                         return math::SqrtOp::create(b, l, args[0]).getResult();
                       });
      }
    }
    if (op.getKeepdims()) {
      SmallVector<int64_t> shape(
          cast<RankedTensorType>(x.getType()).getShape());
      for (int64_t dim : dims)
        shape[dim] = 1;
      result = expandReducedDims(rewriter, loc, result, dims,
                                 RankedTensorType::get(shape, element));
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }

  static Value mapReduced(OpBuilder &b, Location loc, Value reduced,
                          ScalarFn fn) {
    return buildElementwise(b, loc, cast<RankedTensorType>(reduced.getType()),
                            reduced, fn);
  }

  /// max + log(sum(exp(x - max))).
  static Value buildLogSumExp(OpBuilder &b, Location loc, Value x,
                              ArrayRef<int64_t> dims) {
    Type element = cast<RankedTensorType>(x.getType()).getElementType();
    Value max = buildReduction(
        b, loc, x, dims, lowestValue(b, loc, element), {},
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::MaximumFOp::create(nb, l, args[0], args[1]);
        });
    Value sum = buildReduction(
        b, loc, x, dims, scalarConstant(b, loc, element, 0), max,
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value e = math::ExpOp::create(
              nb, l, arith::SubFOp::create(nb, l, args[0], args[1]));
          return arith::AddFOp::create(nb, l, args[2], e);
        });
    return buildElementwise(
        b, loc, cast<RankedTensorType>(sum.getType()), {sum, max},
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::AddFOp::create(nb, l, args[1],
                                       math::LogOp::create(nb, l, args[0]));
        });
  }
};

/// (value, index) reduction; ties keep the first index, or the last with
/// select_last_index.
template <typename OpTy> struct ArgReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  static constexpr bool isMax = std::is_same_v<OpTy, graph::ArgMaxOp>;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    Type element = xType.getElementType();
    if (!isArithmeticType(element) || element.isInteger(1))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    int64_t rank = xType.getRank();
    int64_t axis = normalizedAxis(op.getAxis(), rank);
    bool last = op.getSelectLastIndex();

    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x), kept;
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis) {
        shape.push_back(xType.getDimSize(i));
        kept.push_back(sizes[i]);
      }
    Type i64 = rewriter.getI64Type();
    auto valueType = RankedTensorType::get(shape, element);
    auto indexType = RankedTensorType::get(shape, i64);
    Value values = createFilled(rewriter, loc, valueType, kept,
                                isMax ? lowestValue(rewriter, loc, element)
                                      : highestValue(rewriter, loc, element));
    Value indices = createFilled(rewriter, loc, indexType, kept,
                                 scalarConstant(rewriter, loc, i64, 0));
    AffineMap keptMap = dropDimsMap(rewriter.getContext(), rank, {axis});
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators[axis] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indexType}, ValueRange{x},
        ValueRange{values, indices},
        {rewriter.getMultiDimIdentityMap(rank), keptMap, keptMap}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value index = arith::IndexCastOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, axis));
          Value better;
          if (isa<FloatType>(element))
            better = arith::CmpFOp::create(
                b, l,
                isMax ? (last ? arith::CmpFPredicate::OGE
                              : arith::CmpFPredicate::OGT)
                      : (last ? arith::CmpFPredicate::OLE
                              : arith::CmpFPredicate::OLT),
                args[0], args[1]);
          else
            better = arith::CmpIOp::create(
                b, l,
                isMax ? (last ? arith::CmpIPredicate::sge
                              : arith::CmpIPredicate::sgt)
                      : (last ? arith::CmpIPredicate::sle
                              : arith::CmpIPredicate::slt),
                args[0], args[1]);
          Value value = arith::SelectOp::create(b, l, better, args[0], args[1]);
          Value idx = arith::SelectOp::create(b, l, better, index, args[2]);
          linalg::YieldOp::create(b, l, ValueRange{value, idx});
        });
    Value result = generic.getResult(1);
    auto type = cast<RankedTensorType>(op.getType());
    if (op.getKeepdims()) {
      SmallVector<int64_t> full(xType.getShape());
      full[axis] = 1;
      result = expandReducedDims(rewriter, loc, result, {axis},
                                 RankedTensorType::get(full, i64));
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

} // namespace

void populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering, ArgReduceLowering<graph::ArgMaxOp>,
               ArgReduceLowering<graph::ArgMinOp>>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
