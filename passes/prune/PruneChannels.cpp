//===- PruneChannels.cpp - Structured channel pruning ---------------------===//
//
// Scores the channels of each group ChannelGraph finds, picks the lowest,
// and shrinks every tensor and weight that carries them.
//
//===----------------------------------------------------------------------===//
#include "compiler/diagnostics/NodeLocation.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "mica/channel_width.h"
#include "passes/prune/ChannelOrder.h"
#include "passes/prune/Passes.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mica {
#define GEN_PASS_DEF_PRUNECHANNELS
#include "passes/prune/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// Which indices of each dim of each pruned value stay.
class Shrink {
public:
  void remove(Value value, Atom atom, const llvm::BitVector &removed) {
    auto type = cast<RankedTensorType>(value.getType());
    original.try_emplace(value, type);
    auto &dims = masks[value];
    if (dims.empty())
      dims.resize(type.getRank());
    llvm::BitVector &mask = dims[atom.dim];
    int64_t size = type.getDimSize(atom.dim);
    if (mask.empty())
      mask.resize(size, true);
    for (int64_t i = 0; i < size; ++i)
      if (removed[(i / atom.inner) % atom.extent])
        mask.reset(i);
  }

  /// The type of `value` before pruning (values are re-typed as the
  /// rewrite goes).
  RankedTensorType before(Value value) const {
    auto it = original.find(value);
    return it == original.end() ? cast<RankedTensorType>(value.getType())
                                : it->second;
  }

  /// The type of `value` after pruning (its own if nothing changed).
  RankedTensorType typeOf(Value value) const {
    RankedTensorType type = before(value);
    auto it = masks.find(value);
    if (it == masks.end())
      return type;
    SmallVector<int64_t> shape(type.getShape());
    for (auto [d, mask] : llvm::enumerate(it->second))
      if (!mask.empty())
        shape[d] = static_cast<int64_t>(mask.count());
    return type.clone(shape);
  }

  /// The kept indices of each dim of `value` (empty: all).
  SmallVector<SmallVector<int64_t>> kept(Value value) const {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<SmallVector<int64_t>> result(type.getRank());
    auto it = masks.find(value);
    if (it != masks.end())
      for (auto [d, mask] : llvm::enumerate(it->second))
        for (int i : mask.set_bits())
          result[d].push_back(i);
    return result;
  }

  /// Kept indices of dim `dim` of `value` in [begin, end).
  int64_t keptIn(Value value, int64_t dim, int64_t begin, int64_t end) const {
    auto it = masks.find(value);
    if (it == masks.end() || it->second[dim].empty())
      return end - begin;
    int64_t n = 0;
    for (int64_t i = begin; i < end; ++i)
      n += it->second[dim].test(i);
    return n;
  }

  bool touches(Value value) const { return masks.count(value); }
  llvm::MapVector<Value, SmallVector<llvm::BitVector>> masks;
  DenseMap<Value, RankedTensorType> original;
};

/// Rewrites the attributes that spell out pruned sizes.
void updateAttributes(Operation *op, const Shrink &shrink) {
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    // The pruned dims' sizes; 0 (copy) and -1 (inferred) entries, and the
    // symbolic dims they stand for, stay.
    if (!shrink.touches(reshape.getResult()) || !reshape.getNewShape())
      return;
    SmallVector<int64_t> shape(*reshape.getNewShape());
    RankedTensorType pruned = shrink.typeOf(reshape.getResult());
    for (auto [d, size] : llvm::enumerate(shape))
      if (size > 0)
        size = pruned.getDimSize(d);
    reshape.setNewShape(shape);
    return;
  }
  if (auto conv = dyn_cast<ConvOp>(op)) {
    RankedTensorType in = shrink.before(conv.getInput());
    if (conv.getGroups() != 1 &&
        static_cast<int64_t>(conv.getGroups()) == in.getDimSize(1))
      conv.setGroups(shrink.typeOf(conv.getInput()).getDimSize(1));
    return;
  }
  if (auto attention = dyn_cast<AttentionOp>(op)) {
    RankedTensorType query = shrink.before(attention.getQuery());
    int64_t width = query.getDimSize(query.getRank() - 1);
    int64_t headWidth = width / attention.getNumHeads();
    attention.setNumHeads(
        shrink.typeOf(attention.getQuery()).getDimSize(query.getRank() - 1) /
        headWidth);
    return;
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    SmallVector<int64_t> starts(slice.getStarts()), ends(slice.getEnds());
    RankedTensorType in = shrink.before(slice.getInput());
    auto out = cast<RankedTensorType>(slice.getType());
    for (int64_t d = 0; d < in.getRank(); ++d) {
      int64_t size = in.getDimSize(d);
      if (slice.getSteps()[d] != 1 ||
          shrink.keptIn(slice.getInput(), d, 0, size) == size)
        continue;
      int64_t start = std::clamp<int64_t>(
          starts[d] < 0 ? starts[d] + size : starts[d], 0, size);
      starts[d] = shrink.keptIn(slice.getInput(), d, 0, start);
      ends[d] = starts[d] + shrink.keptIn(slice.getInput(), d, start,
                                          start + out.getDimSize(d));
    }
    slice.setStarts(starts);
    slice.setEnds(ends);
    return;
  }
  if (auto split = dyn_cast<SplitOp>(op)) {
    RankedTensorType in = shrink.before(split.getInput());
    int64_t axis =
        split.getAxis() < 0 ? split.getAxis() + in.getRank() : split.getAxis();
    SmallVector<int64_t> sizes;
    int64_t offset = 0;
    for (int64_t size : split.getSizes()) {
      sizes.push_back(
          shrink.keptIn(split.getInput(), axis, offset, offset + size));
      offset += size;
    }
    split.setSizes(sizes);
  }
}

