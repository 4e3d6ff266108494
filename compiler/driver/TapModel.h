//===- TapModel.h - The model run in-process, values as outputs -*- C++ -*-===//
//
// Calibration and the SQNR measurement run the model being compiled on the
// calibration items in this process and read values inside it: the model is
// compiled again for the host (single-threaded, at the shape of one item)
// with those values, "taps", made extra outputs right after normalisation
// (CompileOptions::afterNormalize), and run by the runtime.
//
// A tap is named by a key that does not depend on the input shapes, so that
// builds at different shapes, and the program being compiled, agree on it:
// "arg:INDEX" for a function argument, "NODE|OP|RANK" for an op's result
// (the ONNX node, the graph op's name and its rank among that node's ops of
// the same name).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_TAPMODEL_H
#define MICA_COMPILER_DRIVER_TAPMODEL_H

#include "compiler/driver/CalibrationData.h"
#include "compiler/driver/Compile.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace mica {

/// The values calibration measures in `func`, with their keys: the f32
/// arguments and the single f32 result of each top-level op that is not a
/// constant and that the quantizer may use (the result of an op it can make
/// integer, or an operand of one). Every value would make the calibration
/// build's code far larger: a transformer's norms and softmaxes are dozens
/// of ops each.
std::vector<std::pair<std::string, mlir::Value>>
tapPoints(mlir::func::FuncOp func);

/// Builds of one model at the shapes of calibration items, each with the
/// taps that `select` accepts as extra outputs, compiled on first use and
/// kept loaded for later items and passes.
class TapModels {
public:
  /// `options` says how to compile for the host (model, frozen inputs,
  /// quantisation, progress); the input shapes (of `inputs`) come from each
  /// item. `name` prefixes the builds' progress lines and errors.
  TapModels(mlir::MLIRContext &context, CompileOptions options,
            std::vector<ModelInput> inputs,
            std::function<bool(llvm::StringRef key)> select, std::string name);
  ~TapModels();

  /// Runs item `item` (batch 1) of `sample` through the build for its
  /// shape. A run the runtime refuses is a usage error naming the sample.
  mlir::LogicalResult run(const Sample &sample, int64_t item,
                          CompileError &error);

  /// The taps of the build the last run() used, and their values there.
  size_t numTaps() const;
  llvm::StringRef key(size_t tap) const;
  llvm::ArrayRef<float> values(size_t tap) const;
  std::optional<size_t> find(llvm::StringRef key) const;

private:
  struct Build;
  mlir::FailureOr<Build *> buildFor(const std::vector<std::vector<int64_t>> &,
                                    CompileError &error);

  mlir::MLIRContext &context;
  CompileOptions options;
  std::vector<ModelInput> inputs;
  std::function<bool(llvm::StringRef)> select;
  std::string name;
  std::map<std::vector<std::vector<int64_t>>, std::unique_ptr<Build>> builds;
  Build *current = nullptr;
};

/// Calls `visit` with every item of `samples` in order, and `progress` with
/// "WHAT: K of N items" about ten times on the way.
mlir::LogicalResult forEachItem(
    llvm::ArrayRef<Sample> samples,
    const std::function<void(llvm::StringRef)> &progress, llvm::StringRef what,
    llvm::function_ref<mlir::LogicalResult(const Sample &, int64_t)> visit);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_TAPMODEL_H
