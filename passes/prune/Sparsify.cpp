//===- Sparsify.cpp - N:M and unstructured weight sparsity ----------------===//
//
// See Passes.td (mica-sparsify). The weights keep their shapes; what makes
// the zeros pay is downstream: the artifact stores them compressed and
// rewrites that would densify them skip sparse weights.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/Analysis/Sparsity.h"
#include "passes/prune/ContractionWeights.h"
#include "passes/prune/Passes.h"

#include "compiler/diagnostics/NodeLocation.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mica {
#define GEN_PASS_DEF_SPARSIFY
#include "passes/prune/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// The first `count` of `order` become the indices of the lowest `score`,
/// ascending; among equal scores the later index comes first, so that the
/// earlier ones stay.
void orderByScore(ArrayRef<double> score, MutableArrayRef<int64_t> order,
                  size_t count) {
  std::partial_sort(order.begin(), order.begin() + count, order.end(),
                    [&](int64_t a, int64_t b) {
                      return score[a] != score[b] ? score[a] < score[b] : a > b;
                    });
}

/// Zeros all but the `n` best scored of every run of `m` along `axis`.
void applyPattern(MutableArrayRef<float> w, ArrayRef<double> score,
                  ArrayRef<int64_t> shape, int64_t axis, int64_t n, int64_t m) {
  int64_t inner = 1, outer = 1;
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  int64_t length = shape[axis];
  SmallVector<int64_t> order(m);
  SmallVector<double> run(m);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t g = 0; g < length; g += m)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t t) { return (o * length + g + t) * inner + i; };
        for (int64_t t = 0; t < m; ++t)
          run[t] = score[at(t)];
        std::iota(order.begin(), order.end(), 0);
        // The m - n lowest go.
        orderByScore(run, order, m - n);
        for (int64_t t = 0; t < m - n; ++t)
          w[at(order[t])] = 0.0f;
      }
}

/// Zeros the `ratio` of `w` scored lowest.
void applyRatio(MutableArrayRef<float> w, ArrayRef<double> score,
                double ratio) {
  size_t count = static_cast<size_t>(std::floor(ratio * w.size()));
  SmallVector<int64_t> order(w.size());
  std::iota(order.begin(), order.end(), 0);
  orderByScore(score, order, count);
  for (size_t t = 0; t < count; ++t)
    w[order[t]] = 0.0f;
}

/// Each weight's score: |w|, times with `activity` the root mean square of
/// the input channel it multiplies on the calibration data (Wanda's
/// |W| * ||X||: a large weight on an input that is always near zero
/// matters little). Whether the data was used.
bool scoreWeights(const ContractionWeight &weight, ArrayRef<float> w,
                  const ChannelActivity &activity,
                  SmallVectorImpl<double> &score) {
  score.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    score[i] = std::fabs(w[i]);
  if (!activity)
    return false;
  auto input = cast<RankedTensorType>(weight.op->getOperand(0).getType());
  int64_t dim = isa<ConvOp>(weight.op) ? 1 : input.getRank() - 1;
  if (input.isDynamicDim(dim))
    return false;
  std::optional<ChannelStats> stats =
      activity(weight.op, Atom{dim, 1, input.getDimSize(dim)});
  if (!stats)
    return false;
  // The input channel of each weight element: its index along the
  // reduction axis, offset by its group's first channel for a grouped
  // convolution.
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(weight.value.getType()).getShape();
  int64_t inner = 1;
  for (int64_t d = weight.reductionAxis + 1;
       d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  int64_t perGroup = shape[weight.reductionAxis];
  int64_t rowsPerGroup = shape[weight.rowAxis];
  if (auto conv = dyn_cast<ConvOp>(weight.op))
    rowsPerGroup /= conv.getGroups();
  int64_t rowInner = 1;
  for (int64_t d = weight.rowAxis + 1; d < static_cast<int64_t>(shape.size());
       ++d)
    rowInner *= shape[d];
  for (size_t i = 0; i < w.size(); ++i) {
    int64_t k = (static_cast<int64_t>(i) / inner) % perGroup;
    int64_t row = (static_cast<int64_t>(i) / rowInner) % shape[weight.rowAxis];
    int64_t channel = (row / rowsPerGroup) * perGroup + k;
    if (channel >= static_cast<int64_t>(stats->mean.size()))
      return false;
    double mean = stats->mean[channel], deviation = stats->deviation[channel];
    score[i] *= std::sqrt(mean * mean + deviation * deviation);
  }
  return true;
}

struct SparsifyPass : mica::impl::SparsifyBase<SparsifyPass> {
  using SparsifyBase::SparsifyBase;

  void runOnOperation() override {
    SparsifyOptions options{pattern, ratio};
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(sparsify(func, options)))
        return signalPassFailure();
  }
};

} // namespace

