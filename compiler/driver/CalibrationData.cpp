//===- CalibrationData.cpp - The samples calibration runs -----------------===//
#include "compiler/driver/CalibrationData.h"

#include "compiler/support/DataTypes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mica;

namespace {

constexpr int32_t kFloatType = 1; // ONNX TensorProto FLOAT

LogicalResult usage(CompileError &error, const std::string &message) {
  error = {ErrorKind::Usage, message};
  return failure();
}

/// Checks a sample tensor against the model input it feeds and gives it the
/// input's rank (a file without the batch dim gets a leading 1). Only dim 0
/// may differ from the model's static dims.
LogicalResult checkSample(TensorData &tensor, const ModelInput &input,
                          const std::string &path, CompileError &error) {
  // Quantisation feeds float32 inputs only (calibrate() checks); pruning's
  // measurements feed what the input takes (token ids of a language model).
  int32_t expected = onnxDataType(input.type.getElementType());
  if (tensor.dataType != expected)
    return usage(error, "calibration file '" + path + "' holds " +
                            dataTypeName(tensor.dataType) + " data; input '" +
                            input.name + "' is " + dataTypeName(expected));
  int64_t rank = input.type.getRank();
  if ((int64_t)tensor.dims.size() == rank - 1)
    tensor.dims.insert(tensor.dims.begin(), 1);
  auto shapeText = [](ArrayRef<int64_t> dims) {
    std::string text;
    for (int64_t d : dims)
      text += (text.empty() ? "" : "x") +
              (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
    return text;
  };
  bool fits = (int64_t)tensor.dims.size() == rank;
  for (int64_t d = 1; fits && d < rank; ++d)
    fits = input.type.isDynamicDim(d) ||
           input.type.getDimSize(d) == tensor.dims[d];
  if (!fits || tensor.dims.empty() || tensor.dims[0] < 1)
    return usage(error, "calibration file '" + path + "' has shape " +
                            shapeText(tensor.dims) +
                            ", which does not fit input '" + input.name +
                            "' (" + shapeText(input.type.getShape()) +
                            ", any size of dim 0)");
  if (tensor.dataType != kFloatType)
    return success();
  const float *data = reinterpret_cast<const float *>(tensor.bytes.data());
  size_t count = tensor.bytes.size() / sizeof(float);
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(data[i]))
      return usage(error, "calibration file '" + path + "' holds " +
                              (std::isnan(data[i]) ? "NaN" : "infinity") +
                              " (element " + std::to_string(i) + ")");
  return success();
}

/// The regular entries of `dir`, sorted by name.
std::vector<std::string> listDir(const std::string &dir, bool wantDirs) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    bool isDir = llvm::sys::fs::is_directory(it->path());
    StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with("."))
      continue;
    if (wantDirs
            ? isDir
            : (!isDir && (name.ends_with(".npy") || name.ends_with(".pb"))))
      paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

} // namespace

std::vector<ModelInput> mica::modelInputs(func::FuncOp func) {
  std::vector<ModelInput> inputs;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
    inputs.push_back(
        {name ? name.str() : "input_" + std::to_string(i),
         dyn_cast<RankedTensorType>(func.getArgument(i).getType())});
  }
  return inputs;
}

FailureOr<std::vector<Sample>> mica::readSamples(const QuantizeOptions &options,
                                                 ArrayRef<ModelInput> inputs,
                                                 CompileError &error) {
  const std::string &dir = options.calibrationDir;
  if (!llvm::sys::fs::is_directory(dir)) {
    (void)usage(error, "--calibration '" + dir + "' is not a folder");
    return failure();
  }
  std::vector<Sample> samples;
  auto read = [&](const std::string &path, const ModelInput &input,
                  Sample &sample) -> LogicalResult {
    TensorData tensor;
    std::string message;
    if (!readTensorData(path, tensor, message))
      return usage(error, "calibration data: " + message);
    if (failed(checkSample(tensor, input, path, error)))
      return failure();
    sample.inputs.push_back(std::move(tensor));
    return success();
  };
  if (inputs.size() == 1) {
    for (const std::string &path : listDir(dir, /*wantDirs=*/false)) {
      Sample sample{path, {}};
      if (failed(read(path, inputs[0], sample)))
        return failure();
      samples.push_back(std::move(sample));
      if (options.samples > 0 && (int64_t)samples.size() == options.samples)
        break;
    }
  } else {
    for (const std::string &folder : listDir(dir, /*wantDirs=*/true)) {
      Sample sample{folder, {}};
      for (const ModelInput &input : inputs) {
        std::string path;
        for (const char *ext : {".npy", ".pb"}) {
          SmallString<256> candidate(folder);
          llvm::sys::path::append(candidate, input.name + ext);
          if (llvm::sys::fs::exists(candidate))
            path = candidate.str().str();
        }
        if (path.empty()) {
          (void)usage(error, "calibration sample '" + folder + "' has no " +
                                 input.name + ".npy (or .pb) for input '" +
                                 input.name + "'");
          return failure();
        }
        if (failed(read(path, input, sample)))
          return failure();
      }
      int64_t batch = sample.inputs[0].dims[0];
      for (size_t i = 1; i < sample.inputs.size(); ++i)
        if (sample.inputs[i].dims[0] != batch) {
          (void)usage(error, "calibration sample '" + folder +
                                 "' has different batch sizes per input");
          return failure();
        }
      samples.push_back(std::move(sample));
      if (options.samples > 0 && (int64_t)samples.size() == options.samples)
        break;
    }
  }
  if (samples.empty()) {
    (void)usage(error,
                "--calibration '" + dir + "' holds no sample (" +
                    (inputs.size() == 1
                         ? std::string(".npy or .pb files expected")
                         : "one subfolder per sample with NAME.npy per input "
                           "expected") +
                    ")");
    return failure();
  }
  return samples;
}
