//===- QuantizeNormalization.cpp - Integer softmax and layer norm ---------===//
//
// Softmax and layer normalisation over the last dim as the
// graph.integer_softmax and graph.integer_layer_norm ops.
//
//===----------------------------------------------------------------------===//
#include "passes/quantize/Quantizer.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mica;
using namespace mica::graph;
using namespace mica::quant;

void Quantizer::rewriteSoftmax(SoftmaxOp softmax) {
  if (!isF32Tensor(softmax.getResult()))
    return;
  if (keptByUser(softmax))
    return keepVoid(softmax, "kept float by --keep-float");
  std::optional<IntegerValue> x = integerOf(softmax.getInput(), true);
  if (!x)
    return keepVoid(softmax, "no calibrated range for the input");
  SmallVector<int64_t> high, low;
  for (int64_t u = 0; u < 256; ++u) {
    auto e = static_cast<int64_t>(
        std::lround(32768.0 * std::exp(x->params.scale * double(u - 255))));
    high.push_back(static_cast<int8_t>(e >> 8));
    low.push_back(static_cast<int8_t>(e & 255));
  }
  double top = 1.0;
  if (std::optional<std::pair<double, double>> range =
          rangeOf(softmax.getResult()))
    top = std::clamp(range->second, 1.0 / 64, 1.0);
  QuantParams params = activationParams(0.0, top);
  OpBuilder b(softmax);
  b.setInsertionPointAfter(softmax);
  Location loc = softmax.getLoc();
  Value result = softmax.getResult();
  auto op = IntegerSoftmaxOp::create(
      b, loc, x->value.getType(), x->value,
      b.getI64IntegerAttr((int64_t)softmax.getAxis()),
      b.getDenseI64ArrayAttr(high), b.getDenseI64ArrayAttr(low),
      b.getI64IntegerAttr(std::llround(2147483648.0 / params.scale)),
      b.getI64IntegerAttr(params.zeroPoint));
  op->setAttr(kQuantInfoAttr, quantInfo(b, x->params, params, softmax));
  finish(b, loc, result, op, params);
}

void Quantizer::rewriteLayerNorm(LayerNormOp norm) {
  if (!isF32Tensor(norm.getResult()))
    return;
  auto type = cast<RankedTensorType>(norm.getInput().getType());
  int64_t rank = type.getRank();
  int64_t axis = (int64_t)norm.getAxis();
  if (axis < 0)
    axis += rank;
  if (axis != rank - 1 || type.isDynamicDim(rank - 1))
    return keepVoid(norm, "no integer form of a layer norm over several "
                          "dims or a dynamic one yet");
  int64_t n = type.getShape().back();
  std::optional<std::vector<float>> scale = constantValues(norm.getScale());
  std::optional<std::vector<float>> bias;
  if (norm.getBias())
    bias = constantValues(norm.getBias());
  if (!scale || (norm.getBias() && !bias))
    return keepVoid(norm, "the scale or bias is computed at run time");
  auto channel = [&](const std::vector<float> &v, int64_t j) -> double {
    return v.size() == 1 ? v[0] : v[j];
  };
  if ((int64_t)scale->size() != n && scale->size() != 1)
    return keepVoid(norm, "the scale is not one value per channel");
  std::optional<IntegerValue> x = integerOf(norm.getInput(), true);
  if (!x)
    return keepVoid(norm, "no calibrated range for the input");
  std::optional<Output> output = outputOf(norm);
  if (!output)
    return;
  auto [out, clamp, params] = *output;
  SmallVector<int64_t> gamma, beta;
  for (int64_t j = 0; j < n; ++j) {
    gamma.push_back(std::llround(channel(*scale, j) / params.scale * 65536.0));
    double b = bias ? channel(*bias, j) : 0.0;
    beta.push_back(std::llround(b / params.scale * 4294967296.0));
  }
  double epsilon = norm.getEpsilon().convertToDouble();
  auto epsTerm = static_cast<int64_t>(std::llround(
      double(n) * double(n) * epsilon / (x->params.scale * x->params.scale)));
  OpBuilder b(out);
  b.setInsertionPointAfter(out);
  Location loc = spanLoc(norm, out);
  Value result = out->getResult(0);
  auto op = IntegerLayerNormOp::create(
      b, loc, x->value.getType(), x->value,
      b.getI64IntegerAttr(x->params.zeroPoint),
      b.getI64IntegerAttr(params.zeroPoint), b.getI64IntegerAttr(epsTerm),
      b.getDenseI64ArrayAttr(gamma), b.getDenseI64ArrayAttr(beta));
  op->setAttr(kQuantInfoAttr, quantInfo(b, x->params, params, out));
  Value q = op;
  // A fused ReLU / clip after the norm: an identity rescale's clamp.
  if (clamp)
    q = buildRescale(b, loc, q, q.getType(), {int64_t(1) << 30}, {30}, 0,
                     params.zeroPoint, params.zeroPoint,
                     clampBounds(clamp, params));
  finish(b, loc, result, q, params);
}
