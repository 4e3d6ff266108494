//===- MemoryPlanner.h - Static arena planning ------------------*- C++ -*-===//
//
// Assigns every intermediate buffer an offset in one arena such that buffers
// whose lifetimes overlap never share bytes. Greedy by decreasing size, each
// buffer at the lowest aligned offset that fits among the already placed
// buffers live at the same time (the classic offset-assignment heuristic of
// TFLite's arena planner; within a few percent of the lower bound on CNNs).
// Deterministic: ties are broken by the request order.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_KERNEL_MEMORYPLANNER_H
#define MICA_TARGETS_CPU_KERNEL_MEMORYPLANNER_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace mica::kernel {

struct BufferRequest {
  int64_t size = 0;  // bytes
  int64_t first = 0; // first program point where the buffer is live
  int64_t last = 0;  // last program point where it is live (inclusive)
};

struct MemoryPlan {
  std::vector<int64_t> offsets; // per request
  int64_t arenaSize = 0;        // bytes the arena needs
  int64_t totalSize = 0;        // sum of all (aligned) requests: no reuse
};

MemoryPlan planMemory(llvm::ArrayRef<BufferRequest> requests,
                      int64_t alignment);

} // namespace mica::kernel

#endif // MICA_TARGETS_CPU_KERNEL_MEMORYPLANNER_H
