//===- QuantParams.h - Scales, zero points and fixed-point multipliers ----===//
//
// The arithmetic that turns calibrated ranges and float weights into the
// integer parameters of the quantised graph. One definition serves the pass,
// the compile report and the unit tests; docs/numerics.md states the same
// rules in prose.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_QUANTIZE_QUANTPARAMS_H
#define MICA_PASSES_QUANTIZE_QUANTPARAMS_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace mica::quant {

/// real = (q - zeroPoint) * scale.
struct QuantParams {
  double scale = 1.0;
  int64_t zeroPoint = 0;
};

/// The range [lo, hi] whose parameters (activationParams) are exactly `scale`
/// and `zeroPoint` on an 8-bit integer type: what a QuantizeLinear of a QDQ
/// model, or a QOperator op's own parameters, say about the value they
/// quantise. Exact in double for f32 scales (uint8 parameters become int8
/// ones with the zero point moved by -128: the same real values).
inline std::pair<double, double> exactRange(double scale, int64_t zeroPoint,
                                            bool isUnsigned) {
  double qmin = isUnsigned ? 0 : -128, qmax = isUnsigned ? 255 : 127;
  return {(qmin - zeroPoint) * scale, (qmax - zeroPoint) * scale};
}

/// int8 asymmetric parameters for values in [lo, hi]: the range is widened
/// to contain 0 (so that 0, ReLU's floor and zero padding are exact), scale
/// (hi - lo) / 255 rounded to f32 (as a QDQ model stores it), zero point
/// round_half_even(-128 - lo / scale) clamped to [-128, 127]. An empty range
/// (all zeros) gets scale 1.
QuantParams activationParams(double lo, double hi);

/// q = clamp(round_half_even(real / scale) + zeroPoint, lo, hi), computed in
/// double (for compile-time constants; run-time quantisation divides in the
/// tensor's float type).
int64_t quantizeValue(double real, QuantParams params, int64_t lo = -128,
                      int64_t hi = 127);

/// M = multiplier * 2^-shift with multiplier in [2^30, 2^31) (rounded half
/// away from zero) and shift in [2, 62]; nullopt when M is not in
/// (0, 2^29), which a requantisation between int8 tensors never needs. A
/// tiny M gets shift 62 and a smaller multiplier (0 when M < 2^-63).
struct FixedPoint {
  int64_t multiplier = 0;
  int64_t shift = 0;
};
std::optional<FixedPoint> toFixedPoint(double real);

/// graph.rescale on one element (TOSA RESCALE, SINGLE_ROUND): the reference
/// the lowering and the integer interpreter in the tests agree with.
int64_t rescale(int64_t x, FixedPoint m, int64_t inputZeroPoint,
                int64_t outputZeroPoint, int64_t lo, int64_t hi);

/// Per-channel symmetric int8 weights: `values` is row-major with `channels`
/// rows along `axis` of `shape`; each channel gets scale max|w| / 127 (1 for
/// an all-zero channel) and values round_half_even(w / scale) in
/// [-127, 127].
struct ChannelWeights {
  std::vector<int8_t> values;
  std::vector<double> scales;
  /// Per channel, what the model's integers are above `values` (empty: 0);
  /// see weightsOnGrid.
  std::vector<int64_t> offsets;
};
ChannelWeights quantizeWeights(llvm::ArrayRef<float> values,
                               llvm::ArrayRef<int64_t> shape, int64_t axis);

/// Weights that are already quantised (a QOperator or QDQ model's own): the
/// integers q with values[i] == float(q * scales[channel]), one scale per
/// channel along `axis` (or one for all), or nullopt when a value is not on
/// its channel's grid or a channel's integers span more than 256 values.
/// The model's integers stay exactly as they are: q = value + offset, with
/// int8 values and a per-channel offset that is 0 where they fit int8
/// (uint8 weights with a zero point far from 128 do not).
std::optional<ChannelWeights> weightsOnGrid(llvm::ArrayRef<float> values,
                                            llvm::ArrayRef<int64_t> shape,
                                            int64_t axis,
                                            llvm::ArrayRef<double> scales);

/// For each of `outputs` window positions along one axis of a pooling
/// window (`kernel` taps `dilation` apart, `stride` between positions, the
/// first window starting `padBegin` before the input): how many taps fall
/// inside the `size` input elements.
std::vector<int64_t> windowCounts(int64_t size, int64_t kernel, int64_t stride,
                                  int64_t dilation, int64_t padBegin,
                                  int64_t outputs);

} // namespace mica::quant

#endif // MICA_PASSES_QUANTIZE_QUANTPARAMS_H
