//===- ResizeLowering.cpp - graph.resize -> linalg ------------------------===//
//
// Resize is separable: every resized dim is one linalg.generic over the
// tensor with that dim at its output size, whose body maps the output index
// to a source coordinate (the coordinate transformation mode), picks the
// neighbours the mode needs (nearest: 1, linear: 2, cubic: 4; clamped to
// the edge) and combines them with their weights, as the ONNX reference
// does one dim after the other. Coordinates and weights are computed in f64
// and the result rounded once to the element type. Dims whose scale is 1
// map every index to itself and are skipped.
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

struct ResizeDim {
  int64_t dim;
  int64_t in, out;
  double scale;
  double roiStart = 0.0, roiEnd = 1.0;
};

class ResizeBuilder {
public:
  ResizeBuilder(OpBuilder &b, Location loc, graph::ResizeOp op)
      : b(b), loc(loc), op(op), f64(b.getF64Type()) {}

  /// The input resized along one dim (static sizes).
  Value resizeDim(Value input, const ResizeDim &d) {
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<int64_t> shape(inputType.getShape());
    shape[d.dim] = d.out;
    auto type = RankedTensorType::get(shape, inputType.getElementType());
    SmallVector<OpFoldResult> sizes = getSizes(b, loc, input);
    sizes[d.dim] = b.getIndexAttr(d.out);
    return buildMapped(b, loc, type, sizes, ValueRange{}, {},
                       [&](OpBuilder &nb, Location nl, ValueRange) {
                         return body(nb, nl, input, type, d);
                       });
  }

private:
  Value c(OpBuilder &nb, double v) {
    return arith::ConstantOp::create(nb, loc, nb.getF64FloatAttr(v));
  }
  Value mul(OpBuilder &nb, Value x, Value y) {
    return arith::MulFOp::create(nb, loc, x, y);
  }
  Value add(OpBuilder &nb, Value x, Value y) {
    return arith::AddFOp::create(nb, loc, x, y);
  }
  Value sub(OpBuilder &nb, Value x, Value y) {
    return arith::SubFOp::create(nb, loc, x, y);
  }

  /// The source coordinate of output index `o` (f64).
  Value sourceCoordinate(OpBuilder &nb, Value o, const ResizeDim &d) {
    StringRef mode = op.getCoordinateTransformationMode();
    double s = d.scale;
    if (mode == "asymmetric")
      return mul(nb, o, c(nb, 1.0 / s));
    // The resized length as ONNX's reference sees it: in * scale, before
    // rounding down to the output size.
    double resized = double(d.in) * s;
    if (mode == "align_corners")
      return resized <= 1.0
                 ? c(nb, 0.0)
                 : mul(nb, o, c(nb, double(d.in - 1) / (resized - 1.0)));
    if (mode == "tf_half_pixel_for_nn")
      return mul(nb, add(nb, o, c(nb, 0.5)), c(nb, 1.0 / s));
    if (mode == "tf_crop_and_resize") {
      double span = (d.roiEnd - d.roiStart) * double(d.in - 1);
      if (d.out == 1)
        return c(nb, 0.5 * (d.roiStart + d.roiEnd) * double(d.in - 1));
      return add(nb, c(nb, d.roiStart * double(d.in - 1)),
                 mul(nb, o, c(nb, span / double(d.out - 1))));
    }
    if (mode == "pytorch_half_pixel" && resized <= 1.0)
      return c(nb, 0.0);
    if (mode == "half_pixel_symmetric") {
      double adjustment = double(d.out) / (s * double(d.in));
      double center = double(d.in) / 2.0;
      double offset = center * (1.0 - adjustment);
      return add(
          nb, c(nb, offset),
          sub(nb, mul(nb, add(nb, o, c(nb, 0.5)), c(nb, 1.0 / s)), c(nb, 0.5)));
    }
    // half_pixel, pytorch_half_pixel
    return sub(nb, mul(nb, add(nb, o, c(nb, 0.5)), c(nb, 1.0 / s)), c(nb, 0.5));
  }

  /// `x` (f64, integral) as an index clamped to [0, in - 1].
  Value clampedIndex(OpBuilder &nb, Value x, const ResizeDim &d) {
    Value i = arith::FPToSIOp::create(nb, loc, nb.getI64Type(), x);
    Value lo = arith::ConstantOp::create(nb, loc, nb.getI64IntegerAttr(0));
    Value hi =
        arith::ConstantOp::create(nb, loc, nb.getI64IntegerAttr(d.in - 1));
    i = arith::MaxSIOp::create(nb, loc, i, lo);
    i = arith::MinSIOp::create(nb, loc, i, hi);
    return arith::IndexCastOp::create(nb, loc, nb.getIndexType(), i);
  }

  /// input[ivs with ivs[dim] = index] as f64 (or as the element for nearest).
  Value read(OpBuilder &nb, Value input, SmallVector<Value> ivs, Value index,
             int64_t dim, bool asF64) {
    ivs[dim] = index;
    Value v =
        toSignless(nb, loc, tensor::ExtractOp::create(nb, loc, input, ivs));
    if (!asF64)
      return v;
    return v.getType() == f64 ? v : arith::ExtFOp::create(nb, loc, f64, v);
  }