FailureOr<std::pair<int64_t, int64_t>>
mica::parseSparsityPattern(StringRef text) {
  auto [n, m] = text.split(':');
  int64_t keep = 0, run = 0;
  if (n.getAsInteger(10, keep) || m.getAsInteger(10, run) || keep < 1 ||
      run < 2 || keep >= run || run > 64)
    return failure();
  return std::make_pair(keep, run);
}

FailureOr<SmallVector<SparseLayer>>
mica::sparsify(func::FuncOp func, const SparsifyOptions &options,
               const ChannelActivity &activity) {
  std::optional<std::pair<int64_t, int64_t>> pattern;
  if (!options.pattern.empty()) {
    FailureOr<std::pair<int64_t, int64_t>> parsed =
        parseSparsityPattern(options.pattern);
    if (failed(parsed))
      return func.emitError("mica-sparsify: pattern '")
             << options.pattern
             << "' is not N:M with 1 <= N < M <= 64 (2:4, 1:4, 4:8, ...)";
    pattern = *parsed;
  }
  if (pattern && options.ratio != 0)
    return func.emitError("mica-sparsify: give either a pattern or a ratio");
  if (!(options.ratio >= 0 && options.ratio < 1))
    return func.emitError("mica-sparsify: ratio ")
           << options.ratio << " is not in [0, 1)";
  SmallVector<SparseLayer> layers;
  if (!pattern && options.ratio == 0)
    return layers;
  // The layers in program order, sparsified or with the reason they stay
  // dense (so that a model that stays dense says why).
  SmallVector<Operation *> candidates;
  func.walk([&](Operation *op) {
    if (isa<ConvOp, FullyConnectedOp, MatmulOp>(op))
      candidates.push_back(op);
  });
  // A weight several layers read (shared blocks) is rewritten once.
  DenseMap<Value, Value> rewritten;
  for (Operation *op : candidates) {
    SparseLayer layer;
    layer.node = getNodeLocInfo(op->getLoc()).node;
    layer.op = op->getName().stripDialect().str();
    std::optional<ContractionWeight> weight = contractionWeight(op);
    if (!weight) {
      Value operand = op->getOperand(1);
      DenseElementsAttr value;
      if (operand.getDefiningOp<DequantizeOp>())
        layer.skipped = "its weight is quantised (QDQ): only float weights "
                        "are sparsified, before quantisation";
      else if (!matchPattern(operand, m_Constant(&value)))
        continue; // a product of two activations (attention)
      else if (!value.getElementType().isF32())
        layer.skipped = "its weight is not f32";
      else if (isa<MatmulOp>(op))
        layer.skipped =
            "its constant weight is batched (rank " +
            std::to_string(cast<ShapedType>(value.getType()).getRank()) + ")";
      else
        layer.skipped = "its bias is not a constant";
      layer.elements = cast<ShapedType>(operand.getType()).getNumElements();
      layers.push_back(std::move(layer));
      continue;
    }
    layer.elements = weight->value.getNumElements();
    auto type = cast<RankedTensorType>(weight->value.getType());
    Value old = op->getOperand(weight->operand);
    if (Value done = rewritten.lookup(old)) {
      op->setOperand(weight->operand, done);
    } else if (pattern &&
               type.getDimSize(weight->reductionAxis) % pattern->second != 0) {
      layer.skipped = llvm::formatv(
          "its reduction axis of {0} is not a multiple of {1}",
          type.getDimSize(weight->reductionAxis), pattern->second);
    } else {
      auto values = weight->value.getValues<float>();
      SmallVector<float> w(values.begin(), values.end());
      SmallVector<double> score;
      layer.data = scoreWeights(*weight, w, activity, score);
      if (pattern)
        applyPattern(w, score, type.getShape(), weight->reductionAxis,
                     pattern->first, pattern->second);
      else
        applyRatio(w, score, options.ratio);
      OpBuilder b(op);
      Value sparse =
          ConstantOp::create(b, old.getLoc(), type,
                             DenseElementsAttr::get(type, ArrayRef<float>(w)));
      op->setOperand(weight->operand, sparse);
      rewritten[old] = sparse;
    }
    DenseElementsAttr now;
    matchPattern(op->getOperand(weight->operand), m_Constant(&now));
    layer.zeros =
        static_cast<int64_t>(std::llround(zeroFraction(now) * layer.elements));
    layers.push_back(std::move(layer));
  }
  for (auto [old, sparse] : rewritten)
    if (old.use_empty())
      old.getDefiningOp()->erase();
  return layers;
}
