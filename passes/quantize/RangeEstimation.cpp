//===- RangeEstimation.cpp - Clipping ranges from calibration values ------===//
#include "passes/quantize/RangeEstimation.h"

#include <algorithm>

using namespace mica::quant;

void ValueStatistics::addToRange(llvm::ArrayRef<float> values) {
  for (float v : values) {
    if (!std::isfinite(v))
      continue;
    lo = std::min<double>(lo, v);
    hi = std::max<double>(hi, v);
  }
}

int ValueStatistics::binOf(double value) const {
  if (!(lo < hi))
    return 0;
  double position = std::floor((value - lo) / (hi - lo) * kBins);
  return static_cast<int>(std::clamp(position, 0.0, double(kBins - 1)));
}

double ValueStatistics::edge(int index) const {
  // The outer edges are the observed extremes exactly, not lo + (hi - lo).
  if (index <= 0)
    return lo;
  if (index >= kBins)
    return hi;
  return lo + (hi - lo) * index / kBins;
}

void ValueStatistics::addToHistogram(llvm::ArrayRef<float> values) {
  if (counts.empty())
    counts.assign(kBins, 0);
  for (float v : values) {
    if (!std::isfinite(v))
      continue;
    ++counts[binOf(v)];
    ++total;
    zeros += v == 0;
  }
}

std::pair<double, double>
ValueStatistics::percentileRange(double percentile) const {
  if (counts.empty() || !(lo < hi))
    return {lo, hi};
  // Each end may drop whole bins holding at most `cut` values in all.
  auto cut = static_cast<uint64_t>(
      std::floor((100.0 - percentile) / 200.0 * static_cast<double>(total)));
  int first = 0;
  for (uint64_t dropped = 0;
       first < kBins - 1 && dropped + counts[first] <= cut; ++first)
    dropped += counts[first];
  int last = kBins - 1;
  for (uint64_t dropped = 0; last > first && dropped + counts[last] <= cut;
       --last)
    dropped += counts[last];
  return {edge(first), edge(last + 1)};
}

std::pair<double, double> ValueStatistics::mseRange(int levels) const {
  if (counts.empty() || !(lo < hi))
    return {lo, hi};
  // Prefix sums over the bins of the count, sum and sum of squares of the
  // values that can be wrong (every value but the exact zeros), each at its
  // bin's centre: the clipping error of any bound is then O(1).
  int zeroBin = lo <= 0 && 0 <= hi ? binOf(0) : -1;
  std::vector<double> n(kBins + 1, 0), s(kBins + 1, 0), q(kBins + 1, 0);
  for (int i = 0; i < kBins; ++i) {
    double count = double(counts[i] - (i == zeroBin ? zeros : 0));
    double centre = lo + (hi - lo) * (i + 0.5) / kBins;
    n[i + 1] = n[i] + count;
    s[i + 1] = s[i] + count * centre;
    q[i + 1] = q[i] + count * centre * centre;
  }
  // Lower bounds are the edges at or below 0 (only `lo` when lo >= 0),
  // upper bounds those at or above 0; the scale spans the range widened to
  // contain 0, as the quantisation will.
  int lastLower = 0;
  while (lastLower < kBins && edge(lastLower + 1) <= 0)
    ++lastLower;
  int firstUpper = kBins;
  while (firstUpper > 0 && edge(firstUpper - 1) >= 0)
    --firstUpper;
  double best = INFINITY;
  int bestLower = 0, bestUpper = kBins;
  // From the full range inwards, so that ties keep the wider range.
  for (int j = 0; j <= lastLower; ++j) {
    double a = edge(j);
    double below = a * a * n[j] - 2 * a * s[j] + q[j];
    for (int k = kBins; k >= std::max(firstUpper, j); --k) {
      double b = edge(k);
      double above = (q[kBins] - q[k]) - 2 * b * (s[kBins] - s[k]) +
                     b * b * (n[kBins] - n[k]);
      double step = (std::max(b, 0.0) - std::min(a, 0.0)) / levels;
      double error = below + above + (n[k] - n[j]) * step * step / 12;
      if (error < best) {
        best = error;
        bestLower = j;
        bestUpper = k;
      }
    }
  }
  return {edge(bestLower), edge(bestUpper)};
}
