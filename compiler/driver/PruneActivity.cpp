//===- PruneActivity.cpp - Channel activations for data scores ------------===//
#include "compiler/driver/PruneActivity.h"

#include "compiler/driver/CalibrationData.h"
#include "compiler/driver/TapModel.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <set>

using namespace mlir;
using namespace mica;

namespace {

bool isContraction(Operation *op) {
  return isa<graph::ConvOp, graph::ConvTransposeOp, graph::FullyConnectedOp,
             graph::MatmulOp>(op);
}

/// Runs the dense model of `options` (no pruning or merging) on the
/// calibration items with the values of `func` named by `keys` as taps;
/// `visit` reads them after each item. Returns the number of items.
FailureOr<int64_t>
runDenseTaps(MLIRContext &context, const CompileOptions &options,
             func::FuncOp func, const std::set<std::string> &keys,
             StringRef what, function_ref<void(const TapModels &)> visit,
             CompileError &error) {
  std::vector<ModelInput> inputs = modelInputs(func);
  FailureOr<std::vector<Sample>> samples =
      readSamples(options.quantize, inputs, error);
  if (failed(samples))
    return failure();
  CompileOptions dense;
  dense.modelPath = options.modelPath;
  dense.frozenInputs = options.frozenInputs;
  dense.progress = options.progress;
  TapModels model(
      context, dense, inputs,
      [&](StringRef key) { return keys.count(key.str()) != 0; },
      "pruning's calibration model");
  int64_t items = 0;
  if (failed(
          forEachItem(*samples, options.progress, what,
                      [&](const Sample &sample, int64_t item) -> LogicalResult {
                        if (failed(model.run(sample, item, error)))
                          return failure();
                        visit(model);
                        ++items;
                        return success();
                      })))
    return failure();
  return items;
}

} // namespace

FailureOr<std::shared_ptr<const ActivityTable>>
mica::measureChannelActivity(MLIRContext &context,
                             const CompileOptions &options, func::FuncOp func,
                             CompileError &error) {
  // Each contraction's input, kept under the contraction's own key: the
  // graph pruning sees may compute that input differently (attention formed
  // for its heads) but has the same contractions.
  llvm::DenseMap<Value, std::string> keyOf;
  for (auto &[key, value] : tapPoints(func))
    keyOf[value] = key;
  std::map<std::string, std::vector<std::string>> readers;
  for (Operation &op : func.getBody().front()) {
    if (!isContraction(&op))
      continue;
    auto in = keyOf.find(op.getOperand(0));
    auto out = keyOf.find(op.getResult(0));
    if (in != keyOf.end() && out != keyOf.end())
      readers[in->second].push_back(out->second);
  }
  std::set<std::string> keys;
  for (auto &[key, names] : readers)
    keys.insert(key);
  auto table = std::make_shared<ActivityTable>();
  FailureOr<int64_t> items = runDenseTaps(
      context, options, func, keys, "measuring channel activity",
      [&](const TapModels &model) {
        for (size_t t = 0; t < model.numTaps(); ++t) {
          ArrayRef<float> values = model.values(t);
          for (const std::string &reader : readers[model.key(t).str()]) {
            ActivitySums &sums = (*table)[reader];
            sums.sum.resize(values.size(), 0.0);
            sums.squares.resize(values.size(), 0.0);
            for (size_t i = 0; i < values.size(); ++i) {
              sums.sum[i] += values[i];
              sums.squares[i] += double(values[i]) * values[i];
            }
            ++sums.items;
          }
        }
      },
      error);
  if (failed(items))
    return failure();
  return std::shared_ptr<const ActivityTable>(std::move(table));
}

ChannelActivity
mica::channelActivity(std::shared_ptr<const ActivityTable> table) {
  return [table](Operation *reader, Atom atom) -> std::optional<ChannelStats> {
    auto func = reader->getParentOfType<func::FuncOp>();
    auto type = dyn_cast<RankedTensorType>(reader->getOperand(0).getType());
    if (!func || !type || atom.dim == 0 || reader->getNumResults() != 1)
      return std::nullopt;
    for (auto &[key, tapped] : tapPoints(func)) {
      if (tapped != reader->getResult(0))
        continue;
      auto it = table->find(key);
      if (it == table->end())
        return std::nullopt;
      // One item's layout: the input's dims after the batch.
      int64_t stride = atom.inner;
      for (int64_t d = atom.dim + 1; d < type.getRank(); ++d) {
        if (type.isDynamicDim(d))
          return std::nullopt;
        stride *= type.getDimSize(d);
      }
      const ActivitySums &sums = it->second;
      ChannelStats stats;
      stats.mean.assign(atom.extent, 0.0);
      stats.deviation.assign(atom.extent, 0.0);
      SmallVector<int64_t> count(atom.extent, 0);
      for (size_t i = 0; i < sums.sum.size(); ++i) {
        int64_t c = (static_cast<int64_t>(i) / stride) % atom.extent;
        stats.mean[c] += sums.sum[i];
        stats.deviation[c] += sums.squares[i];
        count[c] += sums.items;
      }
      for (int64_t c = 0; c < atom.extent; ++c) {
        if (!count[c])
          continue;
        stats.mean[c] /= count[c];
        double square = stats.deviation[c] / count[c];
        stats.deviation[c] =
            std::sqrt(std::max(0.0, square - stats.mean[c] * stats.mean[c]));
      }
      return stats;
    }
    return std::nullopt;
  };
}