  Value body(OpBuilder &nb, Location nl, Value input, RankedTensorType type,
             const ResizeDim &d) {
    SmallVector<Value> ivs;
    for (int64_t i = 0; i < type.getRank(); ++i)
      ivs.push_back(linalg::IndexOp::create(nb, nl, i));
    Value o = arith::SIToFPOp::create(
        nb, nl, f64,
        arith::IndexCastOp::create(nb, nl, nb.getI64Type(), ivs[d.dim]));
    Value x = sourceCoordinate(nb, o, d);
    StringRef mode = op.getMode();
    Type element = signlessType(type.getElementType());
    Value result;
    if (mode == "nearest") {
      StringRef rounding = op.getNearestMode();
      Value r;
      if (rounding == "floor")
        r = math::FloorOp::create(nb, nl, x);
      else if (rounding == "ceil")
        r = math::CeilOp::create(nb, nl, x);
      else if (rounding == "round_prefer_ceil")
        r = math::FloorOp::create(nb, nl, add(nb, x, c(nb, 0.5)));
      else // round_prefer_floor
        r = math::CeilOp::create(nb, nl, sub(nb, x, c(nb, 0.5)));
      result = read(nb, input, ivs, clampedIndex(nb, r, d), d.dim, false);
    } else {
      Value x0 = math::FloorOp::create(nb, nl, x);
      Value t = sub(nb, x, x0);
      SmallVector<double> offsets;
      SmallVector<Value> weights;
      if (mode == "linear") {
        offsets = {0, 1};
        weights = {sub(nb, c(nb, 1.0), t), t};
      } else {
        double a = op.getCubicCoeffA().convertToDouble();
        offsets = {-1, 0, 1, 2};
        auto far = [&](Value u) { // 1 <= |u| < 2
          Value p = sub(nb, mul(nb, c(nb, a), u), c(nb, 5 * a));
          p = add(nb, mul(nb, p, u), c(nb, 8 * a));
          return sub(nb, mul(nb, p, u), c(nb, 4 * a));
        };
        auto near = [&](Value u) { // |u| < 1
          Value p = sub(nb, mul(nb, c(nb, a + 2), u), c(nb, a + 3));
          return add(nb, mul(nb, mul(nb, p, u), u), c(nb, 1.0));
        };
        Value oneMinus = sub(nb, c(nb, 1.0), t);
        weights = {far(add(nb, t, c(nb, 1.0))), near(t), near(oneMinus),
                   far(add(nb, oneMinus, c(nb, 1.0)))};
      }
      SmallVector<Value> positions;
      for (double off : offsets)
        positions.push_back(add(nb, x0, c(nb, off)));
      if (op.getExcludeOutside()) {
        // Neighbours outside the input get weight 0; the rest renormalise.
        Value sum = c(nb, 0.0);
        for (size_t i = 0; i < weights.size(); ++i) {
          Value p = positions[i];
          Value inside = arith::AndIOp::create(
              nb, nl,
              arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGE, p,
                                    c(nb, 0.0)),
              arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLE, p,
                                    c(nb, double(d.in - 1))));
          weights[i] =
              arith::SelectOp::create(nb, nl, inside, weights[i], c(nb, 0.0));
          sum = add(nb, sum, weights[i]);
        }
        for (Value &w : weights)
          w = arith::DivFOp::create(nb, nl, w, sum);
      }
      Value acc = c(nb, 0.0);
      for (auto [w, p] : llvm::zip(weights, positions))
        acc =
            add(nb, acc,
                mul(nb, w,
                    read(nb, input, ivs, clampedIndex(nb, p, d), d.dim, true)));
      result = acc.getType() == element
                   ? acc
                   : arith::TruncFOp::create(nb, nl, element, acc).getResult();
    }
    if (op.getCoordinateTransformationMode() == "tf_crop_and_resize") {
      Value outside = arith::OrIOp::create(
          nb, nl,
          arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT, x,
                                c(nb, 0.0)),
          arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, x,
                                c(nb, double(d.in - 1))));
      Value fill = scalarConstant(nb, nl, element,
                                  op.getExtrapolationValue().convertToDouble());
      result = arith::SelectOp::create(nb, nl, outside, fill, result);
    }
    return result;
  }

  OpBuilder &b;
  Location loc;
  graph::ResizeOp op;
  Type f64;
};

struct ResizeLowering : OpConversionPattern<graph::ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    Type element = type.getElementType();
    if (!type.hasStaticShape() || !inputType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    if (op.getMode() != "nearest" &&
        (!isa<FloatType>(element) || element.isBF16() || element.isF16()))
      return rewriter.notifyMatchFailure(op, "interpolation of non-f32/f64");
    bool crop = op.getCoordinateTransformationMode() == "tf_crop_and_resize";
    std::optional<ArrayRef<double>> roi = op.getRoi();
    if (crop && (!roi || roi->size() != 2 * size_t(type.getRank())))
      return rewriter.notifyMatchFailure(op, "tf_crop_and_resize without roi");
    ResizeBuilder builder(rewriter, op.getLoc(), op);
    Value result = adaptor.getInput();
    for (int64_t i = 0; i < type.getRank(); ++i) {
      ResizeDim d{i, inputType.getDimSize(i), type.getDimSize(i),
                  op.getScales()[i]};
      if (crop) {
        d.roiStart = (*roi)[i];
        d.roiEnd = (*roi)[i + type.getRank()];
        // The coordinate scale of a cropped dim is out / (in * roi width).
      } else if (d.in == d.out && d.scale == 1.0) {
        continue;
      }
      if (crop && d.in == d.out && d.roiStart == 0.0 && d.roiEnd == 1.0)
        continue;
      result = builder.resizeDim(result, d);
    }
    rewriter.replaceOp(op, castTo(rewriter, op.getLoc(), result, type));
    return success();
  }
};

} // namespace

void populateResizePatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
