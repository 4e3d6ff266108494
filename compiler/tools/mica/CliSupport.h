//===- CliSupport.h - What every mica command shares ------------*- C++ -*-===//
//
// Exit codes, the one error-line format, shape arguments and atomic output,
// as docs/cli.md specifies them.
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_TOOLS_MICA_CLISUPPORT_H
#define MICA_COMPILER_TOOLS_MICA_CLISUPPORT_H

#include "compiler/onnx/ImportOptions.h"
#include "compiler/support/Version.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <string>

namespace mica::cli {

enum ExitCode : int {
  kOk = 0,
  kError = 1,
  kUsage = 2,
  kUnsupported = 3,
};

/// The version `mica --version` prints and JSON output carries.
constexpr const char *kMicaVersion = MICA_VERSION;
/// Bumped when a JSON output changes incompatibly.
constexpr int kJsonSchemaVersion = 1;

/// Prints `mica: error: MESSAGE` on stderr.
void printError(llvm::StringRef message);

/// Parses `name=1x3x224x224` (a `?` for a symbolic dim). On failure returns
/// false with `error` set.
bool parseInputShape(llvm::StringRef text, InputShape &shape,
                     std::string &error);

/// Routes MLIR diagnostics to stderr in Mica's one-line format for as long as
/// it lives, and remembers whether an error was seen.
class DiagnosticPrinter {
public:
  DiagnosticPrinter(mlir::MLIRContext &context, std::string file);
  ~DiagnosticPrinter();
  bool sawError() const { return errors > 0; }

private:
  mlir::MLIRContext &context;
  std::string file;
  mlir::DiagnosticEngine::HandlerID id;
  int errors = 0;
};

/// Writes the output of a command to `path` ("-" = stdout) only once all of
/// it is known: `write` fills a temporary file that is renamed into place, so
/// a failure never leaves a partial output behind.
bool writeOutput(llvm::StringRef path,
                 const std::function<void(llvm::raw_ostream &)> &write,
                 std::string &error);

/// True when progress lines should be printed (stderr is a terminal, or the
/// user asked with --progress).
bool showProgress();
void setProgressForced(bool forced);
/// Prints `mica: STAGE` on stderr when progress is shown.
void progress(llvm::StringRef stage);

} // namespace mica::cli

#endif // MICA_COMPILER_TOOLS_MICA_CLISUPPORT_H
