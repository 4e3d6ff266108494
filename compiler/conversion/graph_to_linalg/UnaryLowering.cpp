//===- UnaryLowering.cpp - Unary elementwise graph ops -> linalg.generic --===//
//
// Every unary graph op becomes one elementwise `linalg.generic` whose body is
// the op's formula in arith/math (written out, no fast-math flags). Also
// graph.cast and graph.constant (-> arith.constant).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

/// `x > 0 ? 1 : (x < 0 ? -1 : 0)` for floats and signed integers.
Value buildSign(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  Value zero = scalarConstant(b, loc, type, 0);
  Value one = scalarConstant(b, loc, type, 1);
  Value minusOne = scalarConstant(b, loc, type, -1);
  Value positive, negative;
  if (isa<FloatType>(type)) {
    positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
    negative =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
  } else {
    positive =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, zero);
    negative =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
  }
  Value inner = arith::SelectOp::create(b, loc, negative, minusOne, zero);
  return arith::SelectOp::create(b, loc, positive, one, inner);
}

Value maxOf(OpBuilder &b, Location loc, Value x, Value y, bool u = false) {
  return signedOrUnsignedOp<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>(
      b, loc, u, x, y);
}

Value minOf(OpBuilder &b, Location loc, Value x, Value y, bool u = false) {
  return signedOrUnsignedOp<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>(
      b, loc, u, x, y);
}

/// A clamp bound as a constant of integer type `type`, saturated to the
/// type's range (an unbounded Clip side is the type's extreme).
Value intBound(OpBuilder &b, Location loc, Type type, double value, bool u) {
  unsigned width = type.getIntOrFloatBitWidth();
  APInt lo = u ? APInt::getZero(width) : APInt::getSignedMinValue(width);
  APInt hi = u ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width);
  double loD = u ? lo.roundToDouble(false) : lo.roundToDouble(true);
  double hiD = u ? hi.roundToDouble(false) : hi.roundToDouble(true);
  APInt bound;
  if (value <= loD)
    bound = lo;
  else if (value >= hiD)
    bound = hi;
  else
    bound = APInt(width, static_cast<uint64_t>(static_cast<int64_t>(value)),
                  /*isSigned=*/true);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, bound));
}

/// 1 / (1 + exp(-x)).
Value buildSigmoid(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  Value one = scalarConstant(b, loc, type, 1);
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, negExp));
}

