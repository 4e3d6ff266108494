//===- CliSupport.cpp - What every mica command shares --------------------===//
#include "CliSupport.h"

#include "compiler/diagnostics/NodeLocation.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

using namespace mica;
using namespace mica::cli;

void cli::printError(llvm::StringRef message) {
  llvm::errs() << "mica: error: " << message << "\n";
}

bool cli::parseInputShape(llvm::StringRef text, InputShape &shape,
                          std::string &error) {
  auto [name, dims] = text.rsplit('=');
  if (name.empty() || dims.empty() || !text.contains('=')) {
    error = "--input-shape expects NAME=DIMS such as input=1x3x224x224, got '" +
            text.str() + "'";
    return false;
  }
  shape.name = name.str();
  shape.dims.clear();
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, 'x');
  for (llvm::StringRef part : parts) {
    if (part == "?") {
      shape.dims.push_back(InputShape::kDynamicDim);
      continue;
    }
    int64_t value;
    if (part.getAsInteger(10, value) || value < 0) {
      error = "--input-shape: '" + part.str() + "' in '" + text.str() +
              "' is not a dimension (a non-negative integer or ?)";
      return false;
    }
    shape.dims.push_back(value);
  }
  return true;
}

DiagnosticPrinter::DiagnosticPrinter(mlir::MLIRContext &context,
                                     std::string file)
    : context(context), file(std::move(file)) {
  id = context.getDiagEngine().registerHandler([this](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      ++errors;
    llvm::errs() << formatDiagnostic(diag, this->file) << "\n";
    for (const mlir::Diagnostic &note : diag.getNotes())
      llvm::errs() << formatDiagnostic(note, this->file) << "\n";
    return mlir::success();
  });
}

DiagnosticPrinter::~DiagnosticPrinter() {
  context.getDiagEngine().eraseHandler(id);
}

bool cli::writeOutput(llvm::StringRef path,
                      const std::function<void(llvm::raw_ostream &)> &write,
                      std::string &error) {
  if (path == "-") {
    write(llvm::outs());
    llvm::outs().flush();
    return true;
  }
  // Devices and pipes (/dev/null, a FIFO) are written in place: renaming a
  // temporary over them would replace the device with a file.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) && llvm::sys::fs::exists(status) &&
      !llvm::sys::fs::is_regular_file(status)) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec) {
      error = "cannot write '" + path.str() + "': " + ec.message();
      return false;
    }
    write(os);
    return true;
  }
  llvm::SmallString<256> temp(path);
  temp += ".tmp-%%%%%%";
  int fd;
  llvm::SmallString<256> tempPath;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(temp, fd, tempPath)) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return false;
  }
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    write(os);
    os.flush();
    if (os.has_error()) {
      error = "cannot write '" + path.str() + "': " + os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(tempPath);
      return false;
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path)) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    llvm::sys::fs::remove(tempPath);
    return false;
  }
  return true;
}

static bool progressForced = false;

void cli::setProgressForced(bool forced) { progressForced = forced; }

bool cli::showProgress() { return progressForced || isatty(STDERR_FILENO); }

void cli::progress(llvm::StringRef stage) {
  if (showProgress())
    llvm::errs() << "mica: " << stage << "\n";
}
