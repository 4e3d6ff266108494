//===- PlanBlocks.h - Which weights stay resident, which stream -*- C++ -*-===//
//
// The cost model of --memory-budget (docs/plans/memory-budget.md, section
// 3), a pure function of byte ranges so that it is tested on its own
// (test/passes/partition/PlanBlocksTest.cpp). A streamed run peaks at
// R + 2S + A + O: the resident weights R, two buffers of the largest block
// S (one computing, one loading), the arena A and the outputs O. Units may
// read the same constants: every sum of weights here is the bytes their
// ranges cover together (a constant resident for one unit is resident for
// all; a block holds one copy of what its units share).
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

/// Bytes [begin, end) of a segment.
struct ByteRange {
  int64_t begin = 0;
  int64_t end = 0;
};

/// Sorts `ranges` and merges those that overlap or touch.
void mergeRanges(llvm::SmallVectorImpl<ByteRange> &ranges);

/// The bytes `ranges` cover (merged first).
int64_t coveredBytes(llvm::ArrayRef<ByteRange> ranges);

/// Whether two merged lists of ranges share a byte.
bool rangesOverlap(llvm::ArrayRef<ByteRange> a, llvm::ArrayRef<ByteRange> b);

/// Where each unit's weights live.
struct BlockPlan {
  /// Everything fits: no partition (W + A + O <= B).
  bool fitsResident = false;
  /// Per unit: -1 resident, else the index of its streamed block.
  llvm::SmallVector<int64_t> block;
  /// Bytes of each streamed block (what its units' ranges cover).
  llvm::SmallVector<int64_t> blockBytes;
  /// The largest block and the bytes the resident units' ranges cover.
  int64_t bufferBytes = 0;
  int64_t residentBytes = 0;
};

/// Why no plan meets the budget: the least budget that has one. With
/// `unit` >= 0 that is a streamed plan whose buffer size is set by `unit`
/// (the largest unit not forced resident), with the units larger than it
/// kept resident (`forcedResidentBytes`); with `unit` < 0 it is keeping
/// all `weightBytes` resident (no weights, or units too large to stream
/// for less).
struct BudgetShortfall {
  int64_t minimumBudget = 0;
  int64_t unit = -1;
  int64_t bufferBytes = 0;
  int64_t forcedResidentBytes = 0;
  int64_t weightBytes = 0;
};

/// Plans for units reading `unitRanges` of the constants (in run order)
/// with outputs of `outputs` bytes under `budget`. All resident when
/// W + arena + outputs <= budget (W: the bytes all units cover). Else,
/// with the arena of a cut build `cutArena` (>= arena: it also holds the
/// scalars passed between steps), for each distinct unit size as S with
/// cutArena + O + 2S <= B: the units larger than S stay resident
/// (forced), then the longest prefix of the others that fits
/// B - cutArena - O - 2S, then every unit whose ranges are already
/// resident; the rest stream, packed greedily in run order into blocks
/// covering at most S bytes (a resident unit ends a block). The plan with
/// the most resident bytes wins (least I/O per run), then the smaller S.
/// Fails with the shortfall when no S works.
std::optional<BlockPlan>
planBlocks(llvm::ArrayRef<llvm::SmallVector<ByteRange>> unitRanges,
           int64_t arena, int64_t cutArena, int64_t outputs, int64_t budget,
           BudgetShortfall *shortfall = nullptr);

/// planBlocks for units of `unitBytes` that share nothing (consecutive
/// ranges), with the same arena cut or not.
std::optional<BlockPlan> planBlocks(llvm::ArrayRef<int64_t> unitBytes,
                                    int64_t arena, int64_t outputs,
                                    int64_t budget,
                                    BudgetShortfall *shortfall = nullptr);

} // namespace mica::partition

#endif // MICA_PASSES_PARTITION_PLANBLOCKS_H
