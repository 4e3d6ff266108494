//===- RangeEstimation.h - Clipping ranges from calibration values -*- C++
//-*-===//
//
// How calibration turns the values one tensor took on the sample inputs
// into the range its int8 parameters cover (`--calib-method`,
// docs/quantization.md). The values arrive in pieces (one tensor of one
// calibration item at a time) and are never all in memory, so the
// statistics are built in two passes over the items: the first finds the
// minimum and maximum, which fix the edges of a histogram of kBins equal
// bins; the second counts the values into it. Both passes only compare and
// count, so the statistics depend on the values alone, not on how they were
// split into pieces or on the build host's float arithmetic.
//
// The ranges are chosen from the statistics as follows (each a sub-range of
// [min, max]; quantisation widens it to contain 0 afterwards):
//   minmax      [min, max].
//   percentile  each end clips at most (100 - P) / 2 % of the values, to a
//               bin edge: activations are asymmetric per tensor, so their
//               two ends are chosen separately (a ReLU's output keeps its
//               exact 0 and clips only its top tail).
//   mse         the pair of bin edges (a <= 0 <= b) with the least expected
//               squared int8 error: values outside [a, b] err by their
//               distance to the bound (at their bin's centre), the others by
//               a uniform rounding error of step^2 / 12 (step = (b - a) /
//               levels), values that are exactly 0 by nothing (0 is exact).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_QUANTIZE_RANGEESTIMATION_H
#define MICA_PASSES_QUANTIZE_RANGEESTIMATION_H

#include "llvm/ADT/ArrayRef.h"

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace mica::quant {

class ValueStatistics {
public:
  /// Bins of the histogram: 2048 over [min, max] resolve a clipping range
  /// to 1/8 of an int8 step of the full range.
  static constexpr int kBins = 2048;

  /// Pass 1: widens [min, max] by `values` (non-finite ones are skipped).
  void addToRange(llvm::ArrayRef<float> values);
  /// Pass 2: counts `values` into the histogram over pass 1's [min, max]
  /// (allocated on the first call; values outside count in the end bins).
  void addToHistogram(llvm::ArrayRef<float> values);

  /// Whether pass 1 saw any finite value.
  bool empty() const { return !(lo <= hi); }
  std::pair<double, double> minmax() const { return {lo, hi}; }
  /// `percentile` in (0, 100]; 100 gives [min, max] exactly.
  std::pair<double, double> percentileRange(double percentile) const;
  /// The least-error range for `levels` quantisation steps (255: int8).
  std::pair<double, double> mseRange(int levels = 255) const;

private:
  int binOf(double value) const;
  double edge(int index) const;

  double lo = INFINITY, hi = -INFINITY;
  std::vector<uint64_t> counts; // kBins, once pass 2 started
  uint64_t total = 0, zeros = 0;
};

} // namespace mica::quant

#endif // MICA_PASSES_QUANTIZE_RANGEESTIMATION_H
