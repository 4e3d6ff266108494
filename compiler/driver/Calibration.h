//===- Calibration.h - Ranges of float values from sample inputs -*- C++
//-*-===//
//
// The first step of quantisation (stage 3, Pipeline.h): the model is
// compiled a second time, in float, for the host at the shape of one
// calibration item, with every float value the quantizer may need made an
// extra output (a "tap", TapModel.h). The runtime runs it on each item; the
// range of each tap is chosen from the values it took (`--calib-method`,
// passes/quantize/RangeEstimation.h: one pass over the items for minmax, a
// second for the histograms of percentile and mse), rounded outward, and
// attached to the same value of the program being compiled as `mica.range
// = array<f64: lo, hi>`, which mica-quantize-int8 reads, with the tap's key
// as `mica.tap`. After quantisation, LayerSqnr.h runs the same items again
// to measure what the integer layers lost.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_CALIBRATION_H
#define MICA_COMPILER_DRIVER_CALIBRATION_H

#include "compiler/driver/TapModel.h"

#include "mlir/IR/BuiltinOps.h"

namespace mica {

/// What calibration found, kept for the SQNR measurement.
struct Calibration {
  std::vector<ModelInput> inputs;
  std::vector<Sample> samples;
  /// The float builds with every tap, still loaded.
  std::unique_ptr<TapModels> floatModels;
  /// The chosen range of each tap seen.
  std::shared_ptr<const RangeTable> ranges;
};

/// Runs calibration for `options` (its quantize.calibrationDir and method)
/// and attaches the ranges to every function of `program`. Bad calibration
/// data (an empty folder, a wrong dtype or shape, NaN or infinity) is a
/// usage error naming the file.
mlir::FailureOr<std::unique_ptr<Calibration>>
calibrate(mlir::MLIRContext &context, const CompileOptions &options,
          mlir::ModuleOp program, CompileError &error);

/// Sets `mica.range` and `mica.tap` on each value of `program`'s functions
/// whose tap key has a range in `ranges`.
void attachRanges(mlir::ModuleOp program, const RangeTable &ranges);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_CALIBRATION_H
