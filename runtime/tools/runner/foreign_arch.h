//===- foreign_arch.h - Running arm64 artifacts under qemu ------*- C++ -*-===//
//
// `mica run` on an x86-64 machine hands an artifact compiled for AArch64 to
// the arm64 build of this tool under user-mode qemu:
//   qemu-aarch64 -cpu max <dir of this executable>/mica-run-arm64 run ARGS...
// The process is replaced (exec), so output and exit code pass through.
// MICA_RUN_ARM64 and MICA_QEMU_AARCH64 in the environment override where the
// runner and qemu are found.
//===----------------------------------------------------------------------===//
#ifndef MICA_RUNTIME_TOOLS_RUNNER_FOREIGN_ARCH_H
#define MICA_RUNTIME_TOOLS_RUNNER_FOREIGN_ARCH_H

#include <string>

namespace mica::runner {

/// True when code for `triple` ("aarch64-unknown-linux-gnu") cannot run on
/// this machine but can under qemu.
bool needsEmulation(const std::string &triple);

/// Execs the arm64 runner under qemu with `run` and `args` (argv[1..argc) of
/// the run command). Returns only on failure, with `error` set.
void execUnderQemu(int argc, char **argv, std::string &error);

} // namespace mica::runner

#endif // MICA_RUNTIME_TOOLS_RUNNER_FOREIGN_ARCH_H
