//===- RangeEstimationTest.cpp - Clipping ranges from calibration values --===//
#include "passes/quantize/RangeEstimation.h"
#include "passes/quantize/QuantParams.h"

#include <gtest/gtest.h>

#include <random>

using namespace mica::quant;

namespace {

ValueStatistics statistics(const std::vector<float> &values, size_t piece) {
  ValueStatistics stats;
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < values.size(); i += piece) {
      llvm::ArrayRef<float> part(values.data() + i,
                                 std::min(piece, values.size() - i));
      pass == 0 ? stats.addToRange(part) : stats.addToHistogram(part);
    }
  return stats;
}

/// The mean squared error of quantising `values` to int8 with the
/// parameters of [lo, hi], as the compiled model will.
double quantisationError(const std::vector<float> &values,
                         std::pair<double, double> range) {
  QuantParams params = activationParams(range.first, range.second);
  double sum = 0;
  for (float v : values) {
    double back =
        double(quantizeValue(v, params) - params.zeroPoint) * params.scale;
    sum += (back - v) * (back - v);
  }
  return sum / values.size();
}

/// 200000 draws of N(0, 1) and one outlier at 60.
std::vector<float> gaussianWithOutlier() {
  std::mt19937 random(7);
  std::normal_distribution<float> normal;
  std::vector<float> values(200000);
  for (float &v : values)
    v = normal(random);
  values[1234] = 60;
  return values;
}

TEST(RangeEstimationTest, PercentileHundredIsTheObservedRange) {
  std::vector<float> values = gaussianWithOutlier();
  ValueStatistics stats = statistics(values, 1000);
  auto [lo, hi] = stats.minmax();
  EXPECT_EQ(hi, 60.0);
  EXPECT_EQ(stats.percentileRange(100), stats.minmax());
  EXPECT_EQ(lo, *std::min_element(values.begin(), values.end()));
}

TEST(RangeEstimationTest, PercentileClipsEachTail) {
  // 99.99: 0.005 % of the values (10 of 200001) may go at each end; a
  // Gaussian's 0.005 % quantile is 3.89.
  ValueStatistics stats = statistics(gaussianWithOutlier(), 4096);
  auto [lo, hi] = stats.percentileRange(99.99);
  EXPECT_GT(hi, 3.5);
  EXPECT_LT(hi, 4.4);
  EXPECT_LT(lo, -3.5);
  EXPECT_GT(lo, -4.4);
  // 99: about 2.58 at each end.
  auto [lo99, hi99] = stats.percentileRange(99);
  EXPECT_NEAR(hi99, 2.58, 0.1);
  EXPECT_NEAR(lo99, -2.58, 0.1);
}

TEST(RangeEstimationTest, MseHasTheLeastErrorOfTheMethods) {
  // Measured by quantising the values: MSE's range is at least as good as
  // the observed range and the percentiles on light and heavy tails.
  std::mt19937 random(11);
  std::normal_distribution<float> normal;
  std::exponential_distribution<float> exponential;
  std::vector<float> gauss(200000), laplace(200000), heavy(200000);
  for (size_t i = 0; i < gauss.size(); ++i) {
    gauss[i] = normal(random);
    laplace[i] = exponential(random) * (i % 2 ? 1 : -1);
    heavy[i] = normal(random) / std::max(0.05f, std::fabs(normal(random)));
  }
  for (const std::vector<float> *values : {&gauss, &laplace, &heavy}) {
    ValueStatistics stats = statistics(*values, 1000);
    std::pair<double, double> mse = stats.mseRange();
    double mseError = quantisationError(*values, mse);
    EXPECT_LE(mseError, 1.02 * quantisationError(*values, stats.minmax()));
    for (double p : {99.9, 99.99})
      EXPECT_LE(mseError,
                1.02 * quantisationError(*values, stats.percentileRange(p)));
    // It does clip: each end is inside the observed one.
    EXPECT_LT(mse.second, stats.minmax().second);
    EXPECT_GT(mse.first, stats.minmax().first);
  }
}

TEST(RangeEstimationTest, MseKeepsALoneFarOutlier) {
  // Clipping the value at 60 to 4 costs 56^2 / 200001 = 0.016, more than
  // the rounding error of the wide range (0.005): MSE keeps most of it
  // where a percentile drops it.
  std::vector<float> values = gaussianWithOutlier();
  ValueStatistics stats = statistics(values, 333);
  std::pair<double, double> mse = stats.mseRange();
  EXPECT_GT(mse.second, 40.0);
  EXPECT_LT(quantisationError(values, mse),
            quantisationError(values, stats.percentileRange(99.99)));
}

TEST(RangeEstimationTest, ReluOutputsKeepTheirZero) {
  // Half exact zeros, half exponential: the lower end stays 0, and MSE does
  // not count the zeros as rounding errors.
  std::mt19937 random(3);
  std::exponential_distribution<float> exponential;
  std::vector<float> values(100000, 0.0f);
  for (size_t i = 0; i < values.size(); i += 2)
    values[i] = exponential(random);
  ValueStatistics stats = statistics(values, 5000);
  EXPECT_EQ(stats.percentileRange(99.9).first, 0.0);
  std::pair<double, double> mse = stats.mseRange();
  EXPECT_EQ(mse.first, 0.0);
  EXPECT_LT(mse.second, stats.minmax().second);
  EXPECT_LT(quantisationError(values, mse),
            quantisationError(values, stats.minmax()));
}

TEST(RangeEstimationTest, ResultsDoNotDependOnHowValuesArrive) {
  std::vector<float> values = gaussianWithOutlier();
  ValueStatistics whole = statistics(values, values.size());
  ValueStatistics pieces = statistics(values, 97);
  EXPECT_EQ(whole.minmax(), pieces.minmax());
  EXPECT_EQ(whole.percentileRange(99.9), pieces.percentileRange(99.9));
  EXPECT_EQ(whole.mseRange(), pieces.mseRange());
}

TEST(RangeEstimationTest, AConstantTensorKeepsItsValue) {
  ValueStatistics stats = statistics(std::vector<float>(100, 3.0f), 10);
  EXPECT_EQ(stats.percentileRange(99), std::make_pair(3.0, 3.0));
  EXPECT_EQ(stats.mseRange(), std::make_pair(3.0, 3.0));
  EXPECT_TRUE(ValueStatistics().empty());
}

} // namespace
