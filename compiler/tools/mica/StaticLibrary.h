//===- StaticLibrary.h - `mica compile --emit static-lib` -------*- C++ -*-===//
#ifndef MICA_COMPILER_TOOLS_MICA_STATICLIBRARY_H
#define MICA_COMPILER_TOOLS_MICA_STATICLIBRARY_H

#include "compiler/driver/Compile.h"

#include <string>

namespace mica::cli {

/// Writes an archive at `archivePath` with two members, the kernel object
/// (exporting NAME_main) and a data object holding the artifact without its
/// code segment (NAME_artifact, NAME_artifact_size), and the C header NAME.h
/// beside it, whose NAME_load() opens the model with mica_model_load_linked.
/// Every symbol is NAME-prefixed, so two models link into one program.
bool writeStaticLibrary(const CompileResult &result,
                        const CompileOptions &options,
                        const std::string &archivePath, std::string &error);

} // namespace mica::cli

#endif // MICA_COMPILER_TOOLS_MICA_STATICLIBRARY_H
