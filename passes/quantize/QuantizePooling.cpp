//===- QuantizePooling.cpp - Integer means and average pools --------------===//
//
// Means over static axes and average pools as i32 sums and rescales that
// divide by the window's count.
//
//===----------------------------------------------------------------------===//
#include "passes/quantize/Quantizer.h"

#include <cmath>

using namespace mlir;
using namespace mica;
using namespace mica::graph;
using namespace mica::quant;

void Quantizer::rewriteMean(ReduceOp reduce) {
  if (reduce.getKind() != ReduceKind::mean || !isF32Tensor(reduce.getResult()))
    return;
  std::optional<IntegerValue> x = integerOf(reduce.getInput(), false);
  if (!x)
    return;
  auto type = cast<RankedTensorType>(reduce.getInput().getType());
  SmallVector<int64_t> axes(reduce.getAxes());
  if (axes.empty())
    for (int64_t i = 0; i < type.getRank(); ++i)
      axes.push_back(i);
  int64_t count = 1;
  for (int64_t &axis : axes) {
    if (axis < 0)
      axis += type.getRank();
    if (type.isDynamicDim(axis))
      return keepVoid(reduce, "a mean over a dimension known at run time");
    count *= type.getDimSize(axis);
  }
  std::optional<Output> output = outputOf(reduce);
  if (!output)
    return;
  // s_in / (count s_out) in this order (requantized divides s_in / count by
  // s_out, which can round the multiplier one unit differently).
  std::optional<FixedPoint> m =
      toFixedPoint(x->params.scale / (count * output->params.scale));
  if (!m)
    return keepVoid(reduce,
                    "the requantisation scale is out of the fixed-point range");
  Operation *out = output->op;
  OpBuilder b(out);
  b.setInsertionPointAfter(out);
  Location loc = spanLoc(reduce, out);
  Type i32 = b.getIntegerType(32);
  Value wide = CastOp::create(b, loc, withElement(type, i32), x->value);
  Value sum =
      ReduceOp::create(b, loc, withElement(reduce.getType(), i32),
                       ReduceKindAttr::get(b.getContext(), ReduceKind::sum),
                       wide, reduce.getAxesAttr(), reduce.getKeepdimsAttr());
  finishFromI32(b, loc, sum, x->params, *output, *m,
                count * x->params.zeroPoint);
}

