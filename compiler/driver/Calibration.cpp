//===- Calibration.cpp - Ranges of float values from sample inputs --------===//
#include "compiler/driver/Calibration.h"

#include "passes/quantize/Passes.h"
#include "passes/quantize/RangeEstimation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cmath>

using namespace mlir;
using namespace mica;

namespace {

/// Rounds a range outward to 12 significant bits, so that the last-bit
/// differences between hosts' float code (vector widths, FMA) rarely reach
/// the scales: the artifact stays byte-identical across x86 build hosts
/// unless a value lies within an ulp of a grid step.
std::pair<double, double> roundOutward(double lo, double hi) {
  auto round = [](double v, bool up) {
    if (v == 0 || !std::isfinite(v))
      return v;
    int exponent = 0;
    std::frexp(v, &exponent);
    double step = std::ldexp(1.0, exponent - 12);
    return up ? std::ceil(v / step) * step : std::floor(v / step) * step;
  };
  return {round(lo, false), round(hi, true)};
}

std::pair<double, double> chooseRange(const quant::ValueStatistics &stats,
                                      const QuantizeOptions &options) {
  if (options.method == "percentile")
    return stats.percentileRange(options.percentile);
  if (options.method == "mse")
    return stats.mseRange();
  return stats.minmax();
}

} // namespace

FailureOr<std::unique_ptr<Calibration>>
mica::calibrate(MLIRContext &context, const CompileOptions &options,
                ModuleOp program, CompileError &error) {
  func::FuncOp first;
  for (auto func : program.getOps<func::FuncOp>()) {
    first = func;
    break;
  }
  if (!first) {
    error = {ErrorKind::Internal, "internal error: nothing to calibrate"};
    return failure();
  }
  const QuantizeOptions &quantize = options.quantize;
  if (quantize.method != "minmax" && quantize.method != "percentile" &&
      quantize.method != "mse") {
    error = {ErrorKind::Usage, "unknown calibration method '" +
                                   quantize.method +
                                   "'; the methods are minmax, percentile "
                                   "and mse"};
    return failure();
  }
  if (!(quantize.percentile > 0 && quantize.percentile <= 100)) {
    error = {ErrorKind::Usage, "the calibration percentile must be in (0, "
                               "100]"};
    return failure();
  }
  auto calibration = std::make_unique<Calibration>();
  calibration->inputs = modelInputs(first);
  for (const ModelInput &input : calibration->inputs)
    if (!input.type || !input.type.getElementType().isF32()) {
      error = {ErrorKind::Unsupported,
               "calibration feeds float32 inputs only; input '" + input.name +
                   "' is not float32"};
      return failure();
    }
  FailureOr<std::vector<Sample>> samples =
      readSamples(options.quantize, calibration->inputs, error);
  if (failed(samples))
    return failure();
  calibration->samples = std::move(*samples);

  // The float model runs one item (batch 1) at a time: a model may declare
  // a static batch of 1 (and its outputs' shapes with it), and a batch of
  // any size is a sequence of items.
  CompileOptions floatOptions;
  floatOptions.modelPath = options.modelPath;
  floatOptions.frozenInputs = options.frozenInputs;
  floatOptions.progress = options.progress;
  // Merged shapes are what the quantised model computes on.
  floatOptions.prune = options.prune;
  floatOptions.removeBlocks = options.removeBlocks;
  floatOptions.shareBlocks = options.shareBlocks;
  floatOptions.tokenMerge = options.tokenMerge;
  floatOptions.temporalMerge = options.temporalMerge;
  floatOptions.temporalMerge.keepUnmerged = false;
  calibration->floatModels = std::make_unique<TapModels>(
      context, floatOptions, calibration->inputs,
      [](StringRef) { return true; }, "calibration model");
  TapModels &model = *calibration->floatModels;

  std::map<std::string, quant::ValueStatistics> stats;
  auto pass = [&](StringRef what, bool histogram) {
    return forEachItem(
        calibration->samples, options.progress, what,
        [&](const Sample &sample, int64_t item) -> LogicalResult {
          if (failed(model.run(sample, item, error)))
            return failure();
          for (size_t t = 0; t < model.numTaps(); ++t) {
            quant::ValueStatistics &tap = stats[model.key(t).str()];
            histogram ? tap.addToHistogram(model.values(t))
                      : tap.addToRange(model.values(t));
          }
          return success();
        });
  };
  // The histograms' bins span each tap's [min, max], known after a first
  // pass; the second pass counts (RangeEstimation.h).
  if (failed(pass("calibrating", false)) ||
      (options.quantize.method != "minmax" &&
       failed(pass("calibrating histograms", true))))
    return failure();

  auto ranges = std::make_shared<RangeTable>();
  for (auto &[key, tap] : stats) {
    if (tap.empty())
      continue;
    auto [lo, hi] = chooseRange(tap, options.quantize);
    (*ranges)[key] = roundOutward(lo, hi);
  }
  calibration->ranges = ranges;
  attachRanges(program, *ranges);
  return calibration;
}

void mica::attachRanges(ModuleOp program, const RangeTable &ranges) {
  Builder b(program.getContext());
  for (auto func : program.getOps<func::FuncOp>())
    for (auto &[key, value] : tapPoints(func)) {
      auto it = ranges.find(key);
      if (it == ranges.end())
        continue;
      auto range =
          b.getDenseF64ArrayAttr({it->second.first, it->second.second});
      StringAttr tap = b.getStringAttr(key);
      if (auto arg = dyn_cast<BlockArgument>(value)) {
        func.setArgAttr(arg.getArgNumber(), kQuantRangeAttr, range);
        func.setArgAttr(arg.getArgNumber(), kQuantTapAttr, tap);
      } else {
        value.getDefiningOp()->setAttr(kQuantRangeAttr, range);
        value.getDefiningOp()->setAttr(kQuantTapAttr, tap);
      }
    }
}