/// Applies `shrink` to `func`: constants sliced, ops re-typed.
LogicalResult applyShrink(func::FuncOp func, const Shrink &shrink) {
  for (auto &[value, dims] : shrink.masks) {
    auto constant = value.getDefiningOp<ConstantOp>();
    if (!constant)
      continue;
    auto attr = cast<DenseElementsAttr>(constant.getValue());
    constant.setValueAttr(
        gatherElements(attr, shrink.kept(value), shrink.typeOf(value)));
    constant.getResult().setType(shrink.typeOf(value));
  }
  for (Operation &op : func.getBody().front()) {
    if (isa<ConstantOp, func::ReturnOp>(op))
      continue;
    bool changed = llvm::any_of(op.getOperands(),
                                [&](Value v) { return shrink.touches(v); });
    if (!changed)
      continue;
    updateAttributes(&op, shrink);
    SmallVector<Type> types;
    auto infer = dyn_cast<InferTypeOpInterface>(op);
    if (infer) {
      if (failed(infer.inferReturnTypes(
              op.getContext(), op.getLoc(), op.getOperands(),
              op.getRawDictionaryAttrs(), op.getPropertiesStorage(),
              op.getRegions(), types)))
        return op.emitError("channel pruning: this op rejects its pruned "
                            "operands (internal error)");
    }
    for (auto [i, result] : llvm::enumerate(op.getResults())) {
      RankedTensorType expected = shrink.typeOf(result);
      if (infer && types[i] != expected)
        return op.emitError("channel pruning: the pruned op's result is ")
               << types[i] << ", expected " << expected << " (internal error)";
      result.setType(expected);
    }
  }
  return success();
}

/// The constant bias vector added to the output channels of `reader`: its
/// own bias operand, or a constant that its only user adds.
std::optional<std::pair<ConstantOp, int64_t>> biasOf(Operation *reader) {
  Value bias;
  if (auto conv = dyn_cast<ConvOp>(reader))
    bias = conv.getBias();
  else if (auto conv = dyn_cast<ConvTransposeOp>(reader))
    bias = conv.getBias();
  else if (auto fc = dyn_cast<FullyConnectedOp>(reader))
    bias = fc.getBias();
  else if (reader->hasOneUse())
    if (auto add = dyn_cast<AddOp>(*reader->getUsers().begin()))
      bias = add.getLhs() == reader->getResult(0) ? add.getRhs() : add.getLhs();
  auto constant = bias ? bias.getDefiningOp<ConstantOp>() : ConstantOp();
  auto type = constant ? dyn_cast<RankedTensorType>(constant.getType())
                       : RankedTensorType();
  if (!type || type.getRank() != 1 || !type.getElementType().isF32() ||
      !constant->hasOneUse())
    return std::nullopt;
  return std::pair(constant, type.getDimSize(0));
}

} // namespace

