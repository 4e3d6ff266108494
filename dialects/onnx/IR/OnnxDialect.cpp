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

void OnnxDialect::initialize() {
  registerOnnxDialectOperations(this);
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/onnx/IR/OnnxTypes.cpp.inc"
      >();
}
