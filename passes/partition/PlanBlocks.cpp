//===- PlanBlocks.cpp - Which weights stay resident, which stream ---------===//
#include "passes/partition/PlanBlocks.h"

#include "llvm/ADT/STLExtras.h"

#include <limits>
#include <numeric>

using namespace mica::partition;

namespace {

/// The plan with a buffer of `buffer` bytes, or nothing if the units it
/// must keep resident do not fit.
std::optional<BlockPlan> planWithBuffer(llvm::ArrayRef<int64_t> unitBytes,
                                        int64_t room, int64_t buffer) {
  BlockPlan plan;
  plan.block.assign(unitBytes.size(), -1);
  // Units larger than a buffer cannot stream.
  int64_t forced = 0;
  for (int64_t bytes : unitBytes)
    if (bytes > buffer)
      forced += bytes;
  if (forced > room)
    return std::nullopt;
  // Then the longest prefix of the others that fits: the first blocks are
  // the ones a run would wait for before any compute could hide a load.
  int64_t left = room - forced;
  size_t next = 0;
  for (; next < unitBytes.size(); ++next) {
    int64_t bytes = unitBytes[next];
    if (bytes > buffer)
      continue;
    if (bytes > left)
      break;
    left -= bytes;
  }
  plan.residentBytes = room - left;
  plan.bufferBytes = 0;
  // The rest streams, in blocks of consecutive units.
  int64_t open = -1;
  for (size_t u = next; u < unitBytes.size(); ++u) {
    int64_t bytes = unitBytes[u];
    if (bytes > buffer) {
      open = -1;
      continue;
    }
    if (open < 0 || plan.blockBytes[open] + bytes > buffer) {
      open = plan.blockBytes.size();
      plan.blockBytes.push_back(0);
    }
    plan.block[u] = open;
    plan.blockBytes[open] += bytes;
    plan.bufferBytes = std::max(plan.bufferBytes, plan.blockBytes[open]);
  }
  return plan;
}

} // namespace

std::optional<BlockPlan>
mica::partition::planBlocks(llvm::ArrayRef<int64_t> unitBytes, int64_t arena,
                            int64_t outputs, int64_t budget,
                            BudgetShortfall *shortfall) {
  int64_t total = std::accumulate(unitBytes.begin(), unitBytes.end(),
                                  static_cast<int64_t>(0));
  if (total + arena + outputs <= budget) {
    BlockPlan plan;
    plan.fitsResident = true;
    plan.block.assign(unitBytes.size(), -1);
    plan.residentBytes = total;
    return plan;
  }
  llvm::SmallVector<int64_t> sizes(unitBytes.begin(), unitBytes.end());
  llvm::sort(sizes);
  sizes.erase(llvm::unique(sizes), sizes.end());
  std::optional<BlockPlan> best;
  BudgetShortfall least;
  least.minimumBudget = std::numeric_limits<int64_t>::max();
  for (int64_t buffer : sizes) {
    if (buffer == 0)
      continue;
    // The least budget with this buffer: every larger unit resident.
    int64_t forced = 0;
    for (int64_t bytes : unitBytes)
      if (bytes > buffer)
        forced += bytes;
    int64_t needed = arena + outputs + kStreamBuffers * buffer + forced;
    if (needed < least.minimumBudget) {
      least.minimumBudget = needed;
      least.bufferBytes = buffer;
      least.forcedResidentBytes = forced;
      least.unit = llvm::find(unitBytes, buffer) - unitBytes.begin();
    }
    int64_t room = budget - arena - outputs - kStreamBuffers * buffer;
    if (room < 0)
      continue;
    std::optional<BlockPlan> plan = planWithBuffer(unitBytes, room, buffer);
    // Ascending S: a later plan wins only with strictly more resident.
    if (plan && (!best || plan->residentBytes > best->residentBytes))
      best = std::move(plan);
  }
  // No weights at all: the arena and the outputs alone are over.
  if (least.unit < 0)
    least.minimumBudget = total + arena + outputs;
  if (!best && shortfall)
    *shortfall = least;
  return best;
}
