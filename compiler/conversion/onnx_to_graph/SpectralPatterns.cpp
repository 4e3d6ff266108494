//===- SpectralPatterns.cpp - DFT and STFT as matmuls ---------------------===//
//
// A DFT of static length n along one axis is a product with constant n x K
// cosine and sine matrices (K = n, or n / 2 + 1 for a one-sided transform):
//   forward  Re = xr C + xi S,        Im = xi C - xr S
//   inverse  Re = (xr C - xi S) / n,  Im = (xr S + xi C) / n
// with C[j][k] = cos(2 pi j k / n) and S[j][k] = sin(2 pi j k / n), the axis
// moved last for the matmul and back. STFT gathers its frames with a
// constant index table, applies the window and takes one-sided DFTs.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include <cmath>

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

class Spectral {
public:
  Spectral(PatternRewriter &rw, Location loc, Type element)
      : rw(rw), loc(loc), element(element) {}

  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return createValue<graph::ReshapeOp>(rw, loc, v, Value(),
                                         rw.getDenseI64ArrayAttr(shape));
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    return createValue<graph::TransposeOp>(rw, loc, v,
                                           rw.getDenseI64ArrayAttr(perm));
  }
  Value slice(Value v, int64_t axis, int64_t start, int64_t end) {
    return sliceAlong(rw, loc, v, axis, start, end);
  }
  Value matmul(Value a, Value b) {
    return createValue<graph::MatmulOp>(rw, loc, a, b);
  }
  Value add(Value a, Value b) {
    return createValue<graph::AddOp>(rw, loc, a, b);
  }
  Value sub(Value a, Value b) {
    return createValue<graph::SubOp>(rw, loc, a, b);
  }
  Value mul(Value a, Value b) {
    return createValue<graph::MulOp>(rw, loc, a, b);
  }

  Value trig(int64_t n, int64_t k, bool sine) {
    SmallVector<double> values;
    for (int64_t j = 0; j < n; ++j)
      for (int64_t q = 0; q < k; ++q) {
        // Reduce j * q mod n first: exact angles for large products.
        double angle = 2.0 * M_PI * double((j * q) % n) / double(n);
        values.push_back(sine ? std::sin(angle) : std::cos(angle));
      }
    return createConstant(rw, loc, RankedTensorType::get({n, k}, element),
                          values);
  }

  /// The DFT of the real part `xr` and imaginary part `xi` (null: 0) along
  /// `axis` (static size n): a tensor of the same shape with the axis
  /// resized to K and a trailing dim of 2 (real, imaginary).
  Value dft(Value xr, Value xi, int64_t axis, bool inverse, bool onesided) {
    auto type = cast<RankedTensorType>(xr.getType());
    int64_t rank = type.getRank(), n = type.getDimSize(axis);
    int64_t k = onesided ? n / 2 + 1 : n;
    SmallVector<int64_t> perm;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis)
        perm.push_back(i);
    perm.push_back(axis);
    SmallVector<int64_t> back(rank);
    for (int64_t i = 0; i < rank; ++i)
      back[perm[i]] = i;
    bool moved = axis != rank - 1;
    auto toLast = [&](Value v) { return moved ? transpose(v, perm) : v; };
    Value c = trig(n, k, false), s = trig(n, k, true);
    Value xrl = toLast(xr), xil = xi ? toLast(xi) : Value();
    Value re, im;
    if (!inverse) {
      re = matmul(xrl, c);
      im = createValue<graph::NegOp>(rw, loc, matmul(xrl, s));
      if (xil) {
        re = add(re, matmul(xil, s));
        im = add(im, matmul(xil, c));
      }
    } else {
      re = matmul(xrl, c);
      im = matmul(xrl, s);
      if (xil) {
        re = sub(re, matmul(xil, s));
        im = add(im, matmul(xil, c));
      }
      Value scale = createScalarConstant(rw, loc, element, 1.0 / double(n));
      re = mul(re, scale);
      im = mul(im, scale);
    }
    if (moved) {
      re = transpose(re, back);
      im = transpose(im, back);
    }
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] = k;
    shape.push_back(1);
    return createValue<graph::ConcatOp>(
        rw, loc, ValueRange{reshape(re, shape), reshape(im, shape)},
        rw.getI64IntegerAttr(rank));
  }

  /// Splits a [..., 1 or 2] signal into real and imaginary parts (the
  /// imaginary one null for real signals).
  std::pair<Value, Value> parts(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    SmallVector<int64_t> shape(type.getShape().drop_back());
    Value re = reshape(slice(x, rank - 1, 0, 1), shape);
    Value im = type.getShape().back() == 2
                   ? reshape(slice(x, rank - 1, 1, 2), shape)
                   : Value();
    return {re, im};
  }

  PatternRewriter &rw;
  Location loc;
  Type element;
};

