//===- PlanBlocksTest.cpp - The --memory-budget cost model ----------------===//
#include "passes/partition/PlanBlocks.h"

#include <gtest/gtest.h>

using namespace mica::partition;

namespace {

// Everything fits: no partition.
TEST(PlanBlocksTest, FitsResident) {
  std::optional<BlockPlan> plan = planBlocks({64, 64, 64}, 64, 64, 320);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->fitsResident);
  EXPECT_EQ(plan->residentBytes, 192);
}

// Room for one unit besides two buffers: the first stays resident, the
// others stream one per block.
TEST(PlanBlocksTest, ResidentPrefixThenBlocks) {
  std::optional<BlockPlan> plan = planBlocks({64, 64, 64, 64}, 0, 0, 192);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->fitsResident);
  EXPECT_EQ(plan->residentBytes, 64);
  EXPECT_EQ(plan->bufferBytes, 64);
  EXPECT_EQ(plan->block, (llvm::SmallVector<int64_t>{-1, 0, 1, 2}));
}

// Units larger than the buffer stay resident, then the prefix that fits;
// a resident unit ends a block.
TEST(PlanBlocksTest, ForcedResident) {
  std::optional<BlockPlan> plan = planBlocks({32, 256, 32, 32, 32}, 0, 0, 383);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->residentBytes, 32 + 256);
  EXPECT_EQ(plan->block, (llvm::SmallVector<int64_t>{-1, -1, 0, 1, 2}));
}

// Consecutive streamed units pack into one block up to S.
TEST(PlanBlocksTest, PacksBlocks) {
  std::optional<BlockPlan> plan = planBlocks({20, 10, 10, 20}, 0, 0, 59);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->residentBytes, 0);
  EXPECT_EQ(plan->block, (llvm::SmallVector<int64_t>{0, 1, 1, 2}));
  EXPECT_EQ(plan->blockBytes, (llvm::SmallVector<int64_t>{20, 20, 20}));
}

// The stated minimum is feasible and one byte less is not.
TEST(PlanBlocksTest, MinimumIsFeasible) {
  llvm::SmallVector<int64_t> units{100, 300, 50, 200, 10};
  BudgetShortfall shortfall;
  EXPECT_FALSE(planBlocks(units, 40, 8, 100, &shortfall));
  EXPECT_GT(shortfall.minimumBudget, 100);
  EXPECT_TRUE(planBlocks(units, 40, 8, shortfall.minimumBudget));
  EXPECT_FALSE(planBlocks(units, 40, 8, shortfall.minimumBudget - 1));
  EXPECT_EQ(units[shortfall.unit], shortfall.bufferBytes);
}

} // namespace
