//===- TemporalMerge.cpp - TDTM as a compile-time rewrite -----------------===//
//
// See Passes.td (mica-temporal-merge). The frame axis is traced once on the
// unmerged graph; merging a block changes only the types inside its
// attention branch (the pairs are repeated back before the residual add),
// so the trace stays valid for the blocks after it.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/Analysis/TransformerBlocks.h"
#include "passes/token_merge/Atom.h"
#include "passes/token_merge/Passes.h"
#include "passes/token_merge/TokenResize.h"

#include "mlir/IR/Diagnostics.h"

#include <string>

namespace mica {
#define GEN_PASS_DEF_TEMPORALMERGE
#include "passes/token_merge/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// Where the frame axis is in every value that carries it, and for values
/// computed from it that do not, the op that lost it.
struct FrameTrace {
  DenseMap<Value, Atom> atoms;
  DenseMap<Value, Operation *> lostAt;
};

FrameTrace traceFrames(func::FuncOp func, Value input, Atom atom) {
  FrameTrace trace;
  trace.atoms[input] = atom;
  func.walk([&](Operation *op) {
    if (op->getNumResults() == 0)
      return;
    Operation *lost = nullptr;
    for (OpOperand &operand : op->getOpOperands()) {
      auto it = trace.atoms.find(operand.get());
      if (it != trace.atoms.end()) {
        if (std::optional<Atom> next =
                atomThroughOp(op, operand.getOperandNumber(), it->second)) {
          trace.atoms[op->getResult(0)] = *next;
          return;
        }
        lost = op;
        continue;
      }
      if (!lost)
        lost = trace.lostAt.lookup(operand.get());
    }
    if (lost)
      for (Value result : op->getResults())
        trace.lostAt[result] = lost;
  });
  return trace;
}

/// The ops computing `branch` from `input` (stopping there).
SmallPtrSet<Operation *, 32> branchOps(Value branch, Value input) {
  SmallPtrSet<Operation *, 32> ops;
  SmallVector<Value> stack{branch};
  while (!stack.empty()) {
    Value v = stack.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (v == input || !def || !ops.insert(def).second)
      continue;
    llvm::append_range(stack, def->getOperands());
  }
  return ops;
}

std::string opName(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getName() << " at " << op->getLoc();
  return text;
}

} // namespace

LogicalResult mica::mergeFrames(func::FuncOp func,
                                const TemporalMergeOptions &options,
                                SmallVectorImpl<BlockTokens> &report) {
  Location loc = func.getLoc();
  int64_t frames = options.frames;
  if (frames <= 0)
    return success();
  if (frames % 2)
    return emitError(loc, "temporal merging averages frame pairs: frames=")
           << frames << " is odd";
  // The frame axis: the one input dim of `frames` elements (at index
  // `dim` when given).
  Value input;
  Atom atom{0, 1, frames};
  std::string candidates;
  int count = 0;
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    for (int64_t d = 0; type && d < type.getRank(); ++d) {
      if (type.getDimSize(d) != frames ||
          (options.dim >= 0 && d != options.dim))
        continue;
      candidates += (candidates.empty() ? "" : ", ") + std::string("input #") +
                    std::to_string(arg.getArgNumber()) + " dim " +
                    std::to_string(d);
      if (count++ == 0) {
        input = arg;
        atom.dim = d;
      }
    }
  }
  if (count == 0)
    return emitError(loc, "temporal merging: no input dim")
           << (options.dim >= 0 ? " " + std::to_string(options.dim) : "")
           << " has frames=" << frames << " elements";
  if (count > 1)
    return emitError(loc, "temporal merging: several input dims have ")
           << frames << " elements (" << candidates
           << "); the frame axis must be the only one (name its dim: dim=D)";

  SmallVector<TransformerBlock> blocks = findTransformerBlocks(func);
  int64_t last = options.last < 0 ? (int64_t)blocks.size() - 1 : options.last;
  if (options.first < 0 || options.first > last ||
      last >= (int64_t)blocks.size())
    return emitError(loc, "temporal merging: blocks ")
           << options.first << "-" << last << " are not within the model's "
           << blocks.size() << " attention blocks (0-" << blocks.size() - 1
           << ")";
  FrameTrace trace = traceFrames(func, input, atom);
  OpBuilder b(func.getContext());
  FloatMergeOps floatOps(b);
  for (int64_t i = options.first; i <= last; ++i) {
    TransformerBlock &block = blocks[i];
    if (!block.residual)
      return block.attention.emitError("temporal merging: block ")
             << i << ": " << block.failure;
    Value in = block.skip;
    auto it = trace.atoms.find(in);
    if (it == trace.atoms.end()) {
      InFlightDiagnostic diag =
          block.attention.emitError(
              "temporal merging cannot trace the frame axis (frames=")
          << frames << ") to block " << i;
      if (Operation *lost = trace.lostAt.lookup(in))
        diag << ": it is lost at " << opName(lost);
      return diag;
    }
    Atom frameAxis = it->second;
    auto type = cast<ShapedType>(in.getType());
    SmallPtrSet<Operation *, 32> branch = branchOps(block.branch, in);
    Location at = block.attention.getLoc();
    b.setInsertionPointAfterValue(in);
    Value merged = averagePairs(b, at, in, frameAxis);
    in.replaceUsesWithIf(merged, [&](OpOperand &use) {
      return branch.contains(use.getOwner());
    });
    AddOp residual = block.residual;
    auto boundary = [&](Operation *op, unsigned operand, Atom now) {
      if (op != residual.getOperation())
        return false;
      OpBuilder rb(op);
      FloatMergeOps floatRepeat(rb);
      Value value = op->getOperand(operand);
      op->setOperand(
          operand,
          repeatPairs(rb, at, value, Atom{now.dim, now.inner, now.extent / 2}));
      return true;
    };
    auto consumed = [&](Operation *op, unsigned, int64_t) -> LogicalResult {
      return op->emitError("temporal merging cannot follow the frames "
                           "through this op: it combines frames outside an "
                           "attention");
    };
    // Operands from outside the branch that span every frame (a text
    // embedding broadcast to each frame) are averaged the same way.
    auto adapt = [&](Operation *op, unsigned operand, Atom axis) {
      OpBuilder ab(op);
      FloatMergeOps floatAverage(ab);
      return averagePairs(ab, at, op->getOperand(operand), axis);
    };
    if (failed(resizeTokens(merged, type, frameAxis, frames / 2, consumed,
                            boundary, adapt)))
      return failure();
    report[i].framesIn = frames;
    report[i].framesOut = frames / 2;
  }
  return success();
}

namespace {

struct TemporalMergePass : mica::impl::TemporalMergeBase<TemporalMergePass> {
  using TemporalMergeBase::TemporalMergeBase;

  void runOnOperation() override {
    TemporalMergeOptions options{frames, first, last, dim};
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      FailureOr<SmallVector<BlockTokens>> blocks =
          mergeTokens(func, TokenMergeOptions{});
      if (failed(blocks) || failed(mergeFrames(func, options, *blocks)))
        return signalPassFailure();
    }
  }
};

} // namespace
