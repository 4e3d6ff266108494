//===- PlanToArtifact.h - exec ops + target code -> artifact ----*- C++ -*-===//
//
// The one place that turns a compiled module into an artifact. Everything
// about the execution plan comes from the module's exec ops
// (dialects/exec): constants segments with their bytes, entry points with
// their memory plans and steps, the node table. The compiler driver adds
// what the IR does not hold: each entry point's signature as the user sees
// it (tensor names, element types, shapes) and each target's serialised
// code (one code segment per target, in the order given).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ARTIFACT_PLANTOARTIFACT_H
#define MICA_COMPILER_ARTIFACT_PLANTOARTIFACT_H

#include "compiler/artifact/Artifact.h"
#include "compiler/support/ErrorKind.h"

#include "mlir/IR/BuiltinOps.h"

namespace mica {

/// One target's code: the target as the artifact records it and the bytes
/// of its code segment.
struct TargetCode {
  artifact::Target target;
  std::vector<uint8_t> bytes;
};

/// The artifact of `module` (its exec ops), with `signatures[i]` the
/// signature of the entry point of that name (inputs with shape and bounds,
/// outputs with name, element type and shape; the plan fills in the output
/// bounds, arena, steps) and `code` the code segments. Sets the producer,
/// required features and width groups; the caller adds the compile report.
llvm::FailureOr<artifact::Artifact>
buildArtifact(mlir::ModuleOp module,
              llvm::ArrayRef<artifact::EntryPoint> signatures,
              llvm::ArrayRef<TargetCode> code, CompileError &error);

} // namespace mica

#endif // MICA_COMPILER_ARTIFACT_PLANTOARTIFACT_H