/// The static float signal of a spectral op: [..., 1 or 2].
RankedTensorType signalType(Value v) {
  auto type = getGraphTensor(v.getType());
  if (!type || !hasFloatElements(type) || !type.hasStaticShape() ||
      type.getRank() < 2 || type.getShape().back() > 2)
    return {};
  return type;
}

struct DftPattern : OpRewritePattern<onnx::DFTOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::DFTOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto type = signalType(x);
    if (!type)
      return rewriter.notifyMatchFailure(op, "needs a static float signal");
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank - 1)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    int64_t n = type.getDimSize(axis);
    if (op->getNumOperands() > 1 && !isNone(op->getOperand(1))) {
      std::optional<double> length = getConstantScalar(op->getOperand(1));
      if (!length)
        return rewriter.notifyMatchFailure(op, "dft_length is not constant");
      n = static_cast<int64_t>(*length);
    }
    if (n <= 0)
      return rewriter.notifyMatchFailure(op, "empty transform");
    Spectral s(rewriter, op.getLoc(), type.getElementType());
    if (n != type.getDimSize(axis)) {
      // Zero-pad or truncate the signal to the transform length.
      if (n < type.getDimSize(axis)) {
        x = s.slice(x, axis, 0, n);
      } else {
        SmallVector<int64_t> pads(2 * rank, 0);
        pads[rank + axis] = n - type.getDimSize(axis);
        x = createValue<graph::PadOp>(
            rewriter, op.getLoc(), x, rewriter.getDenseI64ArrayAttr(pads),
            rewriter.getStringAttr("constant"), getF64Attr(rewriter, 0.0));
      }
    }
    auto [re, im] = s.parts(x);
    Value result =
        s.dft(re, im, axis, op.getInverse() != 0, op.getOnesided() != 0);
    if (!result)
      return rewriter.notifyMatchFailure(op, "shapes do not combine");
    return forwardValue(rewriter, op, result);
  }
};

struct StftPattern : OpRewritePattern<onnx::STFTOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::STFTOp op,
                                PatternRewriter &rewriter) const override {
    Value signal = op->getOperand(0);
    auto type = signalType(signal);
    if (!type || type.getRank() != 3)
      return rewriter.notifyMatchFailure(op, "needs a static [B, L, 1|2]");
    std::optional<double> step = getConstantScalar(op->getOperand(1));
    Value window = isNone(op->getOperand(2)) ? Value() : op->getOperand(2);
    std::optional<double> length;
    if (op->getNumOperands() > 3 && !isNone(op->getOperand(3)))
      length = getConstantScalar(op->getOperand(3));
    auto windowType = window ? getGraphTensor(window.getType()) : nullptr;
    if (!length && windowType && windowType.hasStaticShape())
      length = static_cast<double>(windowType.getDimSize(0));
    if (!step || !length || *step <= 0 || *length <= 0)
      return rewriter.notifyMatchFailure(op, "frame step/length not constant");
    int64_t hop = static_cast<int64_t>(*step);
    int64_t frameLength = static_cast<int64_t>(*length);
    int64_t signalLength = type.getDimSize(1);
    if (frameLength > signalLength)
      return rewriter.notifyMatchFailure(op, "frame longer than the signal");
    int64_t frames = (signalLength - frameLength) / hop + 1;
    Location loc = op.getLoc();
    Spectral s(rewriter, loc, type.getElementType());
    SmallVector<double> indices;
    for (int64_t f = 0; f < frames; ++f)
      for (int64_t j = 0; j < frameLength; ++j)
        indices.push_back(static_cast<double>(f * hop + j));
    Value table = createConstant(
        rewriter, loc,
        RankedTensorType::get({frames, frameLength}, rewriter.getI64Type()),
        indices);
    // [B, frames, frame_length, 1|2]
    Value framed = createValue<graph::GatherOp>(rewriter, loc, signal, table,
                                                rewriter.getI64IntegerAttr(1));
    if (window)
      framed = s.mul(framed, s.reshape(window, {frameLength, 1}));
    auto [re, im] = s.parts(framed);
    Value result = s.dft(re, im, 2, /*inverse=*/false, op.getOnesided() != 0);
    if (!result)
      return rewriter.notifyMatchFailure(op, "shapes do not combine");
    return forwardValue(rewriter, op, result);
  }
};

} // namespace

void mica::onnx_to_graph::populateSpectralPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DftPattern, StftPattern>(patterns.getContext());
}
