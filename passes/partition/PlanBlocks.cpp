//===- PlanBlocks.cpp - Which weights stay resident, which stream ---------===//
#include "passes/partition/PlanBlocks.h"

#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mica::partition;

void mica::partition::mergeRanges(llvm::SmallVectorImpl<ByteRange> &ranges) {
  llvm::sort(ranges, [](const ByteRange &a, const ByteRange &b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
  });
  llvm::SmallVector<ByteRange> merged;
  for (const ByteRange &range : ranges) {
    if (range.end <= range.begin)
      continue;
    if (!merged.empty() && range.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, range.end);
    else
      merged.push_back(range);
  }
  ranges.assign(merged.begin(), merged.end());
}

int64_t mica::partition::coveredBytes(llvm::ArrayRef<ByteRange> ranges) {
  llvm::SmallVector<ByteRange> merged(ranges.begin(), ranges.end());
  mergeRanges(merged);
  int64_t bytes = 0;
  for (const ByteRange &range : merged)
    bytes += range.end - range.begin;
  return bytes;
}

bool mica::partition::rangesOverlap(llvm::ArrayRef<ByteRange> a,
                                    llvm::ArrayRef<ByteRange> b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].begin < b[j].end && b[j].begin < a[i].end)
      return true;
    if (a[i].end <= b[j].end)
      ++i;
    else
      ++j;
  }
  return false;
}

namespace {

/// A union of byte ranges: sorted, disjoint, not touching.
class RangeSet {
public:
  int64_t bytes() const { return total; }

  /// The bytes of `ranges` (merged) not in the set.
  int64_t extra(llvm::ArrayRef<ByteRange> ranges) const {
    int64_t bytes = 0;
    for (const ByteRange &range : ranges) {
      bytes += range.end - range.begin;
      // The first range of the set ending after range.begin.
      auto it = llvm::upper_bound(
          set, range.begin,
          [](int64_t at, const ByteRange &r) { return at < r.end; });
      for (; it != set.end() && it->begin < range.end; ++it)
        bytes -=
            std::min(it->end, range.end) - std::max(it->begin, range.begin);
    }
    return bytes;
  }

  void add(llvm::ArrayRef<ByteRange> ranges) {
    if (ranges.empty())
      return;
    set.append(ranges.begin(), ranges.end());
    mergeRanges(set);
    total = 0;
    for (const ByteRange &range : set)
      total += range.end - range.begin;
  }

private:
  llvm::SmallVector<ByteRange> set;
  int64_t total = 0;
};

using Units = llvm::ArrayRef<llvm::SmallVector<ByteRange>>;

/// The bytes the units larger than `buffer` cover: those cannot stream.
int64_t forcedBytes(Units units, llvm::ArrayRef<int64_t> unitBytes,
                    int64_t buffer, RangeSet *into = nullptr) {
  RangeSet local;
  RangeSet &forced = into ? *into : local;
  for (auto [ranges, bytes] : llvm::zip(units, unitBytes))
    if (bytes > buffer)
      forced.add(ranges);
  return forced.bytes();
}

/// The plan with a buffer of `buffer` bytes and `room` bytes for resident
/// weights, or nothing if the units it must keep resident do not fit.
std::optional<BlockPlan> planWithBuffer(Units units,
                                        llvm::ArrayRef<int64_t> unitBytes,
                                        int64_t room, int64_t buffer) {
  BlockPlan plan;
  plan.block.assign(units.size(), 0);
  llvm::SmallVector<bool> resident(units.size(), false);
  RangeSet residentSet;
  if (forcedBytes(units, unitBytes, buffer, &residentSet) > room)
    return std::nullopt;
  for (auto [u, bytes] : llvm::enumerate(unitBytes))
    resident[u] = bytes > buffer;
  // Then the longest prefix of the others that fits: the first blocks are
  // the ones a run would wait for before any compute could hide a load.
  for (size_t u = 0; u < units.size(); ++u) {
    if (resident[u])
      continue;
    if (residentSet.bytes() + residentSet.extra(units[u]) > room)
      break;
    residentSet.add(units[u]);
    resident[u] = true;
  }
  // Units whose weights are all resident already cost nothing more.
  for (size_t u = 0; u < units.size(); ++u)
    if (!resident[u] && unitBytes[u] > 0 && residentSet.extra(units[u]) == 0)
      resident[u] = true;
  plan.residentBytes = residentSet.bytes();
  // The rest streams, in blocks of consecutive units.
  int64_t open = -1;
  RangeSet block;
  for (size_t u = 0; u < units.size(); ++u) {
    if (resident[u]) {
      plan.block[u] = -1;
      open = -1;
      continue;
    }
    if (open < 0 || block.bytes() + block.extra(units[u]) > buffer) {
      open = plan.blockBytes.size();
      plan.blockBytes.push_back(0);
      block = RangeSet();
    }
    block.add(units[u]);
    plan.block[u] = open;
    plan.blockBytes[open] = block.bytes();
    plan.bufferBytes = std::max(plan.bufferBytes, block.bytes());
  }
  return plan;
}

} // namespace

