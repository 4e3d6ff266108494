//===- OnnxDialect.h - The onnx dialect -------------------------*- C++ -*-===//
#ifndef MICA_DIALECTS_ONNX_IR_ONNXDIALECT_H
#define MICA_DIALECTS_ONNX_IR_ONNXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/onnx/IR/OnnxDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/onnx/IR/OnnxTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/onnx/IR/OnnxGeneratedOps.h.inc"

namespace mica::onnxir {
/// The ONNX operator an op of the onnx dialect mirrors, whatever its version
/// and domain ("Slice" for onnx.Slice and onnx.Slice_v1, "QLinearAdd" for
/// onnx.com.microsoft.QLinearAdd); empty for ops of other dialects (the
/// naming rule is OnnxNaming.h's).
llvm::StringRef getOnnxOpType(mlir::Operation *op);
} // namespace mica::onnxir

#endif // MICA_DIALECTS_ONNX_IR_ONNXDIALECT_H
