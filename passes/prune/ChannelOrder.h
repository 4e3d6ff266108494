//===- ChannelOrder.h - Scoring channel groups, gathering constants -*- C++
//-*-===//
//
// The pieces that channel pruning (PruneChannels.cpp: remove the lowest
// channels of each group) and sortable width (SortChannels.cpp: put the
// highest first) share, so that a width w of a sorted model keeps exactly
// the channels that pruning 1 - w keeps.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_PRUNE_CHANNELORDER_H
#define MICA_PASSES_PRUNE_CHANNELORDER_H

#include "passes/prune/ChannelGroups.h"
#include "passes/prune/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"

namespace mica {

/// A vector constant read by several layers (CSE merges equal biases and
/// norm parameters, e.g. zeros) would tie their channels together: each
/// reader gets its own copy (CSE merges what stays equal afterwards).
/// Shared matrices stay shared: their layers must keep the same channels.
void splitSharedVectors(mlir::func::FuncOp func);

/// The score of every channel component (by union-find root): the mean
/// |w| (`l1`) or w^2 (`l2`) of the producers' rows, or with `data` (and
/// `activity`) what the channel adds to the layers that read it.
llvm::DenseMap<int64_t, double> scoreChannels(const ChannelGraph &graph,
                                              llvm::StringRef score,
                                              const ChannelActivity &activity);

/// The channel indices of `group`, lowest score first (ties in channel
/// order).
llvm::SmallVector<int64_t>
ascendingOrder(const ChannelGroup &group,
               const llvm::DenseMap<int64_t, double> &score);

/// `attr` re-indexed: element [i0, i1, ...] of the result is element
/// [from[0][i0], from[1][i1], ...] of `attr` (an empty list: the same
/// index), with the result's shape `type`. Slices (fewer indices) and
/// permutations alike.
mlir::DenseElementsAttr
gatherElements(mlir::DenseElementsAttr attr,
               llvm::ArrayRef<llvm::SmallVector<int64_t>> from,
               mlir::RankedTensorType type);

} // namespace mica

#endif // MICA_PASSES_PRUNE_CHANNELORDER_H
