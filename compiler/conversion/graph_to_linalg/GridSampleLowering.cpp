//===- GridSampleLowering.cpp - graph.grid_sample -> linalg.generic -------===//
//
// One linalg.generic over [N, C, Ho, Wo]: the body reads the grid position,
// unnormalises it to pixel coordinates and samples the input as PyTorch's
// grid_sample (which ONNX GridSample-16 follows) does:
//   nearest / bilinear: the coordinate is clipped (border) or reflected and
//     clipped (reflection) first; taps outside the image read 0 (zeros).
//   bicubic: the 4x4 taps around the coordinate, each tap index clipped or
//     reflected on its own; cubic convolution with A = -0.75.
// Arithmetic is in the element type, as PyTorch computes it.
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

class Sampler {
public:
  Sampler(OpBuilder &b, Location loc, graph::GridSampleOp op, Value input,
          Type element, Value n, Value channel, int64_t height, int64_t width)
      : b(b), loc(loc), op(op), input(input), t(element), n(n),
        channel(channel), height(height), width(width) {}

  Value c(double v) { return scalarConstant(b, loc, t, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value clip(Value x, double lo, double hi) {
    return arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, x, c(lo)), c(hi));
  }

  /// Grid value in [-1, 1] to a pixel coordinate along a dim of `size`.
  Value unnormalize(Value g, int64_t size) {
    if (op.getAlignCorners())
      return mul(mul(add(g, c(1)), c(0.5)), c(double(size - 1)));
    return mul(sub(mul(add(g, c(1)), c(double(size))), c(1)), c(0.5));
  }

  /// PyTorch's reflect_coordinates over [twiceLow / 2, twiceHigh / 2].
  Value reflect(Value x, double twiceLow, double twiceHigh) {
    if (twiceLow == twiceHigh)
      return c(0);
    double min = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
    Value in = math::AbsFOp::create(b, loc, sub(x, c(min)));
    Value extra = arith::RemFOp::create(b, loc, in, c(span));
    Value flips = math::FloorOp::create(
        b, loc, arith::DivFOp::create(b, loc, in, c(span)));
    Value odd =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE,
                              arith::RemFOp::create(b, loc, flips, c(2)), c(0));
    return arith::SelectOp::create(
        b, loc, odd, add(sub(c(span), extra), c(min)), add(extra, c(min)));
  }

  /// The padding mode applied to a coordinate along a dim of `size`.
  Value applyPadding(Value x, int64_t size) {
    StringRef padding = op.getPaddingMode();
    if (padding == "border")
      return clip(x, 0, double(size - 1));
    if (padding == "reflection") {
      Value r = op.getAlignCorners() ? reflect(x, 0, 2.0 * (size - 1))
                                     : reflect(x, -1, 2.0 * size - 1);
      return clip(r, 0, double(size - 1));
    }
    return x;
  }

  /// input[n, c, y, x] for integral coordinates, 0 outside the image.
  Value pixel(Value y, Value x) {
    auto inside = [&](Value v, int64_t size) {
      return arith::AndIOp::create(
          b, loc,
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, v, c(0)),
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, v,
                                c(double(size - 1))));
    };
    Value ok =
        arith::AndIOp::create(b, loc, inside(y, height), inside(x, width));
    auto index = [&](Value v, int64_t size) {
      Value clamped = clip(v, 0, double(size - 1));
      Value i = arith::FPToSIOp::create(b, loc, b.getI64Type(), clamped);
      return arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
    };
    Value v = tensor::ExtractOp::create(
        b, loc, input,
        ValueRange{n, channel, index(y, height), index(x, width)});
    return arith::SelectOp::create(b, loc, ok, v, c(0));
  }

  /// The four cubic convolution weights of fraction `f` (A = -0.75).
  SmallVector<Value> cubicWeights(Value f) {
    double a = -0.75;
    auto near = [&](Value x) { // |x| <= 1
      return add(mul(mul(sub(mul(c(a + 2), x), c(a + 3)), x), x), c(1));
    };
    auto far = [&](Value x) { // 1 < |x| < 2
      return sub(mul(add(mul(sub(mul(c(a), x), c(5 * a)), x), c(8 * a)), x),
                 c(4 * a));
    };
    return {far(add(f, c(1))), near(f), near(sub(c(1), f)), far(sub(c(2), f))};
  }

  Value sample(Value gx, Value gy) {
    StringRef mode = op.getMode();
    Value x = unnormalize(gx, width), y = unnormalize(gy, height);
    if (mode == "bicubic") {
      Value x0 = math::FloorOp::create(b, loc, x);
      Value y0 = math::FloorOp::create(b, loc, y);
      SmallVector<Value> wx = cubicWeights(sub(x, x0));
      SmallVector<Value> wy = cubicWeights(sub(y, y0));
      Value acc = c(0);
      for (int i = 0; i < 4; ++i) {
        Value row = c(0);
        Value yi = applyPadding(add(y0, c(i - 1)), height);
        for (int j = 0; j < 4; ++j) {
          Value xj = applyPadding(add(x0, c(j - 1)), width);
          row = add(row, mul(wx[j], pixel(yi, xj)));
        }
        acc = add(acc, mul(wy[i], row));
      }
      return acc;
    }
    x = applyPadding(x, width);
    y = applyPadding(y, height);
    if (mode == "nearest")
      return pixel(math::RoundEvenOp::create(b, loc, y),
                   math::RoundEvenOp::create(b, loc, x));
    Value x0 = math::FloorOp::create(b, loc, x);
    Value y0 = math::FloorOp::create(b, loc, y);
    Value x1 = add(x0, c(1)), y1 = add(y0, c(1));
    Value fx = sub(x, x0), fy = sub(y, y0);
    Value top = add(mul(pixel(y0, x0), sub(c(1), fx)), mul(pixel(y0, x1), fx));
    Value bottom =
        add(mul(pixel(y1, x0), sub(c(1), fx)), mul(pixel(y1, x1), fx));
    return add(mul(top, sub(c(1), fy)), mul(bottom, fy));
  }

private:
  OpBuilder &b;
  Location loc;
  graph::GridSampleOp op;
  Value input;
  Type t;
  Value n, channel;
  int64_t height, width;
};

struct GridSampleLowering : OpConversionPattern<graph::GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::GridSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    if (!type.hasStaticShape() || !inputType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    Value input = adaptor.getInput(), grid = adaptor.getGrid();
    Type element = type.getElementType();
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(d));
    Value result = buildMapped(
        rewriter, loc, type, sizes, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> ivs;
          for (int64_t i = 0; i < 4; ++i)
            ivs.push_back(linalg::IndexOp::create(b, l, i));
          auto at = [&](int64_t k) {
            Value v = tensor::ExtractOp::create(
                b, l, grid,
                ValueRange{ivs[0], ivs[2], ivs[3],
                           arith::ConstantIndexOp::create(b, l, k)});
            if (v.getType() == element)
              return v;
            if (v.getType().getIntOrFloatBitWidth() >
                element.getIntOrFloatBitWidth())
              return arith::TruncFOp::create(b, l, element, v).getResult();
            return arith::ExtFOp::create(b, l, element, v).getResult();
          };
          Sampler sampler(b, l, op, input, element, ivs[0], ivs[1],
                          inputType.getDimSize(2), inputType.getDimSize(3));
          return sampler.sample(at(0), at(1));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateGridSamplePatterns(RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
