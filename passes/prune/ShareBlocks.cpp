//===- ShareBlocks.cpp - Adjacent blocks share their weights --------------===//
#include "dialects/graph/Analysis/ResidualBlocks.h"
#include "passes/prune/ContractionWeights.h"
#include "passes/prune/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace mica {
#define GEN_PASS_DEF_SHAREBLOCKS
#include "passes/prune/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

using Weight = ContractionWeight;

SmallVector<float> floats(DenseElementsAttr attr) {
  auto values = attr.getValues<float>();
  return SmallVector<float>(values.begin(), values.end());
}

/// Index of element `i` of a tensor of `shape` along `axis`.
int64_t rowOf(int64_t i, ArrayRef<int64_t> shape, int64_t axis) {
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  return (i / inner) % shape[axis];
}

/// Least-squares scales s with w[row] ~ s[row] * shared[row].
SmallVector<float> fitScales(ArrayRef<float> w, ArrayRef<float> shared,
                             ArrayRef<int64_t> shape, int64_t axis) {
  SmallVector<double> dot(shape[axis], 0.0), norm(shape[axis], 0.0);
  for (size_t i = 0; i < w.size(); ++i) {
    int64_t row = rowOf(i, shape, axis);
    dot[row] += double(w[i]) * shared[i];
    norm[row] += double(shared[i]) * shared[i];
  }
  SmallVector<float> scales(shape[axis], 1.0f);
  for (int64_t r = 0; r < shape[axis]; ++r) {
    double s = norm[r] > 0 ? dot[r] / norm[r] : 1.0;
    // A row the shared copy cannot express stays unscaled (a zero scale
    // would need an infinite bias).
    scales[r] = std::fabs(s) < 1e-3 ? 1.0f : static_cast<float>(s);
  }
  return scales;
}

/// `weight.op` reads `shared` and, where `scales` is not all ones, scales
/// its output channels after it (its bias divided first).
void useShared(OpBuilder &b, const Weight &weight, Value shared,
               ArrayRef<float> scales) {
  Operation *op = weight.op;
  op->setOperand(weight.operand, shared);
  if (llvm::all_of(scales, [](float s) { return s == 1.0f; }))
    return;
  int64_t channels = scales.size();
  b.setInsertionPoint(op);
  if (weight.bias) {
    DenseElementsAttr bias;
    matchPattern(weight.bias, m_Constant(&bias));
    SmallVector<float> divided = floats(bias);
    for (int64_t c = 0; c < channels; ++c)
      divided[c] /= scales[c];
    auto type = cast<RankedTensorType>(bias.getType());
    op->setOperand(weight.operand + 1,
                   ConstantOp::create(
                       b, op->getLoc(), type,
                       DenseElementsAttr::get(type, ArrayRef<float>(divided))));
  }
  auto out = cast<RankedTensorType>(op->getResult(0).getType());
  // Conv channels are dim 1 ([C, 1, ...] broadcasts there); the others'
  // are the last dim.
  SmallVector<int64_t> shape{channels};
  if (isa<ConvOp>(op))
    shape.append(out.getRank() - 2, 1);
  auto type = RankedTensorType::get(shape, b.getF32Type());
  b.setInsertionPointAfter(op);
  Value scale = ConstantOp::create(b, op->getLoc(), type,
                                   DenseElementsAttr::get(type, scales));
  auto mul = MulOp::create(b, op->getLoc(), op->getResult(0), scale);
  op->getResult(0).replaceAllUsesExcept(mul.getResult(), mul);
}

} // namespace

FailureOr<SmallVector<SharedBlocks>>
mica::shareBlocks(func::FuncOp func, const ShareBlocksOptions &options) {
  if (options.mode != "mean" && options.mode != "first")
    return func.emitError("block sharing: unknown mode '")
           << options.mode << "' (mean or first)";
  SmallVector<SharedBlocks> report;
  if (options.group < 2)
    return report;
  SmallVector<ResidualBlock> blocks = findResidualBlocks(func);
  OpBuilder b(func.getContext());
  for (size_t first = 0; first + 1 < blocks.size(); first += options.group) {
    size_t end = std::min<size_t>(first + options.group, blocks.size());
    SharedBlocks group;
    SmallVector<SmallVector<Weight>> weights;
    for (size_t i = first; i < end; ++i) {
      group.blocks.push_back(i);
      weights.emplace_back();
      for (Operation *op : blocks[i].ops)
        if (std::optional<Weight> weight = contractionWeight(op))
          weights.back().push_back(*weight);
    }
    // The blocks must have the same layers: weight types in order.
    for (size_t i = 1; i < weights.size() && group.skipped.empty(); ++i) {
      if (weights[i].size() != weights[0].size() ||
          blocks[first + i].attention != blocks[first].attention)
        group.skipped = "the blocks have different layers";
      for (size_t w = 0; w < weights[0].size() && group.skipped.empty(); ++w)
        if (weights[i][w].value.getType() != weights[0][w].value.getType() ||
            weights[i][w].op->getName() != weights[0][w].op->getName())
          group.skipped = "the blocks' weights differ in shape";
    }
    if (weights[0].empty() && group.skipped.empty())
      group.skipped = "the blocks have no constant weights";
    if (!group.skipped.empty()) {
      report.push_back(std::move(group));
      continue;
    }
    for (size_t w = 0; w < weights[0].size(); ++w) {
      DenseElementsAttr sharedValue = weights[0][w].value;
      if (options.mode == "mean") {
        SmallVector<float> mean(sharedValue.getNumElements(), 0.0f);
        for (const SmallVector<Weight> &block : weights) {
          SmallVector<float> values = floats(block[w].value);
          for (size_t i = 0; i < mean.size(); ++i)
            mean[i] += values[i] / weights.size();
        }
        sharedValue = DenseElementsAttr::get(sharedValue.getType(),
                                             ArrayRef<float>(mean));
      }
      b.setInsertionPointToStart(&func.getBody().front());
      Value shared = ConstantOp::create(b, weights[0][w].op->getLoc(),
                                        sharedValue.getType(), sharedValue);
      SmallVector<float> sharedFloats = floats(sharedValue);
      auto shape = cast<ShapedType>(sharedValue.getType()).getShape();
      for (const SmallVector<Weight> &block : weights) {
        const Weight &weight = block[w];
        Value old = weight.op->getOperand(weight.operand);
        SmallVector<float> scales(shape[weight.rowAxis], 1.0f);
        if (options.scales && weight.value != sharedValue)
          scales = fitScales(floats(weight.value), sharedFloats, shape,
                             weight.rowAxis);
        useShared(b, weight, shared, scales);
        if (Operation *def = old.getDefiningOp(); def && def->use_empty())
          def->erase();
      }
      ++group.weights;
    }
    report.push_back(std::move(group));
  }
  return report;
}

namespace {

struct ShareBlocksPass : mica::impl::ShareBlocksBase<ShareBlocksPass> {
  using ShareBlocksBase::ShareBlocksBase;

  void runOnOperation() override {
    ShareBlocksOptions options{group, mode, scales};
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(shareBlocks(func, options)))
        return signalPassFailure();
  }
};

} // namespace
