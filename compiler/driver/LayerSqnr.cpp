//===- LayerSqnr.cpp - What quantisation cost, per integer layer ----------===//
#include "compiler/driver/LayerSqnr.h"

#include "passes/quantize/Passes.h"

#include <cmath>
#include <set>

using namespace mlir;
using namespace mica;

FailureOr<std::map<std::string, double>>
mica::measureLayerSqnr(MLIRContext &context, const CompileOptions &options,
                       Calibration &calibration, ModuleOp program,
                       CompileError &error) {
  std::set<std::string> layers;
  program.walk([&](Operation *op) {
    if (auto info = op->getAttrOfType<DictionaryAttr>(kQuantInfoAttr))
      if (auto tap = info.getAs<StringAttr>("tap"))
        layers.insert(tap.str());
  });
  std::map<std::string, double> sqnr;
  if (layers.empty())
    return sqnr;

  CompileOptions quantized;
  quantized.modelPath = options.modelPath;
  quantized.frozenInputs = options.frozenInputs;
  quantized.progress = options.progress;
  quantized.prune = options.prune;
  quantized.removeBlocks = options.removeBlocks;
  quantized.shareBlocks = options.shareBlocks;
  quantized.tokenMerge = options.tokenMerge;
  quantized.temporalMerge = options.temporalMerge;
  quantized.temporalMerge.keepUnmerged = false;
  quantized.quantize.mode = options.quantize.mode;
  quantized.quantize.keepFloat = options.quantize.keepFloat;
  quantized.quantize.ranges = calibration.ranges;
  TapModels model(
      context, quantized, calibration.inputs,
      [&](StringRef key) { return layers.count(key.str()) != 0; },
      "SQNR model");
  TapModels &reference = *calibration.floatModels;
  struct Energy {
    double signal = 0, noise = 0;
  };
  std::map<std::string, Energy> energy;
  if (failed(forEachItem(
          calibration.samples, options.progress, "measuring SQNR",
          [&](const Sample &sample, int64_t item) -> LogicalResult {
            if (failed(reference.run(sample, item, error)) ||
                failed(model.run(sample, item, error)))
              return failure();
            for (size_t t = 0; t < model.numTaps(); ++t) {
              std::optional<size_t> f = reference.find(model.key(t));
              if (!f)
                continue;
              ArrayRef<float> x = reference.values(*f), y = model.values(t);
              if (x.size() != y.size())
                continue;
              Energy &e = energy[model.key(t).str()];
              for (size_t i = 0; i < x.size(); ++i) {
                double d = double(y[i]) - double(x[i]);
                e.signal += double(x[i]) * double(x[i]);
                e.noise += d * d;
              }
            }
            return success();
          })))
    return failure();
  for (auto &[key, e] : energy) {
    double db = 10 * std::log10(e.signal / e.noise);
    sqnr[key] = std::isfinite(db) ? std::round(db * 100) / 100 : db;
  }
  return sqnr;
}