/// The body of a unary op on (signless) scalar `x`; `u` says that the graph
/// op's integers are unsigned. Null when `x`'s type is not supported by the
/// op (checked before any IR is built, see below).
Value buildUnary(OpBuilder &b, Location loc, Operation *op, Value x, bool u) {
  Type type = x.getType();
  bool isFloat = isa<FloatType>(type);
  auto cst = [&](double v) { return scalarConstant(b, loc, type, v); };
  auto clamp01 = [&](Value v) {
    return maxOf(b, loc, cst(0), minOf(b, loc, cst(1), v));
  };
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](graph::ReluOp) { return u ? x : maxOf(b, loc, x, cst(0)); })
      .Case([&](graph::SigmoidOp) { return buildSigmoid(b, loc, x); })
      .Case([&](graph::TanhOp) { return math::TanhOp::create(b, loc, x); })
      .Case([&](graph::ExpOp) { return math::ExpOp::create(b, loc, x); })
      .Case([&](graph::LogOp) { return math::LogOp::create(b, loc, x); })
      .Case([&](graph::SqrtOp) { return math::SqrtOp::create(b, loc, x); })
      .Case([&](graph::RsqrtOp) { return math::RsqrtOp::create(b, loc, x); })
      .Case([&](graph::AbsOp) -> Value {
        if (u)
          return x;
        if (isFloat)
          return math::AbsFOp::create(b, loc, x);
        return math::AbsIOp::create(b, loc, x);
      })
      .Case([&](graph::NegOp) -> Value {
        if (isFloat)
          return arith::NegFOp::create(b, loc, x);
        return arith::SubIOp::create(b, loc, cst(0), x);
      })
      .Case([&](graph::ErfOp) { return math::ErfOp::create(b, loc, x); })
      .Case([&](graph::ReciprocalOp) {
        return arith::DivFOp::create(b, loc, cst(1), x);
      })
      .Case([&](graph::FloorOp) { return math::FloorOp::create(b, loc, x); })
      .Case([&](graph::CeilOp) { return math::CeilOp::create(b, loc, x); })
      .Case(
          [&](graph::RoundOp) { return math::RoundEvenOp::create(b, loc, x); })
      .Case([&](graph::SinOp) { return math::SinOp::create(b, loc, x); })
      .Case([&](graph::CosOp) { return math::CosOp::create(b, loc, x); })
      .Case([&](graph::TanOp) { return math::TanOp::create(b, loc, x); })
      .Case([&](graph::AsinOp) { return math::AsinOp::create(b, loc, x); })
      .Case([&](graph::AcosOp) { return math::AcosOp::create(b, loc, x); })
      .Case([&](graph::AtanOp) { return math::AtanOp::create(b, loc, x); })
      .Case([&](graph::SinhOp) { return math::SinhOp::create(b, loc, x); })
      .Case([&](graph::CoshOp) { return math::CoshOp::create(b, loc, x); })
      .Case([&](graph::AsinhOp) { return math::AsinhOp::create(b, loc, x); })
      .Case([&](graph::AcoshOp) { return math::AcoshOp::create(b, loc, x); })
      .Case([&](graph::AtanhOp) { return math::AtanhOp::create(b, loc, x); })
      .Case([&](graph::SignOp) -> Value {
        if (!u)
          return buildSign(b, loc, x);
        Value nonZero =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, cst(0));
        return arith::ExtUIOp::create(b, loc, x.getType(), nonZero);
      })
      .Case([&](graph::NotOp) {
        return arith::XOrIOp::create(b, loc, x, cst(1));
      })
      .Case([&](graph::SoftplusOp) {
        return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
      })
      .Case([&](graph::HardSwishOp) {
        Value t = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, x, cst(1.0 / 6.0)), cst(0.5));
        return arith::MulFOp::create(b, loc, x, clamp01(t));
      })
      .Case([&](graph::SiluOp) {
        return arith::MulFOp::create(b, loc, x, buildSigmoid(b, loc, x));
      })
      .Case([&](graph::GeluOp gelu) {
        Value inner;
        if (gelu.getApproximate() == "tanh") {
          Value cube = arith::MulFOp::create(
              b, loc, arith::MulFOp::create(b, loc, x, x), x);
          Value poly = arith::AddFOp::create(
              b, loc, x, arith::MulFOp::create(b, loc, cube, cst(0.044715)));
          inner = math::TanhOp::create(
              b, loc,
              arith::MulFOp::create(b, loc, poly, cst(std::sqrt(2.0 / M_PI))));
        } else {
          inner = math::ErfOp::create(
              b, loc, arith::MulFOp::create(b, loc, x, cst(M_SQRT1_2)));
        }
        Value half = arith::MulFOp::create(b, loc, x, cst(0.5));
        return arith::MulFOp::create(
            b, loc, half, arith::AddFOp::create(b, loc, cst(1), inner));
      })
      .Case([&](graph::LeakyReluOp leaky) {
        Value scaled = arith::MulFOp::create(
            b, loc, x, cst(leaky.getAlpha().convertToDouble()));
        Value positive =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, cst(0));
        return arith::SelectOp::create(b, loc, positive, x, scaled);
      })
      .Case([&](graph::EluOp elu) {
        Value expm1 = arith::SubFOp::create(
            b, loc, math::ExpOp::create(b, loc, x), cst(1));
        Value scaled = arith::MulFOp::create(
            b, loc, expm1, cst(elu.getAlpha().convertToDouble()));
        Value positive =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, cst(0));
        return arith::SelectOp::create(b, loc, positive, x, scaled);
      })
      .Case([&](graph::HardSigmoidOp hs) {
        Value t = arith::AddFOp::create(
            b, loc,
            arith::MulFOp::create(b, loc, x,
                                  cst(hs.getAlpha().convertToDouble())),
            cst(hs.getBeta().convertToDouble()));
        return clamp01(t);
      })
      .Case([&](graph::ClampOp clamp) {
        double lo = clamp.getMin().convertToDouble();
        double hi = clamp.getMax().convertToDouble();
        if (isFloat)
          return minOf(b, loc, maxOf(b, loc, x, cst(lo)), cst(hi));
        Value lower = maxOf(b, loc, x, intBound(b, loc, type, lo, u), u);
        return minOf(b, loc, lower, intBound(b, loc, type, hi, u), u);
      })
      .Default([](Operation *) { return Value(); });
}

