//===- RemoveBlocks.cpp - Remove whole residual blocks --------------------===//
#include "dialects/graph/Analysis/ResidualBlocks.h"
#include "passes/prune/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mica {
#define GEN_PASS_DEF_REMOVEBLOCKS
#include "passes/prune/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;

LogicalResult mica::removeBlocks(func::FuncOp func, ArrayRef<int64_t> blocks) {
  SmallVector<graph::ResidualBlock> found = graph::findResidualBlocks(func);
  for (int64_t index : blocks)
    if (index < 0 || index >= static_cast<int64_t>(found.size()))
      return func.emitError("block removal: no residual block ")
             << index << " (the function has " << found.size() << ")";
  // Later blocks first: an earlier block's output is a later one's input.
  SmallVector<int64_t> order(blocks);
  llvm::sort(order, std::greater<int64_t>());
  for (int64_t index : order) {
    graph::ResidualBlock &block = found[index];
    block.output.replaceAllUsesWith(block.input);
  }
  // The branches, now unused, in reverse body order.
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().front().without_terminator())
    ops.push_back(&op);
  IRRewriter rewriter(func.getContext());
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty() && isMemoryEffectFree(op))
      rewriter.eraseOp(op);
  return success();
}

namespace {

struct RemoveBlocksPass : mica::impl::RemoveBlocksBase<RemoveBlocksPass> {
  using RemoveBlocksBase::RemoveBlocksBase;

  void runOnOperation() override {
    if (blocks.empty())
      return;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(removeBlocks(func, blocks)))
        return signalPassFailure();
  }
};

} // namespace
