/* The context's thread pool and mica_kernel_parallel_for (kernel_abi.h).
 *
 * A context created with T > 1 threads owns T - 1 worker threads; the thread
 * that calls mica_context_run is the T-th, so a run never has more than T
 * threads busy (no oversubscription). Generated code hands a parallel loop
 * of `count` independent iterations to mica_kernel_parallel_for, which
 * splits them into T contiguous blocks: thread t runs block t from its
 * front in a few chunks, and a thread with nothing left takes chunks from
 * the back of the others' blocks (a thread another process delays holds up
 * the loop by one chunk, not by its block); the call returns when all
 * iterations are done.
 * Every loop splits the same way, so a thread keeps working on the part of
 * the data it produced in the previous loop (consecutive layers split the
 * same channels or rows): with chunks claimed in arrival order instead,
 * half the data crossed between the cores' caches at every layer and whole
 * models ran slower. Which thread runs an iteration never changes its
 * result (iterations write disjoint outputs and each output's reduction
 * stays inside one iteration), so results do not depend on T.
 * (measurements: docs/cpu-kernels.md, "Measurements behind the choices")
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
 * either its own loop's slot or fails to claim anything (the generation in
 * each block's state tells). Relaxed atomics: the generation orders them.
 * Blocks count in units of `unit` iterations, so that a unit index fits in
 * kIndexBits. */
struct Job {
  std::atomic<mica_kernel_task_fn> fn;
  std::atomic<const mica_kernel_ctx *> ctx;
  std::atomic<int64_t> count, unit;
};

struct WorkerArgs {
  mica_thread_pool *pool;
  uint32_t self;
};

/* One block of the current loop, on a cache line of its own: the loop's
 * generation (low kGenerationBits) and the units not yet taken, [front,
 * back): the owner takes from the front, the others from the back. */
struct alignas(64) Block {
  std::atomic<uint64_t> state{0};
};

struct mica_thread_pool {
  uint32_t threads; /* including the caller */
  pthread_t *workers;
  WorkerArgs *args; /* per worker: the pool and its thread index */
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  uint64_t started; /* loops started (the caller's own counter) */
  Job jobs[2];
  Block *blocks;                    /* one per thread */
  std::atomic<uint64_t> generation; /* the current loop; workers wait for it */
  std::atomic<int64_t> done;        /* iterations finished in this loop */
  std::atomic<uint32_t> sleepers;
  std::atomic<bool> stop;
};