/// Ops whose formula only makes sense on floats.
bool isFloatOnly(Operation *op) {
  return !isa<graph::ReluOp, graph::AbsOp, graph::NegOp, graph::SignOp,
              graph::NotOp, graph::ClampOp>(op);
}

template <typename OpTy> struct UnaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (!isArithmeticType(element) ||
        (isFloatOnly(op) && !isa<FloatType>(element)))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Value input = adaptor.getInput();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, input,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return buildUnary(b, loc, op, args[0], isUnsignedInt(element));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// f32 -> bf16 rounding to nearest even (NaN stays a quiet NaN), in integer
/// ops: LLVM would otherwise call a compiler-rt helper on targets without a
/// bf16 conversion instruction, and the runtime imports none.
Value truncToBF16(OpBuilder &b, Location loc, Value x) {
  Type i32 = b.getI32Type(), i16 = b.getI16Type();
  auto c = [&](int64_t v) { return scalarConstant(b, loc, i32, v); };
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  Value lsb = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, c(16)), c(1));
  Value rounded = arith::AddIOp::create(
      b, loc, bits, arith::AddIOp::create(b, loc, lsb, c(0x7FFF)));
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  Value high = arith::SelectOp::create(b, loc, isNaN, c(0x7FC00000), rounded);
  Value half = arith::TruncIOp::create(
      b, loc, i16, arith::ShRUIOp::create(b, loc, high, c(16)));
  return arith::BitcastOp::create(b, loc, b.getBF16Type(), half);
}

/// bf16 -> f32 exactly: the bf16 bits are the high half of the f32.
Value extendFromBF16(OpBuilder &b, Location loc, Value x) {
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, b.getI16Type(), x);
  Value wide = arith::ExtUIOp::create(b, loc, i32, bits);
  Value shifted =
      arith::ShLIOp::create(b, loc, wide, scalarConstant(b, loc, i32, 16));
  return arith::BitcastOp::create(b, loc, b.getF32Type(), shifted);
}

