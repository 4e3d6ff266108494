//===- PlanBlocks.h - Which weights stay resident, which stream -*- C++ -*-===//
//
// The cost model of --memory-budget (docs/plans/memory-budget.md, section
// 3), a pure function of byte counts so that it is tested on its own
// (test/passes/partition/PlanBlocksTest.cpp). A streamed run peaks at
// R + 2S + A + O: the resident weights R, two buffers of the largest block
// S (one computing, one loading), the arena A and the outputs O.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_PARTITION_PLANBLOCKS_H
#define MICA_PASSES_PARTITION_PLANBLOCKS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace mica::partition {

/// The buffers a streaming runtime fills in turn.
constexpr int64_t kStreamBuffers = 2;

/// Where each unit's weights live.
struct BlockPlan {
  /// Everything fits: no partition (W + A + O <= B).
  bool fitsResident = false;
  /// Per unit: -1 resident, else the index of its streamed block.
  llvm::SmallVector<int64_t> block;
  /// Bytes of each streamed block (the sum of its units' bytes).
  llvm::SmallVector<int64_t> blockBytes;
  /// The buffer size S (at least the largest block) and the resident
  /// bytes R, both as sums of unit bytes (an upper bound where units
  /// share constants).
  int64_t bufferBytes = 0;
  int64_t residentBytes = 0;
};

/// Why no plan meets the budget: the least budget that has one, and the
/// unit whose bytes set the buffer size at that budget (the largest unit
/// not forced resident), with the units larger than it that the minimum
/// keeps resident.
struct BudgetShortfall {
  int64_t minimumBudget = 0;
  int64_t unit = -1;
  int64_t bufferBytes = 0;
  int64_t forcedResidentBytes = 0;
};

/// Plans for units of `unitBytes` weights (in run order) with an arena of
/// `arena` bytes and outputs of `outputs` bytes under `budget`: for each
/// distinct unit size as S with A + O + 2S <= B, the units larger than S
/// stay resident (forced), then the longest prefix of the others that fits
/// B - A - O - 2S - forced; the rest stream, packed greedily in run order
/// into blocks of at most S (a resident unit ends a block). The plan with
/// the most resident bytes wins (least I/O per run), then the smaller S.
/// Fails with the shortfall when no S works.
std::optional<BlockPlan> planBlocks(llvm::ArrayRef<int64_t> unitBytes,
                                    int64_t arena, int64_t outputs,
                                    int64_t budget,
                                    BudgetShortfall *shortfall = nullptr);

} // namespace mica::partition

#endif // MICA_PASSES_PARTITION_PLANBLOCKS_H
