//===- QuantizeOptions.h - What `mica compile --quantize` asks --*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_QUANTIZEOPTIONS_H
#define MICA_COMPILER_DRIVER_QUANTIZEOPTIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace mica {

/// `--quantize` and the calibration options (docs/cli.md).
struct QuantizeOptions {
  /// "" (float) or "w8a8".
  std::string mode;
  /// Folder of calibration samples (.npy / .pb files, or one subfolder per
  /// sample with NAME.npy per input).
  std::string calibrationDir;
  /// How a range is chosen from the observed values: "minmax".
  std::string method = "minmax";
  /// Samples read (in file-name order); 0 reads all.
  int64_t samples = 0;
  /// ONNX node names or op types that stay float.
  std::vector<std::string> keepFloat;
};

} // namespace mica

#endif // MICA_COMPILER_DRIVER_QUANTIZEOPTIONS_H
