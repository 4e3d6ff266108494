//===- TransformerBlocks.cpp - Attention blocks of a graph ----------------===//
#include "dialects/graph/Analysis/TransformerBlocks.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace mica::graph;

/// How far the residual add may be from the attention (views, the output
/// projection, its bias and reshapes around them).
static constexpr int kMaxBranchOps = 16;

static bool isConstant(Value v) { return matchPattern(v, m_Constant()); }

/// How far back the query's and the key's sources are compared.
static constexpr int kMaxSourceDepth = 16;

/// The computed (non-constant) values `value` is derived from within
/// kMaxSourceDepth ops.
static llvm::DenseSet<Value> computedSources(Value value) {
  llvm::DenseSet<Value> seen;
  SmallVector<std::pair<Value, int>> stack{{value, 0}};
  while (!stack.empty()) {
    auto [v, depth] = stack.pop_back_val();
    if (isConstant(v) || !seen.insert(v).second || depth == kMaxSourceDepth)
      continue;
    if (Operation *def = v.getDefiningOp())
      for (Value operand : def->getOperands())
        stack.push_back({operand, depth + 1});
  }
  return seen;
}

/// Self-attention: the keys are computed from what the queries are (a
/// common computed source); cross-attention reads another sequence (a text
/// embedding, an encoder's output), even one of the same length.
static bool isCrossAttention(AttentionOp attention) {
  llvm::DenseSet<Value> query = computedSources(attention.getQuery());
  return !llvm::any_of(computedSources(attention.getKey()),
                       [&](Value v) { return query.contains(v); });
}

SmallVector<TransformerBlock>
mica::graph::findTransformerBlocks(func::FuncOp func) {
  SmallVector<TransformerBlock> blocks;
  func.walk([&](AttentionOp attention) {
    TransformerBlock block;
    block.index = blocks.size();
    block.attention = attention;
    auto q = cast<RankedTensorType>(attention.getQuery().getType());
    auto k = cast<RankedTensorType>(attention.getKey().getType());
    block.crossAttention =
        q.getDimSize(1) != k.getDimSize(1) || isCrossAttention(attention);
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
