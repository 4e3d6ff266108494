//===- QuantizationLowering.cpp - quantize, dequantize, rescale -----------===//
//
// The three integer-quantisation ops as elementwise linalg.generics, with
// the arithmetic of their definitions (GraphQuantOps.td, docs/numerics.md):
//   quantize    fptosi(clamp(roundeven(x / scale) + zp))     in x's float type
//   dequantize  sitofp(q - zp) * scale                      (q - zp in i32)
//   rescale     clamp(((x - zp_in) * m + 2^(s-1)) >> s + zp_out)   in i64
//   table       table[x + 128] from a constant tensor
// A per-channel rescale reads its multiplier and shift from constant i64
// tensors indexed by the channel.
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

struct QuantizeLowering : OpConversionPattern<graph::QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    std::pair<int64_t, int64_t> range = graph::getIntegerRange(element);
    int64_t lo = range.first, hi = range.second;
    double scale = op.getScale().convertToDouble();
    // I64Attr getters return uint64_t: through int64_t for the sign.
    double zeroPoint = (double)(int64_t)op.getZeroPoint();
    bool isUnsigned = isUnsignedInt(element);
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Type fp = args[0].getType();
          auto cst = [&](double v) { return scalarConstant(b, loc, fp, v); };
          Value q = math::RoundEvenOp::create(
              b, loc, arith::DivFOp::create(b, loc, args[0], cst(scale)));
          q = arith::AddFOp::create(b, loc, q, cst(zeroPoint));
          // maxnumf/minnumf: a NaN input becomes the lowest value.
          q = arith::MaxNumFOp::create(b, loc, q, cst((double)lo));
          q = arith::MinNumFOp::create(b, loc, q, cst((double)hi));
          Type integer = signlessType(element);
          return isUnsigned
                     ? arith::FPToUIOp::create(b, loc, integer, q).getResult()
                     : arith::FPToSIOp::create(b, loc, integer, q).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// An integer scalar widened to `wide` (zero-extended if unsigned).
Value widen(OpBuilder &b, Location loc, Value x, Type wide, bool isUnsigned) {
  if (x.getType() == wide)
    return x;
  return isUnsigned ? arith::ExtUIOp::create(b, loc, wide, x).getResult()
                    : arith::ExtSIOp::create(b, loc, wide, x).getResult();
}

struct DequantizeLowering : OpConversionPattern<graph::DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type inputElement = getElementTypeOrSelf(op.getInput().getType());
    bool isUnsigned = isUnsignedInt(inputElement);
    double scale = op.getScale().convertToDouble();
    int64_t zeroPoint = op.getZeroPoint();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Type i64 = b.getI64Type();
          Value q = widen(b, loc, args[0], i64, isUnsigned);
          q = arith::SubIOp::create(b, loc, q,
                                    scalarConstant(b, loc, i64, zeroPoint));
          Type fp = type.getElementType();
          Value real = arith::SIToFPOp::create(b, loc, fp, q);
          return arith::MulFOp::create(b, loc, real,
                                       scalarConstant(b, loc, fp, scale));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct RescaleLowering : OpConversionPattern<graph::RescaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::RescaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type inputElement = getElementTypeOrSelf(op.getInput().getType());
    bool inUnsigned = isUnsignedInt(inputElement);
    ArrayRef<int64_t> multiplier = op.getMultiplier(), shift = op.getShift();
    bool perChannel = multiplier.size() > 1;
    int64_t rank = type.getRank(), axis = op.getAxis();
    Type i64 = rewriter.getI64Type();

    SmallVector<Value> inputs{adaptor.getInput()};
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank)};
    if (perChannel) {
      auto table = RankedTensorType::get({(int64_t)multiplier.size()}, i64);
      auto channelMap =
          AffineMap::get(rank, 0, rewriter.getAffineDimExpr(axis));
      for (ArrayRef<int64_t> values : {multiplier, shift}) {
        inputs.push_back(arith::ConstantOp::create(
            rewriter, loc, DenseElementsAttr::get(table, values)));
        maps.push_back(channelMap);
      }
    }
    int64_t inZero = op.getInputZeroPoint(), outZero = op.getOutputZeroPoint();
    int64_t lo = op.getLowest(), hi = op.getHighest();
    Value result = buildMapped(
        rewriter, loc, type, getSizes(rewriter, loc, adaptor.getInput()),
        inputs, maps, [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          auto cst = [&](int64_t v) { return scalarConstant(b, l, i64, v); };
          Value m = perChannel ? args[1] : cst(multiplier[0]);
          Value s = perChannel ? args[2] : cst(shift[0]);
          Value x = widen(b, l, args[0], i64, inUnsigned);
          if (inZero != 0)
            x = arith::SubIOp::create(b, l, x, cst(inZero));
          Value round = arith::ShLIOp::create(
              b, l, cst(1), arith::SubIOp::create(b, l, s, cst(1)));
          Value v = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, x, m), round);
          v = arith::ShRSIOp::create(b, l, v, s);
          if (outZero != 0)
            v = arith::AddIOp::create(b, l, v, cst(outZero));
          v = arith::MaxSIOp::create(b, l, v, cst(lo));
          v = arith::MinSIOp::create(b, l, v, cst(hi));
          return arith::TruncIOp::create(
              b, l, signlessType(type.getElementType()), v);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// table[x + 128], read from a constant 256-entry tensor.
struct TableLowering : OpConversionPattern<graph::TableOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::TableOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<int8_t> entries;
    for (int64_t v : op.getTable())
      entries.push_back(static_cast<int8_t>(v));
    auto tableType = RankedTensorType::get({256}, rewriter.getI8Type());
    Value table = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(tableType, ArrayRef<int8_t>(entries)));
    Value result = buildElementwise(
        rewriter, loc, type, adaptor.getInput(),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value wide = arith::ExtSIOp::create(b, l, b.getI32Type(), args[0]);
          wide = arith::AddIOp::create(
              b, l, wide, scalarConstant(b, l, b.getI32Type(), 128));
          Value index =
              arith::IndexCastOp::create(b, l, b.getIndexType(), wide);
          return tensor::ExtractOp::create(b, l, table, ValueRange{index});
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateQuantizationPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, RescaleLowering,
               TableLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
