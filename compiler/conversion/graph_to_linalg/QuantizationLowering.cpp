//===- QuantizationLowering.cpp - quantize, dequantize, rescale -----------===//
//
// The three integer-quantisation ops as elementwise linalg.generics, with
// the arithmetic of their definitions (GraphQuantOps.td, docs/numerics.md):
//   quantize    fptosi(clamp(roundeven(x / scale) + zp))     in x's float type
//   dequantize  sitofp(q - zp) * scale                      (q - zp in i32)
//   rescale     clamp(((x - zp_in) * m + 2^(s-1)) >> s + zp_out)   in i64
//   table       table[x + 128] from a constant tensor
//   integer_softmax     row max, tabulated exponentials, sum, reciprocal
//   integer_layer_norm  row sums, integer square root, per-channel affine
// A per-channel rescale reads its multiplier and shift from constant i64
// tensors indexed by the channel.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// graph.integer_softmax (its definition in GraphQuantOps.td): the row
/// maximum, the exponentials from the two byte tables (looked up as
/// graph.table's lowering does, so the CPU kernels vectorise them), their
/// sum, one reciprocal per row and the normalisation.
struct IntegerSoftmaxLowering : OpConversionPattern<graph::IntegerSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::IntegerSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t rank = xType.getRank();
    int64_t axis = (int64_t)op.getAxis();
    if (axis < 0)
      axis += rank;
    Type i8 = rewriter.getI8Type(), i32 = rewriter.getI32Type(),
         i64 = rewriter.getI64Type();
    auto tableOf = [&](ArrayRef<int64_t> entries) -> Value {
      SmallVector<int8_t> bytes(entries.begin(), entries.end());
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({256}, i8),
                                 ArrayRef<int8_t>(bytes)));
    };
    Value high = tableOf(op.getExpHigh()), low = tableOf(op.getExpLow());
    int64_t multiplier = (int64_t)op.getOutputMultiplier();
    int64_t zeroPoint = (int64_t)op.getOutputZeroPoint();
    Value max = buildReduction(
        rewriter, loc, x, {axis}, scalarConstant(rewriter, loc, i8, -128), {},
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          return arith::MaxSIOp::create(b, l, args[0], args[1]);
        });
    AffineMap kept = dropDimsMap(rewriter.getContext(), rank, {axis});
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    auto i32Type = RankedTensorType::get(xType.getShape(), i32);
    Value exps = buildMapped(
        rewriter, loc, i32Type, sizes, {x, max}, {identity, kept},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          auto c32 = [&](int64_t v) { return scalarConstant(b, l, i32, v); };
          // x - m + 255 in [0, 255], as the signed byte graph.table reads
          // (index byte + 128).
          Value d = arith::SubIOp::create(
              b, l, arith::ExtSIOp::create(b, l, i32, args[0]),
              arith::ExtSIOp::create(b, l, i32, args[1]));
          Value byte = arith::TruncIOp::create(
              b, l, i8, arith::AddIOp::create(b, l, d, c32(127)));
          auto lookup = [&](Value table) -> Value {
            Value index = arith::IndexCastOp::create(
                b, l, b.getIndexType(),
                arith::AddIOp::create(
                    b, l, arith::ExtSIOp::create(b, l, i32, byte), c32(128)));
            Value entry =
                tensor::ExtractOp::create(b, l, table, ValueRange{index});
            return arith::AndIOp::create(
                b, l, arith::ExtSIOp::create(b, l, i32, entry), c32(255));
          };
          return arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, lookup(high), c32(256)),
              lookup(low));
        });
    Value sum = buildReduction(
        rewriter, loc, exps, {axis}, scalarConstant(rewriter, loc, i32, 0), {},
        [](OpBuilder &b, Location l, ValueRange args) {
          return arith::AddIOp::create(b, l, args[0], args[1]).getResult();
        });
    auto sumType = cast<RankedTensorType>(sum.getType());
    Value reciprocal = buildMapped(
        rewriter, loc, RankedTensorType::get(sumType.getShape(), i64),
        getSizes(rewriter, loc, sum), {sum},
        {rewriter.getMultiDimIdentityMap(rank - 1)},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          return arith::DivSIOp::create(
              b, l, scalarConstant(b, l, i64, multiplier),
              arith::ExtSIOp::create(b, l, i64, args[0]));
        });
    Value result = buildMapped(
        rewriter, loc, RankedTensorType::get(xType.getShape(), i8), sizes,
        {exps, reciprocal}, {identity, kept},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          auto c64 = [&](int64_t v) { return scalarConstant(b, l, i64, v); };
          Value scaled = arith::ShRSIOp::create(
              b, l,
              arith::AddIOp::create(
                  b, l,
                  arith::MulIOp::create(
                      b, l, arith::ExtSIOp::create(b, l, i64, args[0]),
                      args[1]),
                  c64(int64_t(1) << 30)),
              c64(31));
          Value y = arith::AddIOp::create(b, l, scaled, c64(zeroPoint));
          y = arith::MaxSIOp::create(b, l, y, c64(-128));
          y = arith::MinSIOp::create(b, l, y, c64(127));
          return arith::TruncIOp::create(b, l, i8, y);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

/// graph.integer_layer_norm (its definition in GraphQuantOps.td): the
/// row sums of c and of d^2, one integer square root and reciprocal per
/// row, and the per-channel affine step.
struct IntegerLayerNormLowering
    : OpConversionPattern<graph::IntegerLayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::IntegerLayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t rank = xType.getRank(), axis = rank - 1;
    int64_t n = xType.getShape().back();
    int64_t zpIn = (int64_t)op.getInputZeroPoint();
    int64_t zpOut = (int64_t)op.getOutputZeroPoint();
    int64_t eps = (int64_t)op.getEpsilonTerm();
    Type i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
    auto perChannel = [&](ArrayRef<int64_t> values) -> Value {
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({n}, i64), values));
    };
    Value gamma = perChannel(op.getGamma()), beta = perChannel(op.getBeta());
    auto add32 = [](OpBuilder &b, Location l, ValueRange args) -> Value {
      return arith::AddIOp::create(b, l, args[0], args[1]);
    };
    // sum(c), c = x - zp.
    Value sum = buildReduction(
        rewriter, loc, x, {axis}, scalarConstant(rewriter, loc, i32, 0), {},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value c = arith::SubIOp::create(
              b, l, arith::ExtSIOp::create(b, l, i32, args[0]),
              scalarConstant(b, l, i32, zpIn));
          return add32(b, l, {c, args[1]});
        });
    // d = N c - sum(c), recomputed where it is read (one multiply-add).
    auto centred = [&](OpBuilder &b, Location l, Value q, Value s) -> Value {
      Value c =
          arith::SubIOp::create(b, l, arith::ExtSIOp::create(b, l, i32, q),
                                scalarConstant(b, l, i32, zpIn));
      return arith::SubIOp::create(
          b, l, arith::MulIOp::create(b, l, c, scalarConstant(b, l, i32, n)),
          s);
    };
    Value squares = buildReduction(
        rewriter, loc, x, {axis}, scalarConstant(rewriter, loc, i64, 0), {sum},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value d = arith::ExtSIOp::create(b, l, i64,
                                           centred(b, l, args[0], args[1]));
          return arith::AddIOp::create(b, l, args[2],
                                       arith::MulIOp::create(b, l, d, d));
        });
    auto rowType = cast<RankedTensorType>(squares.getType());
    // R = 2^40 / floor(sqrt(V)): the double square root of an integer below
    // 2^53 is within one of the integer one; the two corrections make it
    // exact (so no target's float rounding can show).
    Value reciprocal = buildMapped(
        rewriter, loc, rowType, getSizes(rewriter, loc, squares), {squares},
        {rewriter.getMultiDimIdentityMap(rank - 1)},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          auto c64 = [&](int64_t v) { return scalarConstant(b, l, i64, v); };
          Value v = arith::AddIOp::create(
              b, l, arith::DivSIOp::create(b, l, args[0], c64(n)), c64(eps));
          Value f64v = arith::SIToFPOp::create(b, l, b.getF64Type(), v);
          Value r = arith::FPToSIOp::create(b, l, i64,
                                            math::SqrtOp::create(b, l, f64v));
          auto sq = [&](Value a) { return arith::MulIOp::create(b, l, a, a); };
          Value down =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, sq(r), v);
          r = arith::SelectOp::create(
              b, l, down, arith::SubIOp::create(b, l, r, c64(1)), r);
          Value next = arith::AddIOp::create(b, l, r, c64(1));
          Value up = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle,
                                           sq(next), v);
          r = arith::SelectOp::create(b, l, up, next, r);
          r = arith::MaxSIOp::create(b, l, r, c64(1));
          return arith::DivSIOp::create(b, l, c64(int64_t(1) << 40), r);
        });
    AffineMap kept = dropDimsMap(rewriter.getContext(), rank, {axis});
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channel = AffineMap::get(rank, 0, rewriter.getAffineDimExpr(axis),
                                       rewriter.getContext());
    Value result = buildMapped(
        rewriter, loc,
        RankedTensorType::get(xType.getShape(), type.getElementType()),
        getSizes(rewriter, loc, x), {x, sum, reciprocal, gamma, beta},
        {identity, kept, kept, channel, channel},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          auto c64 = [&](int64_t v) { return scalarConstant(b, l, i64, v); };
          Value d = arith::ExtSIOp::create(b, l, i64,
                                           centred(b, l, args[0], args[1]));
          Value t = arith::ShRSIOp::create(
              b, l,
              arith::AddIOp::create(b, l,
                                    arith::MulIOp::create(b, l, d, args[2]),
                                    c64(int64_t(1) << 23)),
              c64(24));
          Value y = arith::AddIOp::create(
              b, l,
              arith::AddIOp::create(
                  b, l, arith::MulIOp::create(b, l, t, args[3]), args[4]),
              c64(int64_t(1) << 31));
          y = arith::AddIOp::create(
              b, l, arith::ShRSIOp::create(b, l, y, c64(32)), c64(zpOut));
          y = arith::MaxSIOp::create(b, l, y, c64(-128));
          y = arith::MinSIOp::create(b, l, y, c64(127));
          return arith::TruncIOp::create(b, l, b.getI8Type(), y);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, result, type));
    return success();
  }
};

} // namespace

void populateQuantizationPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, RescaleLowering,
               TableLowering, IntegerSoftmaxLowering, IntegerLayerNormLowering>(
      patterns.getContext());
}

} // namespace mica::graph_to_linalg
