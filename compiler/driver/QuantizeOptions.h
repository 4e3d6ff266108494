//===- QuantizeOptions.h - What `mica compile --quantize` asks --*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_QUANTIZEOPTIONS_H
#define MICA_COMPILER_DRIVER_QUANTIZEOPTIONS_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mica {

/// Calibrated [lo, hi] ranges by tap key (TapModel.h).
using RangeTable = std::map<std::string, std::pair<double, double>>;

/// `--quantize` and the calibration options (docs/cli.md).
struct QuantizeOptions {
  /// "" (float) or "w8a8".
  std::string mode;
  /// Folder of calibration samples (.npy / .pb files, or one subfolder per
  /// sample with NAME.npy per input).
  std::string calibrationDir;
  /// How a range is chosen from the observed values: "minmax",
  /// "percentile" or "mse" (passes/quantize/RangeEstimation.h).
  std::string method = "minmax";
  /// For "percentile": the share of the values, in (0, 100], that the range
  /// keeps; each end clips half of the rest.
  double percentile = 99.99;
  /// Samples read (in file-name order); 0 reads all.
  int64_t samples = 0;
  /// ONNX node names or op types that stay float.
  std::vector<std::string> keepFloat;
  /// Ranges chosen already, used instead of calibrating: the build that
  /// measures a compile's SQNR (LayerSqnr.h) quantises with that compile's
  /// ranges.
  std::shared_ptr<const RangeTable> ranges;
};

} // namespace mica

#endif // MICA_COMPILER_DRIVER_QUANTIZEOPTIONS_H
