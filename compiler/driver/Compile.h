//===- Compile.h - ONNX model in, .mica artifact out ------------*- C++ -*-===//
//
// The one entry point of the compiler as a library: the CLI (`mica compile`),
// the tests and the Python package all call mica::compile. Errors are
// reported as MLIR diagnostics on the given context (attach a handler to see
// them) or, where no IR carried them, as the result's message; the result's
// error kind decides the CLI's exit code. This header pulls in no libonnx or
// protobuf header.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_COMPILE_H
#define MICA_COMPILER_DRIVER_COMPILE_H

#include "compiler/artifact/Artifact.h"
#include "compiler/driver/PruneRequest.h"
#include "compiler/driver/QuantizeOptions.h"
#include "compiler/driver/TokenMergeRequest.h"
#include "compiler/onnx/ImportOptions.h"
#include "compiler/support/ErrorKind.h"
#include "targets/Target.h"

#include "mlir/IR/MLIRContext.h"

#include <functional>
#include <string>
#include <vector>

namespace mica {

/// One entry point of the artifact: the model compiled at these input
/// shapes (`--entry NAME:INPUT=DIMS,...`), on top of CompileOptions'
/// inputShapes.
struct EntrySpec {
  std::string name;
  std::vector<InputShape> inputShapes;
  /// Token and temporal merging apply (false for the NAME_unmerged entry
  /// points of --keep-unmerged).
  bool merge = true;
};

struct CompileOptions {
  std::string modelPath;
  /// --input-shape: fix or free (-1) input dimensions (every entry point).
  std::vector<InputShape> inputShapes;
  /// --max-shape: upper bounds of symbolic dimensions.
  std::vector<InputShape> maxShapes;
  /// --freeze-input: inputs baked in as constants.
  std::vector<FrozenInput> frozenInputs;
  /// --entry: the entry points; empty means one, `main`, at inputShapes.
  /// Their constants are stored once and shared.
  std::vector<EntrySpec> entries;
  /// Target name (`host`, `arm64`, ...) and extra features (`+dotprod`).
  std::string target = "host";
  std::string cpuFeatures;
  /// The lowering's options (symbol prefix, the .def-declared options).
  LoweringOptions lowering;
  /// --quantize and calibration.
  QuantizeOptions quantize;
  /// --prune (every entry point, the same channels).
  PruneRequest prune;
  /// --sortable-width (every entry point, the same order).
  SortableWidthRequest sortableWidth;
  /// --remove-blocks (every entry point, the same blocks).
  BlockRemovalRequest removeBlocks;
  /// --share-blocks (every entry point).
  BlockSharingRequest shareBlocks;
  /// --token-merge and --temporal-merge (every entry point but the
  /// NAME_unmerged ones).
  TokenMergeRequest tokenMerge;
  TemporalMergeRequest temporalMerge;
  /// Called with a short description of each stage as it starts.
  std::function<void(llvm::StringRef)> progress;
  /// Called with each entry point's function right after stage 2, before
  /// its signature is read (calibration adds its taps as outputs here).
  std::function<void(mlir::Operation *func)> afterNormalize;
};

struct CompileResult {
  bool ok = false;
  /// Why it failed (when !ok); `message` is set when no diagnostic said it.
  CompileError error;
  /// The resolved target (for packaging).
  TargetDescription target;
  /// The artifact's content, before serialisation.
  artifact::Artifact artifact;
  /// The serialised .mica file.
  std::vector<uint8_t> bytes;
  /// Wall time of each stage in milliseconds (not part of the artifact).
  std::vector<std::pair<std::string, double>> stageMillis;
};

CompileResult compile(mlir::MLIRContext &context,
                      const CompileOptions &options);

/// The compiled model as a static library (`--emit static-lib`), from the
/// target that compiled it.
llvm::FailureOr<StaticLibrary>
packageStaticLibrary(const CompileResult &result, const CompileOptions &options,
                     CompileError &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_COMPILE_H
