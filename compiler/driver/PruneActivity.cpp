//===- PruneActivity.cpp - Channel activations for data scores ------------===//
#include "compiler/driver/PruneActivity.h"

#include "compiler/driver/CalibrationData.h"
#include "compiler/driver/TapModel.h"
#include "dialects/graph/IR/GraphDialect.h"

#include <cmath>
#include <set>

using namespace mlir;
using namespace mica;

namespace {

/// Whether `value` is read as the input of a contraction.
bool feedsContraction(Value value) {
  return llvm::any_of(value.getUses(), [](OpOperand &use) {
    return use.getOperandNumber() == 0 &&
           isa<graph::ConvOp, graph::ConvTransposeOp, graph::FullyConnectedOp,
               graph::MatmulOp>(use.getOwner());
  });
}

} // namespace

FailureOr<std::shared_ptr<const ActivityTable>>
mica::measureChannelActivity(MLIRContext &context,
                             const CompileOptions &options, func::FuncOp func,
                             CompileError &error) {
  std::set<std::string> keys;
  for (auto &[key, value] : tapPoints(func))
    if (feedsContraction(value))
      keys.insert(key);
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
  auto table = std::make_shared<ActivityTable>();
  int64_t items = 0;
  if (failed(forEachItem(
          *samples, options.progress, "measuring channel activity",
          [&](const Sample &sample, int64_t item) -> LogicalResult {
            if (failed(model.run(sample, item, error)))
              return failure();
            for (size_t t = 0; t < model.numTaps(); ++t) {
              ArrayRef<float> values = model.values(t);
              std::vector<double> &sum = (*table)[model.key(t).str()];
              sum.resize(values.size(), 0.0);
              for (size_t i = 0; i < values.size(); ++i)
                sum[i] += std::fabs(values[i]);
            }
            ++items;
            return success();
          })))
    return failure();
  for (auto &[key, sum] : *table)
    for (double &v : sum)
      v /= std::max<int64_t>(items, 1);
  return std::shared_ptr<const ActivityTable>(std::move(table));
}

ChannelActivity
mica::channelActivity(std::shared_ptr<const ActivityTable> table) {
  return [table](Value value, Atom atom) -> std::optional<SmallVector<double>> {
    auto func = value.getParentRegion()->getParentOfType<func::FuncOp>();
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!func || !type || atom.dim == 0)
      return std::nullopt;
    for (auto &[key, tapped] : tapPoints(func)) {
      if (tapped != value)
        continue;
      auto it = table->find(key);
      if (it == table->end())
        return std::nullopt;
      // One item's layout: the value's dims after the batch.
      int64_t stride = atom.inner;
      for (int64_t d = atom.dim + 1; d < type.getRank(); ++d)
        stride *= type.getDimSize(d);
      SmallVector<double> sum(atom.extent, 0.0);
      SmallVector<int64_t> count(atom.extent, 0);
      for (size_t i = 0; i < it->second.size(); ++i) {
        int64_t c = (static_cast<int64_t>(i) / stride) % atom.extent;
        sum[c] += it->second[i];
        ++count[c];
      }
      for (int64_t c = 0; c < atom.extent; ++c)
        sum[c] = count[c] ? sum[c] / count[c] : 0.0;
      return sum;
    }
    return std::nullopt;
  };
}