std::optional<BlockPlan>
mica::partition::planBlocks(Units unitRanges, int64_t arena, int64_t cutArena,
                            int64_t outputs, int64_t budget,
                            BudgetShortfall *shortfall) {
  llvm::SmallVector<llvm::SmallVector<ByteRange>> units(unitRanges.begin(),
                                                        unitRanges.end());
  llvm::SmallVector<int64_t> unitBytes;
  RangeSet all;
  for (llvm::SmallVector<ByteRange> &ranges : units) {
    mergeRanges(ranges);
    unitBytes.push_back(coveredBytes(ranges));
    all.add(ranges);
  }
  int64_t weights = all.bytes();
  if (weights + arena + outputs <= budget) {
    BlockPlan plan;
    plan.fitsResident = true;
    plan.block.assign(units.size(), -1);
    plan.residentBytes = weights;
    return plan;
  }
  llvm::SmallVector<int64_t> sizes(unitBytes.begin(), unitBytes.end());
  llvm::sort(sizes);
  sizes.erase(llvm::unique(sizes), sizes.end());
  std::optional<BlockPlan> best;
  // Keeping everything resident is a plan too, if nothing streams for less.
  BudgetShortfall least;
  least.minimumBudget = weights + arena + outputs;
  least.weightBytes = weights;
  for (int64_t buffer : sizes) {
    if (buffer == 0)
      continue;
    // The least budget with this buffer: every larger unit resident.
    int64_t forced = forcedBytes(units, unitBytes, buffer);
    int64_t needed = cutArena + outputs + kStreamBuffers * buffer + forced;
    if (needed < least.minimumBudget) {
      least.minimumBudget = needed;
      least.bufferBytes = buffer;
      least.forcedResidentBytes = forced;
      least.unit = llvm::find(unitBytes, buffer) - unitBytes.begin();
    }
    int64_t room = budget - cutArena - outputs - kStreamBuffers * buffer;
    if (room < 0)
      continue;
    std::optional<BlockPlan> plan =
        planWithBuffer(units, unitBytes, room, buffer);
    // Ascending S: a later plan wins only with strictly more resident.
    if (plan && (!best || plan->residentBytes > best->residentBytes))
      best = std::move(plan);
  }
  if (!best && shortfall)
    *shortfall = least;
  return best;
}

std::optional<BlockPlan>
mica::partition::planBlocks(llvm::ArrayRef<int64_t> unitBytes, int64_t arena,
                            int64_t outputs, int64_t budget,
                            BudgetShortfall *shortfall) {
  llvm::SmallVector<llvm::SmallVector<ByteRange>> units;
  int64_t at = 0;
  for (int64_t bytes : unitBytes) {
    units.push_back({ByteRange{at, at + bytes}});
    at += bytes;
  }
  return planBlocks(units, arena, arena, outputs, budget, shortfall);
}
