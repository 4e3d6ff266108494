//===- DataTypes.h - Element types as the runtime numbers them --*- C++ -*-===//
#ifndef MICA_COMPILER_KERNEL_DATATYPES_H
#define MICA_COMPILER_KERNEL_DATATYPES_H

#include "mlir/IR/Types.h"

#include <cstdint>

namespace mica {

/// The ONNX TensorProto data type of an element type (the numbering of
/// mica_dtype in runtime/include/mica/runtime.h); 0 when there is none.
int32_t onnxDataType(mlir::Type elementType);

} // namespace mica

#endif // MICA_COMPILER_KERNEL_DATATYPES_H
