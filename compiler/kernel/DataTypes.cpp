//===- DataTypes.cpp - Element types as the runtime numbers them ----------===//
#include "compiler/kernel/DataTypes.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

int32_t mica::onnxDataType(Type type) {
  if (type.isF32()) return 1;
  if (type.isF64()) return 11;
  if (type.isF16()) return 10;
  if (type.isBF16()) return 16;
  if (type.isInteger(1)) return 9;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer)
    return 0;
  bool isUnsigned = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 8: return isUnsigned ? 2 : 3;
  case 16: return isUnsigned ? 4 : 5;
  case 32: return isUnsigned ? 12 : 6;
  case 64: return isUnsigned ? 13 : 7;
  default: return 0;
  }
}
