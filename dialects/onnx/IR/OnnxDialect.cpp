//===- OnnxDialect.cpp - The onnx dialect ---------------------------------===//
//
// The op definitions themselves are generated and compiled in shards
// (OnnxOpsShard*.cpp in the build tree); this file holds the dialect and its
// types.
//===----------------------------------------------------------------------===//
#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mica::onnxir;

#include "dialects/onnx/IR/OnnxDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/onnx/IR/OnnxTypes.cpp.inc"

llvm::StringRef mica::onnxir::getOnnxOpType(Operation *op) {
  if (!op->getDialect() || !isa<OnnxDialect>(op->getDialect()))
    return {};
  llvm::StringRef name = op->getName().stripDialect();
  // `com.microsoft.QLinearAdd`: the domain prefix is not part of the type.
  name = name.substr(name.rfind('.') + 1);
  size_t pos = name.rfind("_v");
  int version = 0;
  if (pos != llvm::StringRef::npos &&
      !name.substr(pos + 2).getAsInteger(10, version))
    return name.take_front(pos);
  return name;
}

void OnnxDialect::initialize() {
  registerOnnxDialectOperations(this);
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/onnx/IR/OnnxTypes.cpp.inc"
      >();
}
