//===- WeightUnits.cpp - Kernels and the weights they read ----------------===//
#include "passes/partition/WeightUnits.h"

#include "dialects/exec/IR/ExecUtils.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mica::partition;

void mica::partition::mergeRanges(SmallVectorImpl<ByteRange> &ranges) {
  llvm::sort(ranges, [](const ByteRange &a, const ByteRange &b) {
    return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
  });
  SmallVector<ByteRange> merged;
  for (const ByteRange &range : ranges) {
    if (!merged.empty() && range.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, range.end);
    else
      merged.push_back(range);
  }
  ranges.assign(merged.begin(), merged.end());
}

int64_t mica::partition::coveredBytes(ArrayRef<ByteRange> ranges) {
  SmallVector<ByteRange> merged(ranges.begin(), ranges.end());
  mergeRanges(merged);
  int64_t bytes = 0;
  for (const ByteRange &range : merged)
    bytes += range.end - range.begin;
  return bytes;
}

std::optional<ByteRange> mica::partition::viewRange(Operation *op) {
  auto view = dyn_cast<memref::ViewOp>(op);
  if (!view || !view.getSizes().empty())
    return std::nullopt;
  std::optional<int64_t> offset = getConstantIntValue(view.getByteShift());
  MemRefType type = view.getType();
  Type element = type.getElementType();
  if (!offset || !type.hasStaticShape() || !element.isIntOrFloat())
    return std::nullopt;
  // LLVM stores i1 in a byte, as the constants segment does.
  int64_t elementBytes =
      std::max<int64_t>(1, (element.getIntOrFloatBitWidth() + 7) / 8);
  return ByteRange{*offset, *offset + type.getNumElements() * elementBytes};
}

namespace {

/// Ops that must stay in order with their neighbours' effects: they do
/// work, read or write memory.
bool isAnchor(Operation &op) {
  return op.getNumRegions() > 0 || !isMemoryEffectFree(&op);
}

} // namespace

SmallVector<Value> mica::partition::usedValues(Operation &op) {
  llvm::SetVector<Value> used(op.operand_begin(), op.operand_end());
  for (Region &region : op.getRegions())
    getUsedValuesDefinedAbove(region, used);
  return SmallVector<Value>(used.begin(), used.end());
}

FailureOr<UnitAnalysis> mica::partition::analyzeUnits(func::FuncOp func,
                                                      Value segment) {
  Block &body = func.front();
  for (Operation *user : segment.getUsers())
    if (!viewRange(user))
      return user->emitError("mica-partition-weights: the constants segment "
                             "is read other than through a view at a "
                             "constant offset with a static shape");

  // Positions: each op's index among the anchors (anchors) or the index of
  // the last anchor before it (others; -1 before the first).
  llvm::DenseMap<Operation *, int64_t> anchorIndex;
  llvm::DenseMap<Operation *, int64_t> lastAnchor;
  llvm::DenseSet<Operation *> pure;
  SmallVector<Operation *> anchors;
  for (Operation &op : body.without_terminator()) {
    if (isAnchor(op)) {
      anchorIndex[&op] = anchors.size();
      anchors.push_back(&op);
      continue;
    }
    lastAnchor[&op] = static_cast<int64_t>(anchors.size()) - 1;
    // A pure slice of the arguments: every operand is an argument or
    // comes from one (operands of top-level ops are top-level values).
    if (llvm::all_of(op.getOperands(), [&](Value v) {
          Operation *def = v.getDefiningOp();
          return !def || pure.contains(def);
        }))
      pure.insert(&op);
  }

  // Each non-pure value ties the anchors from its definition to its last
  // use: no cut between them. `reach` is the last anchor index a value
  // flows to (through the non-pure ops computing from it).
  llvm::DenseMap<Operation *, int64_t> reach;
  SmallVector<int64_t> tied(anchors.size() + 1, 0);
  auto ops = llvm::to_vector(llvm::make_pointer_range(body));
  for (Operation *op : llvm::reverse(ops)) {
    if (op->hasTrait<OpTrait::IsTerminator>() || pure.contains(op))
      continue;
    auto anchor = anchorIndex.find(op);
    int64_t lo = anchor != anchorIndex.end()
                     ? anchor->second
                     : std::max<int64_t>(0, lastAnchor.lookup(op));
    int64_t hi = lo;
    for (Operation *user : op->getUsers()) {
      Operation *top = body.findAncestorOpInBlock(*user);
      if (!top || top->hasTrait<OpTrait::IsTerminator>())
        continue;
      auto userAnchor = anchorIndex.find(top);
      hi = std::max(hi, userAnchor != anchorIndex.end() ? userAnchor->second
                                                        : reach.lookup(top));
    }
    reach[op] = hi;
    // Cuts lo .. hi-1 (cut k lies between anchors k and k+1) are illegal.
    if (hi > lo) {
      ++tied[lo];
      --tied[hi];
    }
  }

  UnitAnalysis analysis;
  int64_t open = 0;
  for (auto [k, op] : llvm::enumerate(anchors)) {
    if (k > 0) {
      open += tied[k - 1];
      if (open == 0)
        analysis.units.emplace_back();
    } else {
      analysis.units.emplace_back();
    }
    analysis.unitOf[op] = analysis.units.size() - 1;
    analysis.units.back().anchors.push_back(op);
  }
  // The non-pure ops between anchors go with the anchor before them (their
  // uses keep every later reader in the same unit).
  for (Operation &op : body.without_terminator())
    if (!anchorIndex.count(&op) && !pure.contains(&op) && !anchors.empty())
      analysis.unitOf[&op] = analysis.unitOf.lookup(
          anchors[std::max<int64_t>(0, lastAnchor.lookup(&op))]);

  // Each unit's constants: the segment views in the slices its ops read
  // (views may be hoisted far above their readers) or inside them.
  for (Operation &op : body.without_terminator()) {
    auto unit = analysis.unitOf.find(&op);
    if (unit == analysis.unitOf.end())
      continue;
    WeightUnit &into = analysis.units[unit->second];
    auto addView = [&](Operation *view) {
      if (view->getNumOperands() && view->getOperand(0) == segment)
        into.ranges.push_back(*viewRange(view));
    };
    for (Value value : usedValues(op)) {
      llvm::SetVector<Operation *> slice;
      if (mica::exec::collectPureSlice(value, body, slice))
        for (Operation *sliceOp : slice)
          addView(sliceOp);
    }
    op.walk([&](memref::ViewOp view) { addView(view); });
  }
  for (WeightUnit &unit : analysis.units) {
    mergeRanges(unit.ranges);
    unit.bytes = coveredBytes(unit.ranges);
  }
  return analysis;
}
