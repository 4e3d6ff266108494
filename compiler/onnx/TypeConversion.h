//===- TypeConversion.h - ONNX types and tensors -> MLIR --------*- C++ -*-===//
#ifndef MICA_COMPILER_ONNX_TYPECONVERSION_H
#define MICA_COMPILER_ONNX_TYPECONVERSION_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "onnx/onnx_pb.h"

#include <string>

namespace mica {

/// The MLIR element type of an ONNX TensorProto::DataType, or null if Mica
/// does not model it. Signed integers are signless (`i8`), unsigned ones
/// unsigned (`ui8`), bool is `i1`, string is `!onnx.string`.
mlir::Type convertElementType(mlir::MLIRContext *context, int dataType);

/// The MLIR type of an ONNX TypeProto: ranked tensors (unknown dims become
/// `?`), unranked tensors when no shape is known, `!onnx.seq<>` and
/// `!onnx.opt<>`. Null (with `reason` set) for types Mica does not model.
mlir::Type convertType(mlir::MLIRContext *context, const onnx::TypeProto &type,
                       std::string &reason);

/// The constant held by a TensorProto (raw_data or the typed fields). Null,
/// with `reason` set, when the data does not match the declared shape.
mlir::ElementsAttr convertTensor(mlir::MLIRContext *context,
                                 const onnx::TensorProto &tensor,
                                 std::string &reason);

} // namespace mica

#endif // MICA_COMPILER_ONNX_TYPECONVERSION_H
