//===- EntryPoints.h - Entry points of a compile, before lowering -*- C++
//-*-===//
//
// What compile() checks and records about each entry point between
// normalisation and lowering: the --entry list, each entry's input shapes,
// ops no lowering handles, and the signature the artifact will carry.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_ENTRYPOINTS_H
#define MICA_COMPILER_DRIVER_ENTRYPOINTS_H

#include "compiler/driver/Compile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mica {

/// Checks the --entry list: names are C identifiers (they become symbol
/// suffixes) and unique.
mlir::LogicalResult checkEntries(llvm::ArrayRef<EntrySpec> entries,
                                 CompileError &error);

/// The input shapes of one entry point: the common ones, overridden by the
/// entry's own.
std::vector<InputShape> entryShapes(const CompileOptions &options,
                                    const EntrySpec &entry);

/// Ops no lowering handles: reports them all as unsupported, at their node
/// (the onnx.Yield of an unconverted If/Loop/Scan body goes with its op);
/// true when there was one.
bool reportUnlowerable(mlir::ModuleOp module);

/// The signature of an entry function (names, element types, shapes and
/// bounds), with the upper bounds of symbolic dimensions attached as
/// `exec.max_shape` for the memory plan. Inputs are marked read-only for
/// bufferization: they are the caller's memory.
mlir::LogicalResult prepareSignature(mlir::func::FuncOp func,
                                     const CompileOptions &options,
                                     artifact::EntryPoint &entry,
                                     CompileError &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_ENTRYPOINTS_H
