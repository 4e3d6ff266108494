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

#endif // MICA_DIALECTS_ONNX_IR_ONNXDIALECT_H
