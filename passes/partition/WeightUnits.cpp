//===- WeightUnits.cpp - Kernels and the weights they read ----------------===//
#include "passes/partition/WeightUnits.h"

#include "dialects/exec/IR/ExecUtils.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mica::partition;

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

namespace {

/// A scalar (integer, index or float) result of an anchor of `body`.
bool isSpillable(Value value, Block &body) {
  return mica::exec::isComputedScalar(value, body);
}

} // namespace

void mica::partition::collectRemat(Operation &op, Block &body,
                                   llvm::SetVector<Operation *> &slice,
                                   llvm::SetVector<Value> &scalars) {
  for (Value value : usedValues(op)) {
    llvm::SetVector<Operation *> valueSlice;
    llvm::SetVector<Value> valueScalars;
    if (!mica::exec::collectPureSlice(value, body, valueSlice, &valueScalars))
      continue;
    slice.insert(valueSlice.begin(), valueSlice.end());
    scalars.insert(valueScalars.begin(), valueScalars.end());
  }
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
  llvm::DenseSet<Operation *> remat;
  SmallVector<Operation *> anchors;
  for (Operation &op : body.without_terminator()) {
    if (isAnchor(op)) {
      anchorIndex[&op] = anchors.size();
      anchors.push_back(&op);
      continue;
    }
    lastAnchor[&op] = static_cast<int64_t>(anchors.size()) - 1;
    // Rematerializable: every operand is an argument, rematerializable or
    // a spilled scalar (operands of top-level ops are top-level values).
    if (llvm::all_of(op.getOperands(), [&](Value v) {
          Operation *def = v.getDefiningOp();
          return !def || remat.contains(def) || isSpillable(v, body);
        }))
      remat.insert(&op);
  }

  // Each value that can neither be cloned nor spilled ties the anchors
  // from its definition to its last use: no cut between them. `reach` is
  // the last anchor index a value flows to (through the ops computing from
  // it, which are tied too).
  llvm::DenseMap<Operation *, int64_t> reach;
  SmallVector<int64_t> tied(anchors.size() + 1, 0);
  auto ops = llvm::to_vector(llvm::make_pointer_range(body));
  for (Operation *op : llvm::reverse(ops)) {
    if (op->hasTrait<OpTrait::IsTerminator>() || remat.contains(op))
      continue;
    auto anchor = anchorIndex.find(op);
    int64_t lo = anchor != anchorIndex.end()
                     ? anchor->second
                     : std::max<int64_t>(0, lastAnchor.lookup(op));
    int64_t hi = lo;
    for (Value result : op->getResults()) {
      if (isSpillable(result, body))
        continue;
      for (Operation *user : result.getUsers()) {
        Operation *top = body.findAncestorOpInBlock(*user);
        if (!top || top->hasTrait<OpTrait::IsTerminator>())
          continue;
        auto userAnchor = anchorIndex.find(top);
        hi = std::max(hi, userAnchor != anchorIndex.end() ? userAnchor->second
                                                          : reach.lookup(top));
      }
    }
    reach[op] = hi;
    // Cuts lo .. hi-1 (cut k lies between anchors k and k+1) are illegal.
    if (hi > lo) {
      ++tied[lo];
      --tied[hi];
    }
  }

  // Units of anchors; the tied ops between anchors go with the anchor
  // before them (their uses keep every later reader in the same unit).
  SmallVector<WeightUnit> units;
  int64_t open = 0;
  for (auto [k, op] : llvm::enumerate(anchors)) {
    if (k > 0)
      open += tied[k - 1];
    if (k == 0 || open == 0)
      units.emplace_back();
    units.back().anchors.push_back(op);
  }
  auto unitOfOps = [&](ArrayRef<WeightUnit> units) {
    llvm::DenseMap<Operation *, int64_t> unitOf;
    SmallVector<int64_t> anchorUnit;
    for (auto [u, unit] : llvm::enumerate(units))
      for (Operation *anchor : unit.anchors) {
        unitOf[anchor] = u;
        anchorUnit.push_back(u);
      }
    for (Operation &op : body.without_terminator())
      if (!anchorIndex.count(&op) && !remat.contains(&op) && !anchors.empty())
        unitOf[&op] = anchorUnit[std::max<int64_t>(0, lastAnchor.lookup(&op))];
    return unitOf;
  };
  llvm::DenseMap<Operation *, int64_t> unitOf = unitOfOps(units);

  // Each unit's constants: the segment views in the slices its ops read
  // (views may be hoisted far above their readers) or inside them, each
  // widened to whole 64-byte lines (the compacted segments keep every
  // line's alignment, and their sizes are what the planner counts).
  constexpr int64_t kLine = 64;
  for (Operation &op : body.without_terminator()) {
    auto unit = unitOf.find(&op);
    if (unit == unitOf.end())
      continue;
    WeightUnit &into = units[unit->second];
    auto addView = [&](Operation *view) {
      if (!view->getNumOperands() || view->getOperand(0) != segment)
        return;
      ByteRange range = *viewRange(view);
      range.begin = range.begin / kLine * kLine;
      range.end = (range.end + kLine - 1) / kLine * kLine;
      into.ranges.push_back(range);
    };
    llvm::SetVector<Operation *> slice;
    llvm::SetVector<Value> scalars;
    collectRemat(op, body, slice, scalars);
    for (Operation *sliceOp : slice)
      addView(sliceOp);
    op.walk([&](memref::ViewOp view) { addView(view); });
  }

  // Consecutive units reading a common constant become one (units without
  // weights between them join too): a cut between them would put that
  // constant in two blocks, streamed twice per run.
  UnitAnalysis analysis;
  int64_t lastWithWeights = -1;
  for (WeightUnit &unit : units) {
    mergeRanges(unit.ranges);
    if (lastWithWeights >= 0 && !unit.ranges.empty() &&
        rangesOverlap(analysis.units[lastWithWeights].ranges, unit.ranges)) {
      WeightUnit &into = analysis.units[lastWithWeights];
      for (size_t u = lastWithWeights + 1; u < analysis.units.size(); ++u) {
        llvm::append_range(into.anchors, analysis.units[u].anchors);
        llvm::append_range(into.ranges, analysis.units[u].ranges);
      }
      analysis.units.resize(lastWithWeights + 1);
      llvm::append_range(into.anchors, unit.anchors);
      llvm::append_range(into.ranges, unit.ranges);
      mergeRanges(into.ranges);
      continue;
    }
    analysis.units.push_back(std::move(unit));
    if (!analysis.units.back().ranges.empty())
      lastWithWeights = analysis.units.size() - 1;
  }
  for (WeightUnit &unit : analysis.units)
    unit.bytes = coveredBytes(unit.ranges);
  analysis.unitOf = unitOfOps(analysis.units);

  // The scalars read outside their unit.
  for (Operation &op : body.without_terminator()) {
    auto unit = analysis.unitOf.find(&op);
    if (unit == analysis.unitOf.end())
      continue;
    llvm::SetVector<Operation *> slice;
    llvm::SetVector<Value> scalars;
    collectRemat(op, body, slice, scalars);
    for (Value scalar : scalars)
      if (analysis.unitOf.lookup(scalar.getDefiningOp()) != unit->second)
        analysis.spilled.insert(scalar);
  }
  // Program order (each op's results in order).
  SmallVector<Value> spilled(analysis.spilled.begin(), analysis.spilled.end());
  llvm::sort(spilled, [](Value a, Value b) {
    Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
    if (x != y)
      return x->isBeforeInBlock(y);
    return cast<OpResult>(a).getResultNumber() <
           cast<OpResult>(b).getResultNumber();
  });
  analysis.spilled = llvm::SetVector<Value>(spilled.begin(), spilled.end());
  return analysis;
}
