//===- ChannelGroups.h - Channels that must be pruned together --*- C++ -*-===//
//
// Structured pruning removes a channel from every tensor and weight that
// carries it, or the model no longer type-checks (DepGraph, Fang et al.
// 2023). This analysis finds those ties on graph-dialect IR, channel by
// channel:
//
//  - a *source* creates channels: the output channels of a convolution, a
//    fully-connected layer or a product with a constant right operand (its
//    weight rows, its bias);
//  - channels travel through ops that keep them (activations, elementwise
//    arithmetic, batch norm, depthwise convolution, pooling, reductions and
//    norms over other axes, reshapes and transposes; Atom.h follows a channel
//    axis flattened with other dims), and end in the input channels of the
//    next contraction (its weight's columns);
//  - elementwise ops tie their operands' channels (a residual add makes one
//    set of channels of all its branches); concat and split/slice along the
//    channel axis map channels with offsets.
//
// Each tensor axis that carries channels is a ChannelSpace; channel c of a
// space is a node, and ties join nodes (union-find). A component of nodes is
// one removable channel: all of it goes, or none. Anything the analysis
// does not know (an op it cannot follow channels through, a model output, a
// channel axis split across dims) freezes the nodes that reach it.
// Components are gathered into groups, one per layer whose channels they
// are (the first space of the component: its producer), for scoring and for
// removing a fraction of each.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_PRUNE_CHANNELGROUPS_H
#define MICA_PASSES_PRUNE_CHANNELGROUPS_H

#include "dialects/graph/Analysis/Atom.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

namespace mica {

/// What a constant space is to the channels it carries.
enum class ChannelRole {
  Value,    // a computed tensor
  Producer, // weight rows or bias of a source (and of a depthwise conv)
  Consumer, // weight columns of the contraction the channels end in
  Other,    // a constant operand of a channel-keeping op (batch norm, add)
};

struct ChannelSpace {
  mlir::Value value;
  Atom atom;
  ChannelRole role = ChannelRole::Value;
  int64_t firstNode = 0;
  /// For a Consumer space: the space of the activation the weight reads,
  /// and the contraction reading it.
  int activation = -1;
  mlir::Operation *reader = nullptr;
};

/// One removable channel set per layer: its components, in channel order.
struct ChannelGroup {
  int space = 0;                    // the producer's output space
  llvm::SmallVector<int64_t> roots; // one union-find root per channel
};

class ChannelGraph {
public:
  explicit ChannelGraph(mlir::func::FuncOp func);

  llvm::ArrayRef<ChannelSpace> spaces() const { return spaceList; }
  /// The groups whose channels can all be removed (nothing frozen), in the
  /// order their producers appear.
  llvm::ArrayRef<ChannelGroup> groups() const { return groupList; }
  int64_t root(int64_t node) const;
  int64_t node(int space, int64_t channel) const {
    return spaceList[space].firstNode + channel;
  }
  /// The spaces on `value`.
  llvm::ArrayRef<int> spacesOf(mlir::Value value) const;

private:
  int getOrCreate(mlir::Value value, Atom atom, ChannelRole role);
  /// `coarser`: a space of whole heads over a per-channel one that the
  /// caller ties to it channel by channel (no conflict).
  int create(mlir::Value value, Atom atom, ChannelRole role,
             bool coarser = false);
  void tie(int a, int64_t offsetA, int b, int64_t offsetB, int64_t count);
  void tie(int a, int b) { tie(a, 0, b, 0, spaceList[a].atom.extent); }
  void freeze(int space, int64_t offset = 0, int64_t count = -1);
  /// The space for a constant or computed operand that must carry `atom`:
  /// a constant gets one with `role`; a computed value keeps its own, or
  /// gets a frozen one (its producer cannot drop channels).
  int operandSpace(mlir::Value value, Atom atom, ChannelRole role);
  /// Ties the weight columns `weight` at `atom` that read `activation`.
  void consume(mlir::Operation *reader, int activation, mlir::Value weight,
               Atom atom);
  void addSource(mlir::Operation *op);
  /// The reshape result of a per-channel space split across dims: ties
  /// the channels by their index in the head dim; false if not a split.
  bool splitChannels(int space, mlir::Value result);
  /// graph.attention: heads of query, key, value and result tied.
  bool attentionHeads(graph::AttentionOp op, unsigned operand, int space);
  void propagate(mlir::Operation *op, unsigned operand, int space);
  void finish();

  llvm::SmallVector<ChannelSpace> spaceList;
  llvm::DenseMap<mlir::Value, llvm::SmallVector<int, 1>> byValue;
  mutable llvm::SmallVector<int64_t> parent;
  llvm::SmallVector<bool> frozen;
  llvm::SmallVector<ChannelGroup> groupList;
};

} // namespace mica

#endif // MICA_PASSES_PRUNE_CHANNELGROUPS_H
