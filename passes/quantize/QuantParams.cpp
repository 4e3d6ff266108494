//===- QuantParams.cpp - Scales, zero points and fixed-point multipliers --===//
#include "passes/quantize/QuantParams.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

using namespace mica::quant;

QuantParams mica::quant::activationParams(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  QuantParams params;
  params.scale = static_cast<float>((hi - lo) / 255.0);
  if (!(params.scale > 0) || !std::isfinite(params.scale)) {
    params.scale = 1.0;
    return params;
  }
  double zero = std::nearbyint(-128.0 - lo / params.scale);
  params.zeroPoint = static_cast<int64_t>(std::clamp(zero, -128.0, 127.0));
  return params;
}

int64_t mica::quant::quantizeValue(double real, QuantParams params, int64_t lo,
                                   int64_t hi) {
  double q = std::nearbyint(real / params.scale) + params.zeroPoint;
  return static_cast<int64_t>(
      std::clamp(q, static_cast<double>(lo), static_cast<double>(hi)));
}

std::optional<FixedPoint> mica::quant::toFixedPoint(double real) {
  if (!(real > 0) || !(real < std::ldexp(1.0, 29)))
    return std::nullopt;
  int exponent = 0;
  double fraction = std::frexp(real, &exponent); // real = f * 2^e, f in [.5, 1)
  int64_t multiplier = std::llround(std::ldexp(fraction, 31));
  if (multiplier == (int64_t(1) << 31)) {
    multiplier >>= 1;
    ++exponent;
  }
  int64_t shift = 31 - exponent;
  if (shift > 62) {
    // Keep the shift TOSA allows; the multiplier loses the low bits.
    multiplier = std::llround(std::ldexp(real, 62));
    shift = 62;
  }
  if (shift < 2)
    return std::nullopt;
  return FixedPoint{multiplier, shift};
}

int64_t mica::quant::rescale(int64_t x, FixedPoint m, int64_t inputZeroPoint,
                             int64_t outputZeroPoint, int64_t lo, int64_t hi) {
  __int128 v = static_cast<__int128>(x - inputZeroPoint) * m.multiplier +
               (static_cast<__int128>(1) << (m.shift - 1));
  int64_t y = static_cast<int64_t>(v >> m.shift) + outputZeroPoint;
  return std::clamp(y, lo, hi);
}

ChannelWeights mica::quant::quantizeWeights(llvm::ArrayRef<float> values,
                                            llvm::ArrayRef<int64_t> shape,
                                            int64_t axis) {
  int64_t channels = shape[axis], inner = 1;
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  ChannelWeights out;
  out.values.resize(values.size());
  out.scales.assign(channels, 0.0);
  auto channelOf = [&](size_t i) { return (i / inner) % channels; };
  for (size_t i = 0; i < values.size(); ++i)
    out.scales[channelOf(i)] =
        std::max(out.scales[channelOf(i)], std::fabs((double)values[i]));
  for (double &scale : out.scales) {
    scale = static_cast<float>(scale / 127.0);
    if (!(scale > 0))
      scale = 1.0;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    double q = std::nearbyint(values[i] / out.scales[channelOf(i)]);
    out.values[i] = static_cast<int8_t>(std::clamp(q, -127.0, 127.0));
  }
  return out;
}

std::optional<ChannelWeights>
mica::quant::weightsOnGrid(llvm::ArrayRef<float> values,
                           llvm::ArrayRef<int64_t> shape, int64_t axis,
                           llvm::ArrayRef<double> scales) {
  int64_t channels = shape[axis], inner = 1;
  for (size_t i = axis + 1; i < shape.size(); ++i)
    inner *= shape[i];
  if (scales.size() != 1 && static_cast<int64_t>(scales.size()) != channels)
    return std::nullopt;
  ChannelWeights out;
  out.scales.assign(channels, scales.front());
  if (scales.size() > 1)
    out.scales.assign(scales.begin(), scales.end());
  auto channelOf = [&](size_t i) { return (i / inner) % channels; };
  std::vector<int64_t> q(values.size());
  std::vector<int64_t> lo(channels, INT64_MAX), hi(channels, INT64_MIN);
  for (size_t i = 0; i < values.size(); ++i) {
    double scale = out.scales[channelOf(i)];
    double v = std::nearbyint(values[i] / scale);
    if (!(scale > 0) || std::fabs(v) > 32767 ||
        static_cast<float>(v * scale) != values[i])
      return std::nullopt;
    q[i] = static_cast<int64_t>(v);
    lo[channelOf(i)] = std::min(lo[channelOf(i)], q[i]);
    hi[channelOf(i)] = std::max(hi[channelOf(i)], q[i]);
  }
  out.offsets.assign(channels, 0);
  for (int64_t c = 0; c < channels; ++c) {
    if (lo[c] > hi[c] || (lo[c] >= -128 && hi[c] <= 127))
      continue;
    if (hi[c] - lo[c] > 255)
      return std::nullopt;
    out.offsets[c] = lo[c] + 128;
  }
  out.values.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    out.values[i] = static_cast<int8_t>(q[i] - out.offsets[channelOf(i)]);
  return out;
}

std::vector<int64_t> mica::quant::windowCounts(int64_t size, int64_t kernel,
                                               int64_t stride, int64_t dilation,
                                               int64_t padBegin,
                                               int64_t outputs) {
  std::vector<int64_t> counts(outputs, 0);
  for (int64_t o = 0; o < outputs; ++o)
    for (int64_t k = 0; k < kernel; ++k) {
      int64_t at = o * stride - padBegin + k * dilation;
      counts[o] += at >= 0 && at < size;
    }
  return counts;
}
