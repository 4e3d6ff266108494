//===- StaticLibrary.h - `mica compile --emit static-lib` -------*- C++ -*-===//
#ifndef MICA_TARGETS_CPU_STATICLIBRARY_H
#define MICA_TARGETS_CPU_STATICLIBRARY_H

#include "targets/Target.h"

namespace mica::cpu {

/// An archive with two members, the kernel object (exporting PREFIX_E for
/// each entry point E) and a data object holding the artifact without its
/// code segment (PREFIX_artifact, PREFIX_artifact_size), and the C header
/// PREFIX.h whose PREFIX_load() opens the model with
/// mica_model_load_linked. Every symbol is PREFIX-prefixed, so two models
/// link into one program.
llvm::FailureOr<StaticLibrary>
packageCpuStaticLibrary(const artifact::Artifact &artifact,
                        const TargetDescription &target, llvm::StringRef prefix,
                        CompileError &error);

} // namespace mica::cpu

#endif // MICA_TARGETS_CPU_STATICLIBRARY_H
