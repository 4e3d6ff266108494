//===- MemoryPlanner.cpp - Static arena planning --------------------------===//
#include "targets/cpu/kernel/MemoryPlanner.h"

#include <algorithm>
#include <numeric>

using namespace mica::kernel;

MemoryPlan mica::kernel::planMemory(llvm::ArrayRef<BufferRequest> requests,
                                    int64_t alignment) {
  auto alignUp = [&](int64_t x) {
    return (x + alignment - 1) / alignment * alignment;
  };
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].size > requests[b].size;
  });
  std::vector<size_t> placed;
  for (size_t index : order) {
    const BufferRequest &request = requests[index];
    int64_t size = alignUp(std::max<int64_t>(request.size, 1));
    plan.totalSize += size;
    // Buffers live at the same time, by offset.
    std::vector<size_t> conflicts;
    for (size_t other : placed)
      if (requests[other].first <= request.last &&
          request.first <= requests[other].last)
        conflicts.push_back(other);
    std::sort(conflicts.begin(), conflicts.end(), [&](size_t a, size_t b) {
      return plan.offsets[a] < plan.offsets[b];
    });
    int64_t offset = 0;
    for (size_t other : conflicts) {
      int64_t otherSize = alignUp(std::max<int64_t>(requests[other].size, 1));
      if (plan.offsets[other] >= offset + size)
        break; // the gap before `other` fits
      offset = std::max(offset, plan.offsets[other] + otherSize);
    }
    plan.offsets[index] = offset;
    plan.arenaSize = std::max(plan.arenaSize, offset + size);
    placed.push_back(index);
  }
  return plan;
}
