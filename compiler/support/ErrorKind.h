//===- ErrorKind.h - Why a compile failed -----------------------*- C++ -*-===//
//
// Every failure of the compiler library has one of these kinds; the CLI maps
// them to exit codes (docs/cli.md) and never looks at diagnostic text.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_SUPPORT_ERRORKIND_H
#define MICA_COMPILER_SUPPORT_ERRORKIND_H

#include <string>

namespace mica {

enum class ErrorKind {
  /// The request is malformed: an unknown target or feature, options that
  /// contradict each other or the model (exit 1, or 2 for CLI syntax).
  Usage,
  /// The model file is unreadable, truncated or violates the ONNX spec
  /// (exit 1).
  InvalidModel,
  /// A valid model or request uses something Mica does not handle: an op
  /// without a lowering, a type a compiled model cannot pass, a target that
  /// is not implemented (exit 3).
  Unsupported,
  /// A bug: a pass or the code generator failed on input it accepted
  /// (exit 1).
  Internal,
};

/// A failure with its kind and, where no MLIR diagnostic carried it, the
/// message.
struct CompileError {
  ErrorKind kind = ErrorKind::Internal;
  std::string message;
};

} // namespace mica

#endif // MICA_COMPILER_SUPPORT_ERRORKIND_H
