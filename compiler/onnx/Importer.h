//===- Importer.h - ONNX model -> onnx dialect ------------------*- C++ -*-===//
#ifndef MICA_COMPILER_ONNX_IMPORTER_H
#define MICA_COMPILER_ONNX_IMPORTER_H

#include "compiler/onnx/ImportOptions.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace mica {

struct ImportOptions {
  LoadOptions load;
};

/// The outcome of an import: a module, or the kind of failure. Diagnostics
/// (with node locations) have been emitted through the context's handler.
struct ImportResult {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// True when the failure is an unsupported model feature (exit code 3).
  bool unsupported = false;
};

/// Imports the ONNX model at `path` into the onnx dialect: `func.func @main`
/// whose arguments are the graph inputs that are not initializers, whose
/// results are the graph outputs, and whose body mirrors the graph node by
/// node. The context must have the onnx and func dialects loaded.
ImportResult importOnnxModel(mlir::MLIRContext &context,
                             const std::string &path,
                             const ImportOptions &options);

} // namespace mica

#endif // MICA_COMPILER_ONNX_IMPORTER_H