void Quantizer::rewriteAvgPool(AvgPoolOp pool) {
  if (!isF32Tensor(pool.getResult()))
    return;
  std::optional<IntegerValue> x = integerOf(pool.getInput(), false);
  if (!x)
    return;
  auto inType = cast<RankedTensorType>(pool.getInput().getType());
  auto outType = cast<RankedTensorType>(pool.getType());
  int64_t rank = inType.getRank(), k = rank - 2;
  for (int64_t d = 1; d < rank; ++d)
    if (inType.isDynamicDim(d) || outType.isDynamicDim(d))
      return keepVoid(pool, "a pool over dimensions known at run time");
  ArrayRef<int64_t> kernel = pool.getKernel(), strides = pool.getStrides(),
                    dilations = pool.getDilations(), pads = pool.getPads();
  int64_t taps = 1;
  std::vector<std::vector<int64_t>> counts(k);
  for (int64_t i = 0; i < k; ++i) {
    int64_t size = inType.getDimSize(2 + i), out = outType.getDimSize(2 + i);
    // ceil_mode's extra window would overhang the padded input.
    if ((size + pads[i] + pads[k + i] - dilations[i] * (kernel[i] - 1) - 1) /
                strides[i] +
            1 !=
        out)
      return keepVoid(pool, "ceil_mode adds a partial window");
    counts[i] = pool.getCountIncludePad()
                    ? std::vector<int64_t>(out, kernel[i])
                    : windowCounts(size, kernel[i], strides[i], dilations[i],
                                   pads[i], out);
    taps *= kernel[i];
  }
  std::optional<Output> output = outputOf(pool);
  if (!output)
    return;
  auto [out, clamp, params] = *output;
  // Axes whose counts vary need a per-position rescale; the others fold
  // into one factor.
  SmallVector<int64_t> varying;
  double scale = x->params.scale / params.scale;
  for (int64_t i = 0; i < k; ++i) {
    if (llvm::all_equal(counts[i]))
      scale /= counts[i].front();
    else
      varying.push_back(i);
  }
  // |sum| <= 255 taps: each intermediate rescale may multiply it by
  // 2^bits without leaving i32.
  int64_t bits = varying.size() < 2
                     ? 0
                     : (30 - (int64_t)std::ceil(std::log2(255.0 * taps + 1))) /
                           (int64_t)(varying.size() - 1);
  if (varying.size() > 1 && bits < 8)
    return keepVoid(pool, "the pooling window is too large for the "
                          "integer division by its counts");

  // The rescales, computed before anything is built: one per varying
  // axis (the last to int8), or one for all.
  struct Step {
    int64_t axis = 0;
    SmallVector<int64_t> multipliers, shifts;
  };
  SmallVector<Step> steps;
  auto stepFor = [&](int64_t axis, ArrayRef<int64_t> along,
                     double factor) -> bool {
    Step step;
    step.axis = axis;
    for (int64_t count : along) {
      std::optional<FixedPoint> m = toFixedPoint(factor / count);
      if (!m)
        return false;
      step.multipliers.push_back(m->multiplier);
      step.shifts.push_back(m->shift);
    }
    steps.push_back(std::move(step));
    return true;
  };
  bool fits = true;
  for (size_t j = 0; j + 1 < varying.size(); ++j) {
    fits &= stepFor(2 + varying[j], counts[varying[j]], std::ldexp(1.0, bits));
    scale = std::ldexp(scale, -bits);
  }
  if (varying.empty())
    fits &= stepFor(0, {1}, scale);
  else
    fits &= stepFor(2 + varying.back(), counts[varying.back()], scale);
  if (!fits)
    return keepVoid(pool,
                    "the requantisation scale is out of the fixed-point range");

  OpBuilder b(out);
  b.setInsertionPointAfter(out);
  Location loc = spanLoc(pool, out);
  Type i8 = b.getIntegerType(8), i32 = b.getIntegerType(32);
  int64_t channels = inType.getDimSize(1);
  SmallVector<int64_t> onesShape{channels, 1};
  onesShape.append(kernel.begin(), kernel.end());
  auto onesType = RankedTensorType::get(onesShape, i8);
  Value ones = ConstantOp::create(
      b, loc, onesType,
      DenseElementsAttr::get(onesType, b.getI8IntegerAttr(1)));
  auto biasType = RankedTensorType::get({channels}, i32);
  Value bias = ConstantOp::create(
      b, loc, biasType,
      DenseElementsAttr::get(biasType, b.getI32IntegerAttr(static_cast<int32_t>(
                                           -x->params.zeroPoint * taps))));
  SmallVector<int64_t> zeros(pads.size(), 0);
  Value v = ConvOp::create(
      b, loc, withElement(outType, i32), padByZeroPoint(b, loc, *x, pads), ones,
      bias, pool.getStridesAttr(), pool.getDilationsAttr(),
      b.getDenseI64ArrayAttr(zeros), b.getI64IntegerAttr(channels));
  v.getDefiningOp()->setAttr(kQuantInfoAttr,
                             quantInfo(b, x->params, params, out));
  Value result = out->getResult(0);
  for (const Step &step : steps) {
    bool last = &step == &steps.back();
    v = buildRescale(
        b, loc, v, last ? withElement(result.getType(), i8) : v.getType(),
        step.multipliers, step.shifts, step.axis, 0,
        last ? params.zeroPoint : 0,
        last ? std::optional(clampBounds(clamp, params)) : std::nullopt);
  }
  Value q = v;
  finish(b, loc, result, q, params);
}
