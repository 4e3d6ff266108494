//===- TransformerBlocks.cpp - Attention blocks of a graph ----------------===//
#include "dialects/graph/Analysis/TransformerBlocks.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mica::graph;

/// How far the residual add may be from the attention (views, the output
/// projection, its bias and reshapes around them).
static constexpr int kMaxBranchOps = 16;

static bool isConstant(Value v) { return matchPattern(v, m_Constant()); }

SmallVector<TransformerBlock>
mica::graph::findTransformerBlocks(func::FuncOp func) {
  SmallVector<TransformerBlock> blocks;
  func.walk([&](AttentionOp attention) {
    TransformerBlock block;
    block.index = blocks.size();
    block.attention = attention;
    auto q = cast<RankedTensorType>(attention.getQuery().getType());
    auto k = cast<RankedTensorType>(attention.getKey().getType());
    block.crossAttention = q.getDimSize(1) != k.getDimSize(1);
    Value value = attention.getResult();
    for (int step = 0; step < kMaxBranchOps; ++step) {
      if (!value.hasOneUse()) {
        block.failure = "the attention branch is used more than once before "
                        "a residual add";
        break;
      }
      Operation *user = *value.getUsers().begin();
      if (auto add = dyn_cast<AddOp>(user);
          add && !isConstant(add.getLhs()) && !isConstant(add.getRhs())) {
        block.residual = add;
        block.branch = value;
        block.skip = add.getLhs() == value ? add.getRhs() : add.getLhs();
        break;
      }
      if (user->getNumResults() != 1 ||
          isa<func::ReturnOp, AttentionOp>(user)) {
        block.failure = "no residual add after the attention";
        break;
      }
      value = user->getResult(0);
    }
    if (!block.residual && block.failure.empty())
      block.failure = "no residual add within " +
                      std::to_string(kMaxBranchOps) + " ops of the attention";
    blocks.push_back(std::move(block));
  });
  return blocks;
}