void mica::compensateMeans(const ChannelGraph &graph,
                           const DenseSet<int64_t> &removed,
                           const ChannelActivity &activity) {
  ArrayRef<ChannelSpace> spaces = graph.spaces();
  for (auto [id, space] : llvm::enumerate(spaces)) {
    if (space.role != ChannelRole::Consumer || !space.reader)
      continue;
    std::optional<std::pair<ConstantOp, int64_t>> bias = biasOf(space.reader);
    std::optional<ChannelStats> stats =
        activity(space.reader, spaces[space.activation].atom);
    if (!bias || !stats)
      continue;
    // The weight's output axis: rows of conv and fully_connected weights,
    // columns of a product's right operand and of conv_transpose weights.
    auto weight = cast<DenseElementsAttr>(
        cast<ConstantOp>(space.value.getDefiningOp()).getValue());
    auto type = cast<RankedTensorType>(weight.getType());
    int64_t outAxis = isa<MatmulOp, ConvTransposeOp>(space.reader) ? 1 : 0;
    if (type.getDimSize(outAxis) != bias->second ||
        !weight.getElementType().isF32())
      continue;
    int64_t outInner = 1, inInner = space.atom.inner;
    for (int64_t d = outAxis + 1; d < type.getRank(); ++d)
      outInner *= type.getDimSize(d);
    for (int64_t d = space.atom.dim + 1; d < type.getRank(); ++d)
      inInner *= type.getDimSize(d);
    SmallVector<double> shift(bias->second, 0.0);
    bool any = false;
    int64_t i = 0;
    for (float w : weight.getValues<float>()) {
      int64_t c = (i / inInner) % space.atom.extent;
      if (removed.contains(graph.root(graph.node(id, c)))) {
        shift[(i / outInner) % bias->second] += w * stats->mean[c];
        any = true;
      }
      ++i;
    }
    if (!any)
      continue;
    auto values = cast<DenseElementsAttr>(bias->first.getValue());
    SmallVector<float> shifted(values.getValues<float>());
    for (int64_t o = 0; o < bias->second; ++o)
      shifted[o] += shift[o];
    bias->first.setValueAttr(
        DenseElementsAttr::get(values.getType(), ArrayRef<float>(shifted)));
  }
}

FailureOr<SmallVector<PrunedGroup>>
mica::pruneChannels(func::FuncOp func, const PruneChannelsOptions &options,
                    const ChannelActivity &activity) {
  if (options.fraction < 0 || options.fraction >= 1)
    return func.emitError("channel pruning: fraction ")
           << options.fraction << " is outside [0, 1)";
  if (options.score != "l1" && options.score != "l2" && options.score != "data")
    return func.emitError("channel pruning: unknown score '")
           << options.score << "' (l1, l2 or data)";
  bool data = options.score == "data";
  if (data && !activity)
    return func.emitError("channel pruning: score=data needs activations "
                          "measured on calibration data (mica compile "
                          "--prune ... --calibration DIR)");
  if (options.round < 1)
    return func.emitError("channel pruning: round must be at least 1");
  SmallVector<PrunedGroup> report;
  if (options.fraction == 0)
    return report;
  splitSharedVectors(func);
  ChannelGraph graph(func);
  ArrayRef<ChannelSpace> spaces = graph.spaces();

  DenseMap<int64_t, double> score =
      scoreChannels(graph, options.score, activity);

  DenseSet<int64_t> removed;
  for (const ChannelGroup &group : graph.groups()) {
    Operation *producer = spaces[group.space].value.getDefiningOp();
    PrunedGroup entry;
    entry.node = getNodeLocInfo(producer->getLoc()).node;
    entry.op = producer->getName().stripDialect().str();
    entry.channels = group.roots.size();
    int64_t keep = mica_channels_kept(
        entry.channels, options.fraction,
        entry.channels < options.roundMinChannels ? 1 : options.round);
    SmallVector<int64_t> order = ascendingOrder(group, score);
    for (int64_t i = 0; i < entry.channels - keep; ++i) {
      removed.insert(group.roots[order[i]]);
      entry.removed.push_back(order[i]);
    }
    llvm::sort(entry.removed);
    report.push_back(std::move(entry));
  }
  if (removed.empty())
    return report;
  if (data)
    compensateMeans(graph, removed, activity);

  Shrink shrink;
  for (auto [id, space] : llvm::enumerate(spaces)) {
    llvm::BitVector gone(space.atom.extent);
    for (int64_t c = 0; c < space.atom.extent; ++c)
      if (removed.contains(graph.root(graph.node(id, c))))
        gone.set(c);
    if (gone.any())
      shrink.remove(space.value, space.atom, gone);
  }
  if (failed(applyShrink(func, shrink)))
    return failure();
  return report;
}

namespace {

struct PruneChannelsPass : mica::impl::PruneChannelsBase<PruneChannelsPass> {
  using PruneChannelsBase::PruneChannelsBase;

  void runOnOperation() override {
    if (fraction == 0.0)
      return;
    PruneChannelsOptions options{fraction, score, round, roundMinChannels};
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(pruneChannels(func, options)))
        return signalPassFailure();
  }
};

} // namespace
