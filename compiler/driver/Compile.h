//===- Compile.h - ONNX model in, .mica artifact out ------------*- C++ -*-===//
//
// The one entry point of the compiler as a library: the CLI (`mica compile`),
// the tests and the Python package all call mica::compile. Errors are
// reported as MLIR diagnostics on the given context (attach a handler to see
// them); the result says whether the failure is an unsupported model feature.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_COMPILE_H
#define MICA_COMPILER_DRIVER_COMPILE_H

#include "compiler/artifact/Artifact.h"
#include "compiler/onnx/ModelLoader.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Types.h"

#include <functional>
#include <string>
#include <vector>

namespace mica {

struct CompileOptions {
  std::string modelPath;
  /// --input-shape: fix or free (-1) input dimensions.
  std::vector<InputShape> inputShapes;
  /// --max-shape: upper bounds of symbolic dimensions.
  std::vector<InputShape> maxShapes;
  /// --freeze-input: inputs baked in as constants.
  std::vector<FrozenInput> frozenInputs;
  /// Target name (`host`, `arm64`) and extra features (`+dotprod,+i8mm`).
  std::string target = "host";
  std::string cpuFeatures;
  /// Prefix of the exported symbols: the kernel is NAME_main.
  std::string name = "mica";
  /// Contract a * b + c into fused multiply-adds (see ObjectEmitter.h).
  bool fpContract = true;
  /// 3x3 convolutions as Winograd F(4x4, 3x3) where it pays (numerics:
  /// docs/numerics.md).
  bool winograd = true;
  /// exp as MLIR's polynomial approximation (docs/numerics.md item 4).
  bool polynomialExp = true;
  /// Called with a short description of each stage as it starts.
  std::function<void(llvm::StringRef)> progress;
};

struct CompileResult {
  bool ok = false;
  /// The failure is an unsupported model feature (CLI exit code 3).
  bool unsupported = false;
  /// The artifact's content, before serialisation (the code segment holds
  /// the object; static-lib packaging reuses the parts).
  artifact::Artifact artifact;
  /// The serialised .mica file.
  std::vector<uint8_t> bytes;
  /// Wall time of each stage in milliseconds (not part of the artifact).
  std::vector<std::pair<std::string, double>> stageMillis;
};

CompileResult compile(mlir::MLIRContext &context,
                      const CompileOptions &options);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_COMPILE_H
