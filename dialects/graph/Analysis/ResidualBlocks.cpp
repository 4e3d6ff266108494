//===- ResidualBlocks.cpp - Residual blocks of a graph --------------------===//
#include "dialects/graph/Analysis/ResidualBlocks.h"

#include "dialects/graph/Analysis/MultiplyAdds.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// The ops computing `branch` from `skip` and constants only, or nullopt
/// when the branch reads another computed value (not an identity skip) or
/// does not read `skip` at all (an added constant, a position embedding).
std::optional<llvm::SetVector<Operation *>> branchOps(Value branch,
                                                      Value skip) {
  llvm::SetVector<Operation *> ops;
  SmallVector<Value> work{branch};
  DenseSet<Value> seen;
  bool readsSkip = false;
  while (!work.empty()) {
    Value value = work.pop_back_val();
    readsSkip |= value == skip;
    if (value == skip || !seen.insert(value).second)
      continue;
    Operation *def = value.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (def->hasTrait<OpTrait::ConstantLike>())
      continue;
    ops.insert(def);
    llvm::append_range(work, def->getOperands());
  }
  if (!readsSkip)
    return std::nullopt;
  return ops;
}

struct Unit {
  AddOp add;
  Value skip;
  llvm::SetVector<Operation *> ops;
  bool attention = false;
};

} // namespace

SmallVector<ResidualBlock> mica::graph::findResidualBlocks(func::FuncOp func) {
  SmallVector<Unit> units;
  func.walk([&](AddOp add) {
    if (add.getLhs().getType() != add.getType() ||
        add.getRhs().getType() != add.getType())
      return;
    for (auto [skip, branch] : {std::pair(add.getLhs(), add.getRhs()),
                                std::pair(add.getRhs(), add.getLhs())}) {
      if (matchPattern(skip, m_Constant()))
        continue;
      std::optional<llvm::SetVector<Operation *>> ops = branchOps(branch, skip);
      if (!ops || ops->empty())
        continue;
      bool attention = llvm::any_of(
          *ops, [](Operation *op) { return isa<SoftmaxOp, AttentionOp>(op); });
      units.push_back({add, skip, std::move(*ops), attention});
      return;
    }
  });
  // A unit inside another's branch (a nested residual) is not a block.
  DenseSet<Operation *> nested;
  for (const Unit &unit : units)
    for (Operation *op : unit.ops)
      if (isa<AddOp>(op))
        nested.insert(op);
  SmallVector<ResidualBlock> blocks;
  for (size_t i = 0; i < units.size(); ++i) {
    if (nested.contains(units[i].add))
      continue;
    ResidualBlock block;
    block.index = blocks.size();
    block.input = units[i].skip;
    block.adds.push_back(units[i].add);
    block.attention = units[i].attention;
    for (Operation *op : units[i].ops)
      block.multiplyAdds += countMultiplyAdds(op).value_or(0);
    if (units[i].attention && i + 1 < units.size() && !units[i + 1].attention &&
        !nested.contains(units[i + 1].add) &&
        units[i + 1].skip == units[i].add.getResult()) {
      ++i;
      block.adds.push_back(units[i].add);
      for (Operation *op : units[i].ops)
        block.multiplyAdds += countMultiplyAdds(op).value_or(0);
    }
    block.output = block.adds.back().getResult();
    for (size_t u = i + 1 - block.adds.size(); u <= i; ++u)
      llvm::append_range(block.ops, units[u].ops);
    llvm::sort(block.ops, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    blocks.push_back(std::move(block));
  }
  return blocks;
}
