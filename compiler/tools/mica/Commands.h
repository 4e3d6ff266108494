//===- Commands.h - The subcommands of `mica` -------------------*- C++ -*-===//
#ifndef MICA_COMPILER_TOOLS_MICA_COMMANDS_H
#define MICA_COMPILER_TOOLS_MICA_COMMANDS_H

#include "llvm/Support/CommandLine.h"

namespace mica::cli {

extern llvm::cl::SubCommand importCommand;
extern llvm::cl::OptionCategory importCategory;

/// Runs `mica import` with the options parsed into its SubCommand; returns
/// the process exit code.
int runImport();

extern llvm::cl::SubCommand compileCommand;
extern llvm::cl::OptionCategory compileCategory;
/// Runs `mica compile`.
int runCompile();
/// Fills in --target's help from the target registry (before parsing).
void describeTargets();

} // namespace mica::cli

#endif // MICA_COMPILER_TOOLS_MICA_COMMANDS_H
