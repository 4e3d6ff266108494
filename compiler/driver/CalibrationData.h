//===- CalibrationData.h - The samples calibration runs ---------*- C++ -*-===//
//
// `--calibration DIR` read and checked against the model's inputs
// (docs/cli.md): one file per sample for a one-input model, one subfolder
// per sample with NAME.npy per input otherwise; each sample is a batch of
// items along dim 0, which calibration runs one at a time.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_CALIBRATIONDATA_H
#define MICA_COMPILER_DRIVER_CALIBRATIONDATA_H

#include "compiler/driver/QuantizeOptions.h"
#include "compiler/onnx/TensorFile.h"
#include "compiler/support/ErrorKind.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mica {

/// One calibration sample: a tensor per model input, and where it came from.
struct Sample {
  std::string source;
  std::vector<TensorData> inputs;
};

struct ModelInput {
  std::string name;
  mlir::RankedTensorType type;
};

/// The inputs of an entry function, named as in the model.
std::vector<ModelInput> modelInputs(mlir::func::FuncOp func);

/// The samples of `options.calibrationDir` (the first `options.samples`,
/// in name order), each checked against `inputs` and given their rank. Bad
/// data (an empty folder, a wrong dtype or shape, NaN or infinity) is a
/// usage error naming the file.
mlir::FailureOr<std::vector<Sample>>
readSamples(const QuantizeOptions &options, llvm::ArrayRef<ModelInput> inputs,
            CompileError &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_CALIBRATIONDATA_H
