//===- MemoryPlannerTest.cpp - Static arena planning ----------------------===//
#include "targets/cpu/kernel/MemoryPlanner.h"

#include <gtest/gtest.h>

using namespace mica::kernel;

namespace {

/// No two buffers live at the same time may overlap in the arena.
void expectNoConflicts(const std::vector<BufferRequest> &requests,
                       const MemoryPlan &plan, int64_t alignment) {
  auto size = [&](size_t i) {
    return (std::max<int64_t>(requests[i].size, 1) + alignment - 1) /
           alignment * alignment;
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % alignment, 0);
    EXPECT_LE(plan.offsets[i] + size(i), plan.arenaSize);
    for (size_t j = i + 1; j < requests.size(); ++j) {
      bool together = requests[i].first <= requests[j].last &&
                      requests[j].first <= requests[i].last;
      bool overlap = plan.offsets[i] < plan.offsets[j] + size(j) &&
                     plan.offsets[j] < plan.offsets[i] + size(i);
      EXPECT_FALSE(together && overlap) << "buffers " << i << " and " << j;
    }
  }
}

TEST(MemoryPlannerTest, ChainReusesMemory) {
  // a -> b -> c -> d: each buffer dies when the next but one is made.
  std::vector<BufferRequest> chain = {
      {1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryPlan plan = planMemory(chain, 64);
  expectNoConflicts(chain, plan, 64);
  EXPECT_EQ(plan.totalSize, 4 * 1024);
  EXPECT_EQ(plan.arenaSize, 2 * 1024);
}

TEST(MemoryPlannerTest, AllLiveNeedsTheSum) {
  std::vector<BufferRequest> live = {{100, 0, 9}, {200, 1, 9}, {300, 2, 9}};
  MemoryPlan plan = planMemory(live, 64);
  expectNoConflicts(live, plan, 64);
  EXPECT_EQ(plan.arenaSize, 128 + 256 + 320);
  EXPECT_EQ(plan.arenaSize, plan.totalSize);
}

TEST(MemoryPlannerTest, SmallBufferFillsAGap) {
  // A big buffer dies early; a small one made later fits in its place while
  // a medium one stays live.
  std::vector<BufferRequest> requests = {
      {4096, 0, 1}, {1024, 1, 5}, {512, 3, 4}};
  MemoryPlan plan = planMemory(requests, 64);
  expectNoConflicts(requests, plan, 64);
  EXPECT_EQ(plan.arenaSize, 4096 + 1024);
}

TEST(MemoryPlannerTest, RandomLifetimesNeverConflict) {
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>(state >> 33);
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<BufferRequest> requests;
    for (int i = 0; i < 40; ++i) {
      int64_t first = next() % 100;
      requests.push_back({next() % 10000, first, first + next() % 20});
    }
    MemoryPlan plan = planMemory(requests, 64);
    expectNoConflicts(requests, plan, 64);
    EXPECT_LE(plan.arenaSize, plan.totalSize);
  }
}

TEST(MemoryPlannerTest, Deterministic) {
  std::vector<BufferRequest> requests = {
      {640, 0, 2}, {640, 1, 3}, {640, 2, 4}, {640, 0, 4}};
  MemoryPlan a = planMemory(requests, 64), b = planMemory(requests, 64);
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.arenaSize, b.arenaSize);
}

} // namespace
