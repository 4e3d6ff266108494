//===- BinaryLowering.cpp - Broadcasting binary graph ops -> linalg -------===//
//
// Binary arithmetic, comparisons, logical ops and graph.select become one
// `linalg.generic` each; numpy broadcasting is expressed in the indexing maps
// (a static 1 against a larger or `?` result dim reads index 0).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

/// Integer `lhs mod rhs` with the sign of the divisor (ONNX Mod, fmod = 0).
Value buildIntMod(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  Value zero = scalarConstant(b, loc, lhs.getType(), 0);
  Value rem = arith::RemSIOp::create(b, loc, lhs, rhs);
  Value nonZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, zero);
  Value remNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, rem, zero);
  Value rhsNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, rhs, zero);
  Value signsDiffer = arith::XOrIOp::create(b, loc, remNeg, rhsNeg);
  Value fix = arith::AndIOp::create(b, loc, nonZero, signsDiffer);
  Value adjusted = arith::AddIOp::create(b, loc, rem, rhs);
  return arith::SelectOp::create(b, loc, fix, adjusted, rem);
}

Value compare(OpBuilder &b, Location loc, Value lhs, Value rhs,
              arith::CmpFPredicate fp, arith::CmpIPredicate ip) {
  if (isa<FloatType>(lhs.getType()))
    return arith::CmpFOp::create(b, loc, fp, lhs, rhs);
  return arith::CmpIOp::create(b, loc, ip, lhs, rhs);
}

/// The body of a binary op on (signless) scalars of the operands' element
/// type; `u` says that the graph op's integers are unsigned.
Value buildBinary(OpBuilder &b, Location loc, Operation *op, Value lhs,
                  Value rhs, bool u) {
  bool isFloat = isa<FloatType>(lhs.getType());
  using FP = arith::CmpFPredicate;
  using IP = arith::CmpIPredicate;
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](graph::AddOp) {
        return floatOrIntOp<arith::AddFOp, arith::AddIOp>(b, loc, lhs, rhs);
      })
      .Case([&](graph::SubOp) {
        return floatOrIntOp<arith::SubFOp, arith::SubIOp>(b, loc, lhs, rhs);
      })
      .Case([&](graph::MulOp) {
        return floatOrIntOp<arith::MulFOp, arith::MulIOp>(b, loc, lhs, rhs);
      })
      .Case([&](graph::DivOp) {
        return signedOrUnsignedOp<arith::DivFOp, arith::DivSIOp,
                                  arith::DivUIOp>(b, loc, u, lhs, rhs);
      })
      .Case([&](graph::MaxOp) {
        return signedOrUnsignedOp<arith::MaximumFOp, arith::MaxSIOp,
                                  arith::MaxUIOp>(b, loc, u, lhs, rhs);
      })
      .Case([&](graph::MinOp) {
        return signedOrUnsignedOp<arith::MinimumFOp, arith::MinSIOp,
                                  arith::MinUIOp>(b, loc, u, lhs, rhs);
      })
      .Case([&](graph::ModOp) -> Value {
        if (isFloat)
          return arith::RemFOp::create(b, loc, lhs, rhs);
        if (u)
          return arith::RemUIOp::create(b, loc, lhs, rhs);
        return buildIntMod(b, loc, lhs, rhs);
      })
      .Case([&](graph::RemOp) {
        return signedOrUnsignedOp<arith::RemFOp, arith::RemSIOp,
                                  arith::RemUIOp>(b, loc, u, lhs, rhs);
      })
      .Case([&](graph::ShiftLeftOp) -> Value {
        return arith::ShLIOp::create(b, loc, lhs, rhs);
      })
      .Case([&](graph::ShiftRightOp) -> Value {
        if (u)
          return arith::ShRUIOp::create(b, loc, lhs, rhs);
        return arith::ShRSIOp::create(b, loc, lhs, rhs);
      })
      .Case([&](graph::PowOp) {
        return floatOrIntOp<math::PowFOp, math::IPowIOp>(b, loc, lhs, rhs);
      })
      .Case([&](graph::EqualOp) {
        return compare(b, loc, lhs, rhs, FP::OEQ, IP::eq);
      })
      .Case([&](graph::LessOp) {
        return compare(b, loc, lhs, rhs, FP::OLT, u ? IP::ult : IP::slt);
      })
      .Case([&](graph::LessEqualOp) {
        return compare(b, loc, lhs, rhs, FP::OLE, u ? IP::ule : IP::sle);
      })
      .Case([&](graph::GreaterOp) {
        return compare(b, loc, lhs, rhs, FP::OGT, u ? IP::ugt : IP::sgt);
      })
      .Case([&](graph::GreaterEqualOp) {
        return compare(b, loc, lhs, rhs, FP::OGE, u ? IP::uge : IP::sge);
      })
      .Case(
          [&](graph::AndOp) { return arith::AndIOp::create(b, loc, lhs, rhs); })
      .Case([&](graph::OrOp) { return arith::OrIOp::create(b, loc, lhs, rhs); })
      .Case(
          [&](graph::XorOp) { return arith::XOrIOp::create(b, loc, lhs, rhs); })
      .Default([](Operation *) { return Value(); });
}

template <typename OpTy> struct BinaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type element =
        cast<RankedTensorType>(op.getLhs().getType()).getElementType();
    if (!isArithmeticType(element))
      return rewriter.notifyMatchFailure(op, "unsupported element type");
    if (isa<graph::ModOp>(op) && element.isInteger(1))
      return rewriter.notifyMatchFailure(op, "mod on i1");
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return buildBinary(b, loc, op, args[0], args[1],
                             isUnsignedInt(element));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SelectLowering : OpConversionPattern<graph::SelectOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::SelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), type,
        {adaptor.getCondition(), adaptor.getTrueValue(),
         adaptor.getFalseValue()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateBinaryPatterns(RewritePatternSet &patterns) {
  patterns
      .add<BinaryLowering<graph::AddOp>, BinaryLowering<graph::SubOp>,
           BinaryLowering<graph::MulOp>, BinaryLowering<graph::DivOp>,
           BinaryLowering<graph::MaxOp>, BinaryLowering<graph::MinOp>,
           BinaryLowering<graph::ModOp>, BinaryLowering<graph::PowOp>,
           BinaryLowering<graph::EqualOp>, BinaryLowering<graph::LessOp>,
           BinaryLowering<graph::LessEqualOp>, BinaryLowering<graph::GreaterOp>,
           BinaryLowering<graph::GreaterEqualOp>, BinaryLowering<graph::AndOp>,
           BinaryLowering<graph::OrOp>, BinaryLowering<graph::XorOp>,
           BinaryLowering<graph::RemOp>, BinaryLowering<graph::ShiftLeftOp>,
           BinaryLowering<graph::ShiftRightOp>, SelectLowering>(
          patterns.getContext());
}

} // namespace mica::graph_to_linalg