namespace {

constexpr int kGenerationBits = 20;
constexpr int kIndexBits = 22;
constexpr uint64_t kGenerationMask = (uint64_t(1) << kGenerationBits) - 1;
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
/* Chunks per block: how finely a late thread's block can be taken over. */
constexpr uint64_t kChunks = 4;

uint64_t packState(uint64_t generation, uint64_t front, uint64_t back) {
  return (generation & kGenerationMask) | (front << kGenerationBits) |
         (back << (kGenerationBits + kIndexBits));
}

/* Takes a chunk of block `b` of loop `generation` (from the front for its
 * owner, else from the back) into [first, last) units; false when the block
 * is empty or belongs to another loop. */
bool take(mica_thread_pool *pool, uint32_t b, uint64_t generation, bool owner,
          uint64_t chunk, uint64_t &first, uint64_t &last) {
  std::atomic<uint64_t> &state = pool->blocks[b].state;
  uint64_t seen = state.load(std::memory_order_acquire);
  for (;;) {
    if ((seen & kGenerationMask) != (generation & kGenerationMask))
      return false;
    uint64_t front = (seen >> kGenerationBits) & kIndexMask;
    uint64_t back = seen >> (kGenerationBits + kIndexBits);
    if (front >= back)
      return false;
    uint64_t n = back - front < chunk ? back - front : chunk;
    first = owner ? front : back - n;
    last = first + n;
    uint64_t next = owner ? packState(generation, last, back)
                          : packState(generation, front, first);
    if (state.compare_exchange_weak(seen, next, std::memory_order_acq_rel))
      return true;
  }
}

/* Runs what thread `self` can take of loop `generation`: its own block
 * first, then chunks of the others'. */
void work(mica_thread_pool *pool, uint64_t generation, uint32_t self) {
  const Job &job = pool->jobs[generation & 1];
  const uint32_t threads = pool->threads;
  for (uint32_t i = 0; i < threads; ++i) {
    const uint32_t b = (self + i) % threads;
    for (;;) {
      // Fields first, then the take: a successful take means the loop was
      // not over (not all its iterations were done), so the slot still held
      // this loop's fields when they were read.
      const int64_t count = job.count.load(std::memory_order_acquire);
      const int64_t unit = job.unit.load(std::memory_order_relaxed);
      mica_kernel_task_fn fn = job.fn.load(std::memory_order_relaxed);
      const mica_kernel_ctx *ctx = job.ctx.load(std::memory_order_relaxed);
      const uint64_t units = (uint64_t)((count + unit - 1) / unit);
      const uint64_t per = (units + threads - 1) / threads;
      const uint64_t chunk = per / kChunks > 0 ? per / kChunks : 1;
      uint64_t first, last;
      if (!take(pool, b, generation, i == 0, chunk, first, last))
        break;
      const int64_t begin = (int64_t)first * unit;
      const int64_t end =
          (int64_t)last * unit < count ? (int64_t)last * unit : count;
      fn(ctx, begin, end);
      pool->done.fetch_add(end - begin, std::memory_order_release);
    }
  }
}

void *workerMain(void *arg) {
  auto *pool = static_cast<WorkerArgs *>(arg)->pool;
  const uint32_t self = static_cast<WorkerArgs *>(arg)->self;
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
    work(pool, seen, self);
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
  pool->args =
      static_cast<WorkerArgs *>(calloc(threads - 1, sizeof(WorkerArgs)));
  void *blocks = nullptr;
  if (posix_memalign(&blocks, alignof(Block), threads * sizeof(Block)) == 0)
    pool->blocks = new (blocks) Block[threads];
  if (!pool->workers || !pool->args || !pool->blocks ||
      pthread_mutex_init(&pool->mutex, nullptr) != 0) {
    free(pool->workers);
    free(pool->args);
    free(pool->blocks);
    pool->~mica_thread_pool();
    free(memory);
    return nullptr;
  }
  pthread_cond_init(&pool->wake, nullptr);
  pool->threads = 1;
  for (uint32_t i = 0; i + 1 < threads; ++i) {
    pool->args[i] = {pool, i + 1}; // the caller is thread 0
    if (pthread_create(&pool->workers[i], nullptr, workerMain,
                       &pool->args[i]) != 0)
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
  free(pool->args);
  free(pool->blocks); // Block is trivially destructible
  pool->~mica_thread_pool();
  free(pool);
}

void mica_kernel_parallel_for(const mica_kernel_ctx *ctx,
                              mica_kernel_task_fn fn, int64_t count) {
  if (count <= 0)
    return;
  const auto *state = static_cast<const mica_hook_state *>(ctx->hook_state);
  mica_thread_pool *pool = state ? state->pool : nullptr;
  if (!pool || pool->threads < 2 || count == 1) {
    fn(ctx, 0, count);
    return;
  }
  const uint64_t generation = ++pool->started;
  Job &job = pool->jobs[generation & 1];
  job.fn.store(fn, std::memory_order_relaxed);
  job.ctx.store(ctx, std::memory_order_relaxed);
  job.count.store(count, std::memory_order_relaxed);
  const int64_t unit = count / (int64_t)kIndexMask + 1;
  job.unit.store(unit, std::memory_order_relaxed);
  const uint64_t units = (uint64_t)((count + unit - 1) / unit);
  const uint32_t threads = pool->threads;
  for (uint32_t b = 0; b < threads; ++b)
    pool->blocks[b].state.store(
        packState(generation, units * b / threads, units * (b + 1) / threads),
        std::memory_order_relaxed);
  pool->done.store(0, std::memory_order_relaxed);
  pool->generation.store(generation, std::memory_order_seq_cst);
  if (pool->sleepers.load(std::memory_order_seq_cst) != 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
  work(pool, generation, 0);
  while (pool->done.load(std::memory_order_acquire) < count)
    cpuRelax();
}

} // extern "C"