/// ONNX Cast semantics on one (signless) scalar: floats to integers truncate
/// toward zero, anything to bool is `!= 0`, bool to numbers is 0/1.
/// `fromUnsigned` / `toUnsigned` give the signedness of integer types.
Value buildCast(OpBuilder &b, Location loc, Value x, Type to,
                bool fromUnsigned = false, bool toUnsigned = false) {
  Type from = x.getType();
  if (from == to)
    return x;
  // Conversions to and from bf16 go through f32; f64 -> f16 too (no
  // instruction does it in one step, and the runtime imports no helper).
  if (from.isBF16())
    return buildCast(b, loc, extendFromBF16(b, loc, x), to, false, toUnsigned);
  if (to.isBF16())
    return truncToBF16(b, loc,
                       buildCast(b, loc, x, b.getF32Type(), fromUnsigned));
  if (from.isF64() && to.isF16())
    return buildCast(b, loc, buildCast(b, loc, x, b.getF32Type()), to);
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (to.isInteger(1)) {
    Value zero = scalarConstant(b, loc, from, 0);
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
  }
  if (fromFloat && toFloat) {
    if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, to, x);
    return arith::TruncFOp::create(b, loc, to, x);
  }
  if (fromFloat) {
    if (toUnsigned)
      return arith::FPToUIOp::create(b, loc, to, x);
    return arith::FPToSIOp::create(b, loc, to, x);
  }
  if (toFloat) {
    if (from.isInteger(1) || fromUnsigned)
      return arith::UIToFPOp::create(b, loc, to, x);
    return arith::SIToFPOp::create(b, loc, to, x);
  }
  if (from.getIntOrFloatBitWidth() == to.getIntOrFloatBitWidth())
    return x;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()) {
    if (from.isInteger(1) || fromUnsigned)
      return arith::ExtUIOp::create(b, loc, to, x);
    return arith::ExtSIOp::create(b, loc, to, x);
  }
  return arith::TruncIOp::create(b, loc, to, x);
}

struct CastLowering : OpConversionPattern<graph::CastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type from =
        cast<RankedTensorType>(op.getInput().getType()).getElementType();
    if (!isArithmeticType(from) || !isArithmeticType(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return buildCast(b, loc, args[0], signlessType(type.getElementType()),
                           isUnsignedInt(from),
                           isUnsignedInt(type.getElementType()));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConstantLowering : OpConversionPattern<graph::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = cast<TypedAttr>(op.getValue());
    auto type = cast<ShapedType>(value.getType());
    auto dense = dyn_cast<DenseElementsAttr>(value);
    if (dense && isUnsignedInt(type)) {
      // arith wants signless integers: the same bits, cast back for the
      // users (an identity once the types become signless).
      Value constant = arith::ConstantOp::create(
          rewriter, op.getLoc(),
          dense.bitcast(signlessType(type.getElementType())));
      rewriter.replaceOp(op,
                         castScalarTo(rewriter, op.getLoc(), constant, type));
      return success();
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

} // namespace

void populateUnaryPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns
      .add<UnaryLowering<graph::ReluOp>, UnaryLowering<graph::SigmoidOp>,
           UnaryLowering<graph::TanhOp>, UnaryLowering<graph::ExpOp>,
           UnaryLowering<graph::LogOp>, UnaryLowering<graph::SqrtOp>,
           UnaryLowering<graph::RsqrtOp>, UnaryLowering<graph::AbsOp>,
           UnaryLowering<graph::NegOp>, UnaryLowering<graph::ErfOp>,
           UnaryLowering<graph::ReciprocalOp>, UnaryLowering<graph::FloorOp>,
           UnaryLowering<graph::CeilOp>, UnaryLowering<graph::RoundOp>,
           UnaryLowering<graph::SinOp>, UnaryLowering<graph::CosOp>,
           UnaryLowering<graph::TanOp>, UnaryLowering<graph::AsinOp>,
           UnaryLowering<graph::AcosOp>, UnaryLowering<graph::AtanOp>,
           UnaryLowering<graph::SinhOp>, UnaryLowering<graph::CoshOp>,
           UnaryLowering<graph::AsinhOp>, UnaryLowering<graph::AcoshOp>,
           UnaryLowering<graph::AtanhOp>, UnaryLowering<graph::SignOp>,
           UnaryLowering<graph::NotOp>, UnaryLowering<graph::SoftplusOp>,
           UnaryLowering<graph::HardSwishOp>, UnaryLowering<graph::SiluOp>,
           UnaryLowering<graph::GeluOp>, UnaryLowering<graph::LeakyReluOp>,
           UnaryLowering<graph::EluOp>, UnaryLowering<graph::HardSigmoidOp>,
           UnaryLowering<graph::ClampOp>, CastLowering, ConstantLowering>(ctx);
}

} // namespace mica::graph_to_linalg
