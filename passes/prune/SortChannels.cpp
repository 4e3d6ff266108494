//===- SortChannels.cpp - Channel groups ordered by importance ------------===//
//
// Permutes the channels of every prunable group, highest score first, so
// that a prefix of each group is the model pruning would keep (see
// Passes.td, mica-sort-channels).
//
//===----------------------------------------------------------------------===//
#include "compiler/diagnostics/NodeLocation.h"
#include "passes/prune/ChannelOrder.h"
#include "passes/prune/Passes.h"

#include "llvm/ADT/MapVector.h"

#include <numeric>

namespace mica {
#define GEN_PASS_DEF_SORTCHANNELS
#include "passes/prune/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

FailureOr<SmallVector<WidthGroup>>
mica::sortChannels(func::FuncOp func, const SortChannelsOptions &options) {
  if (options.score != "l1" && options.score != "l2")
    return func.emitError("sortable width: unknown score '")
           << options.score
           << "' (l1 or l2: a data score moves removed channels' means into "
              "biases, which a run-time width cannot do)";
  if (options.round < 1)
    return func.emitError("sortable width: round must be at least 1");
  splitSharedVectors(func);
  ChannelGraph graph(func);
  ArrayRef<ChannelSpace> spaces = graph.spaces();
  DenseMap<int64_t, double> score = scoreChannels(graph, options.score, {});

  // Each component's group and rank in it, highest score first: the
  // reverse of pruning's ascending order, so that the first k are those
  // pruning keeps when it keeps k.
  DenseMap<int64_t, std::pair<int64_t, int64_t>> place;
  SmallVector<WidthGroup> table;
  Builder builder(func.getContext());
  for (auto [index, group] : llvm::enumerate(graph.groups())) {
    SmallVector<int64_t> order = ascendingOrder(group, score);
    int64_t n = order.size();
    for (int64_t i = 0; i < n; ++i)
      place[group.roots[order[i]]] = {static_cast<int64_t>(index), n - 1 - i};
    Operation *producer = spaces[group.space].value.getDefiningOp();
    producer->setAttr(kWidthGroupAttr, builder.getI64IntegerAttr(index));
    table.push_back({getNodeLocInfo(producer->getLoc()).node,
                     producer->getName().stripDialect().str(), n,
                     n < options.roundMinChannels ? 1 : options.round});
  }

  // Per constant and dim, the source of each index. A group's components
  // hold slots in a space, in the order of their first channels; slot j
  // gets the component of rank j, its i-th channel from that component's
  // i-th. A component's channels need not be adjacent: a fused q/k/v
  // projection holds a head in three runs, which move together.
  llvm::MapVector<Value, SmallVector<SmallVector<int64_t>>> from;
  for (auto [id, space] : llvm::enumerate(spaces)) {
    auto constant = space.value.getDefiningOp<ConstantOp>();
    if (!constant)
      continue;
    int64_t extent = space.atom.extent, inner = space.atom.inner;
    llvm::MapVector<int64_t, llvm::MapVector<int64_t, SmallVector<int64_t>>>
        slots;
    for (int64_t c = 0; c < extent; ++c) {
      int64_t root = graph.root(graph.node(id, c));
      auto it = place.find(root);
      if (it != place.end())
        slots[it->second.first][root].push_back(c);
    }
    if (slots.empty())
      continue;
    SmallVector<int64_t> perm(extent);
    std::iota(perm.begin(), perm.end(), 0);
    for (auto &[group, members] : slots) {
      SmallVector<int64_t> ranked;
      for (auto &[root, channels] : members)
        ranked.push_back(root);
      llvm::sort(ranked, [&](int64_t a, int64_t b) {
        return place.lookup(a).second < place.lookup(b).second;
      });
      for (auto [j, entry] : llvm::enumerate(members)) {
        ArrayRef<int64_t> to = entry.second;
        ArrayRef<int64_t> source = members.find(ranked[j])->second;
        if (to.size() != source.size())
          return constant.emitError("sortable width: the channel components "
                                    "of a group differ in size here "
                                    "(internal error)");
        for (size_t i = 0; i < to.size(); ++i)
          perm[to[i]] = source[i];
      }
    }
    auto type = cast<RankedTensorType>(constant.getType());
    int64_t size = type.getDimSize(space.atom.dim);
    SmallVector<int64_t> source(size);
    for (int64_t i = 0; i < size; ++i) {
      int64_t block = extent * inner;
      source[i] =
          i / block * block + perm[(i / inner) % extent] * inner + i % inner;
    }
    auto &dims = from[space.value];
    if (dims.empty())
      dims.resize(type.getRank());
    SmallVector<int64_t> &existing = dims[space.atom.dim];
    if (!existing.empty() && existing != source)
      return constant.emitError("sortable width: two channel orders for one "
                                "dim of this constant (internal error)");
    existing = std::move(source);
  }
  for (auto &[value, dims] : from) {
    auto constant = value.getDefiningOp<ConstantOp>();
    auto type = cast<RankedTensorType>(constant.getType());
    constant.setValueAttr(gatherElements(
        cast<DenseElementsAttr>(constant.getValue()), dims, type));
  }
  return table;
}

ArrayAttr mica::widthGroupsAttr(MLIRContext *context,
                                ArrayRef<WidthGroup> groups) {
  Builder b(context);
  SmallVector<Attribute> entries;
  for (const WidthGroup &group : groups)
    entries.push_back(b.getDictionaryAttr({
        b.getNamedAttr("node", b.getStringAttr(group.node)),
        b.getNamedAttr("op", b.getStringAttr(group.op)),
        b.getNamedAttr("channels", b.getI64IntegerAttr(group.channels)),
        b.getNamedAttr("round", b.getI64IntegerAttr(group.round)),
    }));
  return b.getArrayAttr(entries);
}

namespace {

struct SortChannelsPass : mica::impl::SortChannelsBase<SortChannelsPass> {
  using SortChannelsBase::SortChannelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SortChannelsOptions options{score, round, roundMinChannels};
    std::optional<SmallVector<WidthGroup>> first;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      FailureOr<SmallVector<WidthGroup>> groups = sortChannels(func, options);
      if (failed(groups))
        return signalPassFailure();
      if (!first)
        first = std::move(*groups);
    }
    if (first)
      module->setAttr(kWidthGroupsAttr, widthGroupsAttr(&getContext(), *first));
  }
};

} // namespace
