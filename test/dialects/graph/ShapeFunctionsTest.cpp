//===- ShapeFunctionsTest.cpp - Unit tests of the graph shape functions ---===//
//
// Calls the shape functions directly on dim lists, the way lowerings and
// passes do, without building IR.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/ShapeFunctions.h"

#include "mlir/IR/Diagnostics.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

using namespace mica::graph;

namespace {

/// Drops diagnostics: the tests only look at success and the shapes.
mlir::InFlightDiagnostic silent() { return mlir::InFlightDiagnostic(); }

constexpr int64_t kDyn = kDynamic;

TEST(GraphShapeFunctions, BroadcastAlignsRightAndKeepsDynamic) {
  auto shape =
      inferBroadcastShape({ShapeRef{kDyn, 1, 8}, ShapeRef{4, 1}}, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{kDyn, 4, 8}));
  EXPECT_TRUE(
      mlir::failed(inferBroadcastShape({ShapeRef{2, 3}, ShapeRef{4}}, silent)));
}

TEST(GraphShapeFunctions, ConvStridedPaddedGrouped) {
  auto shape = inferConvShape({1, 4, 10}, {6, 2, 3}, std::nullopt, {2}, {2},
                              {0, 1}, /*groups=*/2, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{1, 6, 4}));
  EXPECT_TRUE(mlir::failed(inferConvShape({1, 4, 10}, {6, 3, 3}, std::nullopt,
                                          {1}, {1}, {0, 0}, 1, silent)));
}

TEST(GraphShapeFunctions, ConvTransposeDoublesSpatialDims) {
  auto shape =
      inferConvTransposeShape({kDyn, 8, 16, 16}, {8, 4, 2, 2}, std::nullopt,
                              {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}, 1, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{kDyn, 4, 32, 32}));
}

TEST(GraphShapeFunctions, MatmulPromotesVectors) {
  auto shape = inferMatmulShape({8}, {3, 8, 5}, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{3, 5}));
  shape = inferMatmulShape({kDyn, 1, 4, 8}, {3, 8, 5}, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{kDyn, 3, 4, 5}));
}

TEST(GraphShapeFunctions, PoolCeilModeDropsWindowInPadding) {
  auto shape = inferPoolShape({1, 8, 7, 7}, {2, 2}, {2, 2}, {0, 0, 0, 0},
                              {1, 1}, /*ceilMode=*/true, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{1, 8, 4, 4}));
}

TEST(GraphShapeFunctions, ReshapeCopiesDynamicDimsAndInfers) {
  auto shape = inferReshapeShape({kDyn, 4, 5}, {0, -1}, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{kDyn, 20}));
  shape = inferReshapeShape({kDyn, 4, 5}, {-1, 10}, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{kDyn, 10}));
  EXPECT_TRUE(mlir::failed(inferReshapeShape({2, 3}, {-1, -1}, silent)));
  EXPECT_TRUE(mlir::failed(inferReshapeShape({2, 3}, {4}, silent)));
}

TEST(GraphShapeFunctions, SliceClampsLikeOnnx) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  auto shape = inferSliceShape({5, 6, kDyn}, {-1, 1, 0}, {kMin, kMax, 2},
                               {-2, 2, 1}, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{3, 3, kDyn}));
  SliceRange range = resolveSlice(5, -1, kMin, -2);
  EXPECT_EQ(range.start, 4);
  EXPECT_EQ(range.size, 3);
}

TEST(GraphShapeFunctions, ReduceAndSplit) {
  auto shape = inferReduceShape({2, 3, 4}, {-1, 0}, /*keepdims=*/false, silent);
  ASSERT_TRUE(mlir::succeeded(shape));
  EXPECT_EQ(*shape, (Shape{3}));
  auto pieces = inferSplitShapes({6, 4}, 0, {2, 4}, silent);
  ASSERT_TRUE(mlir::succeeded(pieces));
  EXPECT_EQ((*pieces)[1], (Shape{4, 4}));
  EXPECT_TRUE(mlir::failed(inferSplitShapes({6, 4}, 0, {2, 3}, silent)));
}

} // namespace