/// Cosine similarity of two items' values; for tokens ([1, S, E]) the mean
/// over tokens of each token's, as ShortGPT measures hidden states.
static double itemCosine(ArrayRef<float> a, ArrayRef<float> b, int64_t row) {
  if (row <= 0 || a.size() % row != 0)
    row = a.size();
  double total = 0;
  int64_t rows = a.size() / row;
  for (int64_t r = 0; r < rows; ++r) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t i = r * row; i < (r + 1) * row; ++i) {
      ab += double(a[i]) * b[i];
      aa += double(a[i]) * a[i];
      bb += double(b[i]) * b[i];
    }
    total += aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : (aa == bb ? 1 : 0);
  }
  return rows ? total / rows : 1;
}

FailureOr<std::vector<double>> mica::measureBlockInfluence(
    MLIRContext &context, const CompileOptions &options, func::FuncOp func,
    ArrayRef<graph::ResidualBlock> blocks, CompileError &error) {
  llvm::DenseMap<Value, std::string> keyOf;
  for (auto &[key, value] : tapPoints(func))
    keyOf[value] = key;
  std::set<std::string> keys;
  std::vector<std::pair<std::string, std::string>> ends;
  std::vector<int64_t> rows;
  for (const graph::ResidualBlock &block : blocks) {
    auto in = keyOf.find(block.input), out = keyOf.find(block.output);
    if (in == keyOf.end() || out == keyOf.end()) {
      error = {ErrorKind::Unsupported,
               "--remove-blocks: the input or output of residual block " +
                   std::to_string(block.index) + " cannot be measured"};
      return failure();
    }
    keys.insert(in->second);
    keys.insert(out->second);
    ends.push_back({in->second, out->second});
    auto type = cast<RankedTensorType>(block.output.getType());
    rows.push_back(type.getRank() == 3 ? type.getDimSize(2) : 0);
  }
  std::vector<double> influence(blocks.size(), 0.0);
  FailureOr<int64_t> items = runDenseTaps(
      context, options, func, keys, "measuring block influence",
      [&](const TapModels &model) {
        for (size_t b = 0; b < ends.size(); ++b) {
          std::optional<size_t> in = model.find(ends[b].first);
          std::optional<size_t> out = model.find(ends[b].second);
          if (in && out)
            influence[b] += 1.0 - itemCosine(model.values(*in),
                                             model.values(*out), rows[b]);
        }
      },
      error);
  if (failed(items))
    return failure();
  for (double &v : influence)
    v /= std::max<int64_t>(*items, 1);
  return influence;
}

FailureOr<BlockChoice> mica::chooseBlocksToRemove(MLIRContext &context,
                                                  const CompileOptions &options,
                                                  func::FuncOp func,
                                                  double count,
                                                  CompileError &error) {
  BlockChoice choice;
  choice.blocks = graph::findResidualBlocks(func);
  int64_t n = choice.blocks.size();
  int64_t remove = count >= 1 ? static_cast<int64_t>(count)
                              : static_cast<int64_t>(std::llround(count * n));
  if (remove >= n || n == 0) {
    error = {ErrorKind::Usage,
             "--remove-blocks " +
                 llvm::formatv("{0}", llvm::format("%g", count)).str() +
                 ": the model has " + std::to_string(n) +
                 " residual blocks, and at least one must stay"};
    return failure();
  }
  FailureOr<std::vector<double>> influence =
      measureBlockInfluence(context, options, func, choice.blocks, error);
  if (failed(influence))
    return failure();
  choice.influence = std::move(*influence);
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return choice.influence[a] < choice.influence[b];
  });
  choice.removed.assign(order.begin(), order.begin() + remove);
  llvm::sort(choice.removed);
  return choice;
}
