//===- PlanBlocksTest.cpp - The --memory-budget cost model ----------------===//
#include "passes/partition/PlanBlocks.h"

#include <gtest/gtest.h>

using namespace mica::partition;

namespace {

using Ranges = llvm::SmallVector<ByteRange>;

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

// Units sharing a constant (tied weights): the weights W are what they
// cover together, so exactly W + A + O fits resident; a resident copy
// serves every unit reading it.
TEST(PlanBlocksTest, SharedConstantsCountOnce) {
  // Units 0 and 5 read [0, 400); 1-4 read 100 bytes each: W = 800.
  llvm::SmallVector<Ranges> units{{{0, 400}},   {{400, 500}}, {{500, 600}},
                                  {{600, 700}}, {{700, 800}}, {{0, 400}}};
  std::optional<BlockPlan> plan = planBlocks(units, 50, 58, 10, 860);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->fitsResident);
  EXPECT_EQ(plan->residentBytes, 800);
  plan = planBlocks(units, 50, 58, 10, 859);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->fitsResident);
  // The 400 bytes are forced resident once (not 800) with S = 100 and the
  // cut arena 58; unit 5 reads them there, 1-4 stream.
  BudgetShortfall shortfall;
  EXPECT_FALSE(planBlocks(units, 50, 58, 10, 100, &shortfall));
  EXPECT_EQ(shortfall.minimumBudget, 400 + 2 * 100 + 58 + 10);
  EXPECT_EQ(shortfall.forcedResidentBytes, 400);
  EXPECT_EQ(shortfall.bufferBytes, 100);
  EXPECT_FALSE(planBlocks(units, 50, 58, 10, shortfall.minimumBudget - 1));
  plan = planBlocks(units, 50, 58, 10, shortfall.minimumBudget);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->fitsResident);
  EXPECT_EQ(plan->residentBytes, 400);
  EXPECT_EQ(plan->block, (llvm::SmallVector<int64_t>{-1, 0, 1, 2, 3, -1}));
  EXPECT_EQ(plan->bufferBytes, 100);
}

// A block holds one copy of what its units share; the resident prefix
// pays only for the bytes not resident yet.
TEST(PlanBlocksTest, SharedConstantsInBlocksAndPrefix) {
  // Unit 2 reads unit 1's 100 bytes and 20 more: W = 620.
  llvm::SmallVector<Ranges> units{
      {{0, 100}},   {{100, 200}}, {{100, 200}, {200, 220}},
      {{300, 400}}, {{400, 500}}, {{500, 600}},
      {{600, 700}}};
  // S = 120 (unit 2), nothing resident: units 1 and 2 share a block of
  // 120 bytes.
  std::optional<BlockPlan> plan = planBlocks(units, 0, 0, 0, 240);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->bufferBytes, 120);
  EXPECT_EQ(plan->block, (llvm::SmallVector<int64_t>{0, 1, 1, 2, 3, 4, 5}));
  EXPECT_EQ(plan->blockBytes,
            (llvm::SmallVector<int64_t>{100, 120, 100, 100, 100, 100}));
  // 220 bytes of room besides two buffers of 120: units 0-2 resident
  // (220 bytes, not 320). S = 100 forces unit 2 and keeps units 0 and 1
  // (free) for the same 220: the smaller S wins.
  plan = planBlocks(units, 0, 0, 0, 460);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->residentBytes, 220);
  EXPECT_EQ(plan->bufferBytes, 100);
  EXPECT_EQ(plan->block, (llvm::SmallVector<int64_t>{-1, -1, -1, 0, 1, 2, 3}));
}

// The arena of a cut build (with the spilled scalars' slots) counts for
// streaming only; when streaming cannot beat keeping everything resident,
// the minimum is W + A + O.
TEST(PlanBlocksTest, CutArenaAndAllResidentMinimum) {
  // W = 128, A = 64, O = 0: resident needs 192; streaming with S = 64
  // needs 128 + 128 (cut arena) = 256.
  BudgetShortfall shortfall;
  llvm::SmallVector<Ranges> units{{{0, 64}}, {{64, 128}}};
  EXPECT_FALSE(planBlocks(units, 64, 128, 0, 191, &shortfall));
  EXPECT_EQ(shortfall.unit, -1);
  EXPECT_EQ(shortfall.minimumBudget, 192);
  EXPECT_EQ(shortfall.weightBytes, 128);
  std::optional<BlockPlan> plan = planBlocks(units, 64, 128, 0, 192);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->fitsResident);
}

} // namespace
