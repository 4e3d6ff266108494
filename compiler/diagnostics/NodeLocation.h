//===- NodeLocation.h - ONNX node identity in MLIR locations ----*- C++ -*-===//
//
// Every op the importer creates carries the ONNX node it came from:
//
//   loc("conv1"(fused<"ai.onnx::Conv">["model.onnx":0:0]))
//
// a NameLoc with the node name (unnamed nodes are called `OpType#index`), whose
// child is a FusedLoc tagged with `DOMAIN::OP` around the model file. Passes
// keep these locations on the ops they create, so any diagnostic, from the
// importer or from a pass deep in the pipeline, can be reported in the one
// error-line format of docs/cli.md.
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DIAGNOSTICS_NODELOCATION_H
#define MICA_COMPILER_DIAGNOSTICS_NODELOCATION_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

#include <optional>
#include <string>

namespace mica {

/// Builds the location of an ONNX node. An empty `domain` means the default
/// ONNX domain and is spelled `ai.onnx`.
mlir::Location makeNodeLoc(mlir::MLIRContext *context, llvm::StringRef file,
                           llvm::StringRef nodeName, llvm::StringRef domain,
                           llvm::StringRef opType);

/// Builds the location of an initializer (a weight): like a node location,
/// tagged `initializer` instead of `DOMAIN::OP`.
mlir::Location makeInitializerLoc(mlir::MLIRContext *context,
                                  llvm::StringRef file, llvm::StringRef name);

/// What a location says about the ONNX node it came from.
struct NodeLocInfo {
  std::string file;
  std::string node;        // empty if the location names no node
  std::string domainAndOp; // `ai.onnx::Conv`, empty if unknown
  bool isInitializer = false;
};

/// Extracts the node information from a location built by makeNodeLoc (or one
/// that wraps such a location, e.g. a FusedLoc made by a rewrite).
NodeLocInfo getNodeLocInfo(mlir::Location loc);

/// Formats a diagnostic as Mica's one-line error:
///   `mica: error: FILE: node 'NAME' (DOMAIN::OP): REASON`
/// `fallbackFile` is used when the location names no file.
std::string formatDiagnostic(const mlir::Diagnostic &diag,
                             llvm::StringRef fallbackFile);

} // namespace mica

#endif // MICA_COMPILER_DIAGNOSTICS_NODELOCATION_H
