//===- ThreadPoolTest.cpp - mica_kernel_parallel_for on a context's pool --===//
//
// runtime/model/thread_pool.cpp: every iteration of a loop runs exactly
// once, in chunks that never cross the T contiguous blocks (thread t's
// block t, taken over chunk by chunk by others when it is late), over
// thousands of back-to-back loops of changing sizes (the two job slots and
// the generation in each block's state), and with more threads than cores.
//
//===----------------------------------------------------------------------===//
#include "runtime/model/model_internal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace {

struct Record {
  std::vector<std::atomic<int>> hits;
  std::mutex mutex;
  std::set<std::pair<int64_t, int64_t>> ranges;
  explicit Record(size_t n) : hits(n) {}
};

// The kernel's context carries the hook state (and with it the pool); the
// record rides in the arena pointer, which the pool never reads.
void countTask(const mica_kernel_ctx *ctx, int64_t begin, int64_t end) {
  auto *record = static_cast<Record *>(ctx->arena);
  for (int64_t i = begin; i < end; ++i)
    record->hits[i].fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(record->mutex);
  record->ranges.insert({begin, end});
}

struct PoolDeleter {
  void operator()(mica_thread_pool *pool) const { mica_thread_pool_free(pool); }
};

TEST(ThreadPoolTest, EveryIterationOnceInsideItsBlock) {
  for (uint32_t threads : {2u, 3u, 5u}) {
    std::unique_ptr<mica_thread_pool, PoolDeleter> pool(
        mica_thread_pool_create(threads));
    ASSERT_NE(pool, nullptr);
    mica_hook_state state{};
    state.pool = pool.get();
    for (int round = 0; round < 400; ++round) {
      const int64_t count = 2 + (round * 37) % 97; // 2 .. 98, never sorted
      Record record(count);
      mica_kernel_ctx ctx{};
      ctx.arena = &record;
      ctx.hook_state = &state;
      mica_kernel_parallel_for(&ctx, countTask, count);
      for (int64_t i = 0; i < count; ++i)
        ASSERT_EQ(record.hits[i].load(), 1)
            << "iteration " << i << " of " << count << ", " << threads
            << " threads, round " << round;
      // Every chunk lies inside one block [count * b / T, count * (b + 1) /
      // T): a thread's iterations stay contiguous, whoever runs them.
      for (auto [begin, end] : record.ranges) {
        int64_t b = begin * threads / count;
        while (count * (b + 1) / threads <= begin)
          ++b;
        EXPECT_LE(end, count * (b + 1) / threads)
            << "chunk [" << begin << ", " << end << ") of " << count
            << " crosses a block boundary, " << threads << " threads";
      }
    }
  }
}

// More iterations than a block's state can index (2^22): blocks count in
// units of several iterations; the chunks still tile [0, count) exactly.
TEST(ThreadPoolTest, HugeCountTilesExactly) {
  std::unique_ptr<mica_thread_pool, PoolDeleter> pool(
      mica_thread_pool_create(3));
  ASSERT_NE(pool, nullptr);
  mica_hook_state state{};
  state.pool = pool.get();
  for (int64_t count : {(int64_t(1) << 22) + 5, int64_t(3) << 23}) {
    Record record(0);
    mica_kernel_ctx ctx{};
    ctx.arena = &record;
    ctx.hook_state = &state;
    mica_kernel_parallel_for(
        &ctx,
        [](const mica_kernel_ctx *c, int64_t begin, int64_t end) {
          auto *r = static_cast<Record *>(c->arena);
          std::lock_guard<std::mutex> lock(r->mutex);
          r->ranges.insert({begin, end});
        },
        count);
    int64_t next = 0;
    for (auto [begin, end] : record.ranges) {
      ASSERT_EQ(begin, next);
      ASSERT_GT(end, begin);
      next = end;
    }
    EXPECT_EQ(next, count);
  }
}

TEST(ThreadPoolTest, WithoutPoolRunsInline) {
  Record record(10);
  mica_kernel_ctx ctx{};
  ctx.arena = &record;
  mica_kernel_parallel_for(&ctx, countTask, 10);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(record.hits[i].load(), 1);
  EXPECT_EQ(record.ranges.size(), 1u);
  EXPECT_EQ(mica_thread_pool_create(1), nullptr);
}

} // namespace
