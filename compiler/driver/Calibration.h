//===- Calibration.h - Ranges of float values from sample inputs -*- C++
//-*-===//
//
// The first step of quantisation (stage 3, Pipeline.h): the model is
// compiled a second time, in float, for the host and at the shapes of the
// calibration samples (which need not be the compiled shapes), with every
// float value the quantizer may need made an extra output (a "tap"). The
// runtime runs it on each sample; the range of each tap is attached to the
// same value of the program being compiled as `mica.range = array<f64: lo,
// hi>`, which mica-quantize-int8 reads.
//
// Taps are matched between the two imports by a key that does not depend on
// the input shapes: the ONNX node, the graph op's name and its rank among
// that node's ops of the same name (or the argument's index).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_CALIBRATION_H
#define MICA_COMPILER_DRIVER_CALIBRATION_H

#include "compiler/driver/Compile.h"

#include "mlir/IR/BuiltinOps.h"

namespace mica {

/// Runs calibration for `options` (its quantize.calibrationDir) and
/// attaches the ranges to every function of `program`. Bad calibration data
/// (an empty folder, a wrong dtype or shape, NaN or infinity) is a usage
/// error naming the file.
mlir::LogicalResult calibrate(mlir::MLIRContext &context,
                              const CompileOptions &options,
                              mlir::ModuleOp program, CompileError &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_CALIBRATION_H
