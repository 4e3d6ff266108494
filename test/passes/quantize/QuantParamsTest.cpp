//===- QuantParamsTest.cpp - A model's own quantisation, kept exactly -----===//
#include "passes/quantize/QuantParams.h"

#include <gtest/gtest.h>

#include <random>

using namespace mica::quant;

namespace {

/// The range a QDQ pair or a QOperator op's parameters give a value turns
/// back into those parameters exactly, for f32 scales and every zero point
/// of int8 and of uint8 (whose zero point moves by -128).
TEST(QuantParamsTest, ExactRangeGivesTheModelsParameters) {
  std::mt19937 random(3);
  std::uniform_real_distribution<float> exponent(-20.0f, 4.0f);
  for (int i = 0; i < 2000; ++i) {
    float scale = std::exp2(exponent(random));
    for (bool isUnsigned : {false, true})
      for (int64_t zp = isUnsigned ? 0 : -128; zp <= (isUnsigned ? 255 : 127);
           zp += 17) {
        auto [lo, hi] = exactRange(scale, zp, isUnsigned);
        QuantParams params = activationParams(lo, hi);
        ASSERT_EQ(params.scale, (double)scale);
        ASSERT_EQ(params.zeroPoint, isUnsigned ? zp - 128 : zp);
      }
  }
}

/// Weights given as float(q * s[c]) come back as the same integers, with
/// an offset per channel where they do not fit int8.
TEST(QuantParamsTest, WeightsOnGridKeepTheIntegers) {
  std::vector<double> scales{0.013, 0.5};
  std::vector<int64_t> q{127, -3, 0, 5, /*channel 1:*/ 155, -100, 0, 1};
  std::vector<float> values;
  for (size_t i = 0; i < q.size(); ++i)
    values.push_back(static_cast<float>(q[i] * scales[i / 4]));
  std::optional<ChannelWeights> w = weightsOnGrid(values, {2, 4}, 0, scales);
  ASSERT_TRUE(w.has_value());
  ASSERT_EQ(w->offsets, (std::vector<int64_t>{0, 28}));
  for (size_t i = 0; i < q.size(); ++i)
    EXPECT_EQ(w->values[i] + w->offsets[i / 4], q[i]) << i;
  EXPECT_EQ(w->scales, scales);
}

/// Values off their grid, or a channel spanning more than 256 integers,
/// are not the model's integers.
TEST(QuantParamsTest, WeightsOffGrid) {
  EXPECT_FALSE(weightsOnGrid({0.25f, 0.5f}, {1, 2}, 0, {0.3}).has_value());
  EXPECT_FALSE(weightsOnGrid({-200.0f, 100.0f}, {1, 2}, 0, {1.0}).has_value());
  EXPECT_TRUE(weightsOnGrid({-128.0f, 127.0f}, {1, 2}, 0, {1.0}).has_value());
}

/// Counts of the input values in each pooling window: 3 taps, stride 2,
/// one padded position at each end of 5 values.
TEST(QuantParamsTest, WindowCounts) {
  EXPECT_EQ(windowCounts(5, 3, 2, 1, 1, 3), (std::vector<int64_t>{2, 3, 2}));
  // Dilation 2 over 4 values, one padded position first: the windows'
  // taps are -1, 1, 3 and 0, 2, 4, two inside each.
  EXPECT_EQ(windowCounts(4, 3, 1, 2, 1, 2), (std::vector<int64_t>{2, 2}));
}

} // namespace
