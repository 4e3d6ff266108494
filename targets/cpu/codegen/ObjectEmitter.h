//===- ObjectEmitter.h - LLVM-dialect module -> native object --*- C++ -*-===//
//
// Ahead-of-time, in-process code generation for the CPU targets: an
// LLVM-dialect module becomes an ELF64 relocatable object (ET_REL) in memory,
// for Mica's runtime loader to map and relocate. No external compiler,
// assembler or linker is involved.
//
// Contract of the emitted object:
//  - x86-64 or AArch64 ELF64 ET_REL, exactly for the TargetDescription's
//    triple, CPU and feature list (nothing is probed at this point).
//  - Position-independent code (Reloc::PIC_), small code model; every symbol
//    the module defines is dso_local, so references inside the object are
//    PC-relative (x86-64 R_X86_64_PC32, AArch64 ADRP/ADD pairs), and only the
//    calls to undefined functions (malloc, free, libm, memcpy/memset that the
//    optimiser forms) go through PLT-style relocations (R_X86_64_PLT32,
//    R_AARCH64_CALL26) that the loader binds, with a stub if out of range.
//  - Functions are nounwind without unwind tables: no .eh_frame to relocate.
//  - Deterministic: the same module and description give byte-identical
//    bytes; no timestamps, no paths (the LLVM module and its STT_FILE symbol
//    are named "mica").
//
// Numerics: LLVM's O2 pipeline without fast-math. No reassociation (so
// floating-point reductions keep their order and are not vectorised across
// the reduction), no reciprocal or function approximations, no assumptions
// about NaN/Inf. Multiply-adds are contracted into fused multiply-adds by
// default (one rounding instead of two): the results are still identical run
// to run and independent of threads, but they may differ in the last bits
// from an unfused reference and between targets; `fpContract = false`
// reproduces the unfused results.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_CODEGEN_OBJECTEMITTER_H
#define MICA_TARGETS_CPU_CODEGEN_OBJECTEMITTER_H

#include "targets/TargetDescription.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mica {

struct ObjectEmitOptions {
  /// Fuse a * b + c into one fused multiply-add where the target has one.
  bool fpContract = true;
};

/// Translates `llvmDialectModule` (LLVM dialect only) to LLVM IR, optimises it
/// at O2 for `target` and returns the bytes of an ELF relocatable object. On
/// failure, returns failure and `error` holds the reasons (MLIR diagnostics
/// with their locations, LLVM errors); nothing is partially produced.
mlir::FailureOr<std::string> emitObject(mlir::ModuleOp llvmDialectModule,
                                        const TargetDescription &target,
                                        std::string &error);
mlir::FailureOr<std::string> emitObject(mlir::ModuleOp llvmDialectModule,
                                        const TargetDescription &target,
                                        const ObjectEmitOptions &options,
                                        std::string &error);

/// Adds the builtin and LLVM dialect translations to LLVM IR (emitObject also
/// adds them to the module's context itself; tools call this up front).
void registerObjectEmitterTranslations(mlir::DialectRegistry &registry);

} // namespace mica

#endif // MICA_TARGETS_CPU_CODEGEN_OBJECTEMITTER_H
