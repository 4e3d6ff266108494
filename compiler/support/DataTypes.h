//===- DataTypes.h - Element types as the runtime numbers them --*- C++ -*-===//
#ifndef MICA_COMPILER_SUPPORT_DATATYPES_H
#define MICA_COMPILER_SUPPORT_DATATYPES_H

#include "mlir/IR/Types.h"

#include <cstdint>

namespace mica {

/// The ONNX TensorProto data type of an element type (the numbering of
/// mica_dtype in runtime/include/mica/runtime.h); 0 when there is none.
int32_t onnxDataType(mlir::Type elementType);

/// The name of an ONNX data type number as reports and `mica inspect` print
/// it ("float32", "int8", ...); "unknown" for a number Mica does not use.
/// The compiler's one table (the runtime's is mica_dtype_name).
const char *dataTypeName(int32_t dtype);

} // namespace mica

#endif // MICA_COMPILER_SUPPORT_DATATYPES_H
