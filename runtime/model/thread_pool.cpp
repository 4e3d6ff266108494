/* The context's thread pool and mica_kernel_parallel_for (kernel_abi.h).
 *
 * A context created with T > 1 threads owns T - 1 worker threads; the thread
 * that calls mica_context_run is the T-th, so a run never has more than T
 * threads busy (no oversubscription). Generated code hands a parallel loop
 * of `count` independent iterations to mica_kernel_parallel_for; every
 * thread takes chunks of iterations from one atomic counter until none are
 * left, and the call returns when all chunks are done. Which thread runs an
 * iteration never changes its result (iterations write disjoint outputs and
 * each output's reduction stays inside one iteration), so results do not
 * depend on T.
 *
 * Between loops workers spin for a short while (loops of one run follow each
 * other within microseconds), then sleep on a condition variable until the
 * next loop or mica_context_free. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <new>

#include "runtime/model/model_internal.h"

namespace {

/* Spin iterations (each a pause instruction) before a worker sleeps:
 * roughly 50-100 microseconds. */
constexpr int kSpinLimit = 4096;

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

} // namespace

/* The loop being run. Two slots, so that a worker that wakes up late reads
 * either its own loop's slot or fails to claim anything (the ticket's
 * generation tells). Relaxed atomics: the ticket orders them. */
struct Job {
  std::atomic<mica_kernel_task_fn> fn;
  std::atomic<const mica_kernel_ctx *> ctx;
  std::atomic<int64_t> count, grain;
};

struct mica_thread_pool {
  uint32_t threads; /* including the caller */
  pthread_t *workers;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  uint64_t started; /* loops started (the caller's own counter) */
  Job jobs[2];
  /* (generation << kIndexBits) | next unclaimed iteration. */
  std::atomic<uint64_t> ticket;
  std::atomic<uint64_t> generation; /* what sleeping workers wait for */
  std::atomic<int64_t> done;        /* iterations finished in this loop */
  std::atomic<uint32_t> sleepers;
  std::atomic<bool> stop;
};

namespace {

constexpr int kIndexBits = 40;
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
constexpr uint64_t kGenerationMask = (uint64_t(1) << (64 - kIndexBits)) - 1;

/* Claims chunks of loop `generation` and runs them until none are left (or
 * the loop is over: a newer generation in the ticket). */
void work(mica_thread_pool *pool, uint64_t generation) {
  const Job &job = pool->jobs[generation & 1];
  for (;;) {
    uint64_t ticket = pool->ticket.load(std::memory_order_acquire);
    if ((ticket >> kIndexBits) != (generation & kGenerationMask))
      return;
    const int64_t count = job.count.load(std::memory_order_relaxed);
    const int64_t grain = job.grain.load(std::memory_order_relaxed);
    const int64_t begin = (int64_t)(ticket & kIndexMask);
    if (begin >= count)
      return;
    const int64_t end = begin + grain < count ? begin + grain : count;
    const uint64_t claimed = (ticket & ~kIndexMask) | (uint64_t)end;
    if (!pool->ticket.compare_exchange_weak(ticket, claimed,
                                            std::memory_order_acq_rel))
      continue;
    // The claim succeeded while the ticket still named this loop, so the
    // slot held this loop's fields when they were read above.
    job.fn.load(std::memory_order_relaxed)(
        job.ctx.load(std::memory_order_relaxed), begin, end);
    pool->done.fetch_add(end - begin, std::memory_order_release);
  }
}

void *workerMain(void *arg) {
  auto *pool = static_cast<mica_thread_pool *>(arg);
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    while (pool->generation.load(std::memory_order_acquire) == seen &&
           !pool->stop.load(std::memory_order_acquire) && spins < kSpinLimit) {
      cpuRelax();
      ++spins;
    }
    if (pool->generation.load(std::memory_order_acquire) == seen &&
        !pool->stop.load(std::memory_order_acquire)) {
      pthread_mutex_lock(&pool->mutex);
      pool->sleepers.fetch_add(1, std::memory_order_seq_cst);
      while (pool->generation.load(std::memory_order_seq_cst) == seen &&
             !pool->stop.load(std::memory_order_seq_cst))
        pthread_cond_wait(&pool->wake, &pool->mutex);
      pool->sleepers.fetch_sub(1, std::memory_order_seq_cst);
      pthread_mutex_unlock(&pool->mutex);
    }
    if (pool->stop.load(std::memory_order_acquire))
      return nullptr;
    seen = pool->generation.load(std::memory_order_acquire);
    work(pool, seen);
  }
}

} // namespace

extern "C" {

mica_thread_pool *mica_thread_pool_create(uint32_t threads) {
  if (threads < 2)
    return nullptr;
  void *memory = nullptr;
  if (posix_memalign(&memory, 64, sizeof(mica_thread_pool)) != 0)
    return nullptr;
  auto *pool = new (memory) mica_thread_pool();
  pool->workers =
      static_cast<pthread_t *>(calloc(threads - 1, sizeof(pthread_t)));
  if (!pool->workers || pthread_mutex_init(&pool->mutex, nullptr) != 0) {
    free(pool->workers);
    pool->~mica_thread_pool();
    free(memory);
    return nullptr;
  }
  pthread_cond_init(&pool->wake, nullptr);
  pool->threads = 1;
  for (uint32_t i = 0; i + 1 < threads; ++i) {
    if (pthread_create(&pool->workers[i], nullptr, workerMain, pool) != 0)
      break;
    ++pool->threads;
  }
  return pool;
}

void mica_thread_pool_free(mica_thread_pool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->mutex);
  pool->stop.store(true, std::memory_order_seq_cst);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (uint32_t i = 0; i + 1 < pool->threads; ++i)
    pthread_join(pool->workers[i], nullptr);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->mutex);
  free(pool->workers);
  pool->~mica_thread_pool();
  free(pool);
}

void mica_kernel_parallel_for(const mica_kernel_ctx *ctx,
                              mica_kernel_task_fn fn, int64_t count) {
  if (count <= 0)
    return;
  const auto *state = static_cast<const mica_hook_state *>(ctx->hook_state);
  mica_thread_pool *pool = state ? state->pool : nullptr;
  if (!pool || pool->threads < 2 || count == 1 ||
      (uint64_t)count > kIndexMask) {
    fn(ctx, 0, count);
    return;
  }
  const uint64_t generation = ++pool->started & kGenerationMask;
  Job &job = pool->jobs[generation & 1];
  job.fn.store(fn, std::memory_order_relaxed);
  job.ctx.store(ctx, std::memory_order_relaxed);
  job.count.store(count, std::memory_order_relaxed);
  // Some eight chunks per thread: a thread another process delays holds
  // up the loop by one small chunk at most, and a worker that wakes too late
  // takes nothing (the caller claims every chunk it finds).
  int64_t grain = count / (8 * (int64_t)pool->threads);
  job.grain.store(grain > 0 ? grain : 1, std::memory_order_relaxed);
  pool->done.store(0, std::memory_order_relaxed);
  pool->ticket.store(generation << kIndexBits, std::memory_order_release);
  pool->generation.store(generation, std::memory_order_seq_cst);
  if (pool->sleepers.load(std::memory_order_seq_cst) != 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
  work(pool, generation);
  while (pool->done.load(std::memory_order_acquire) < count)
    cpuRelax();
}

} // extern "C"
