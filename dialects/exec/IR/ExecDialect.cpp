//===- ExecDialect.cpp - Mica execution dialect ---------------------------===//
#include "dialects/exec/IR/ExecDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mica::exec;

#include "dialects/exec/IR/ExecDialect.cpp.inc"

void ExecDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/exec/IR/ExecOps.cpp.inc"
      >();
}

LogicalResult SegmentOp::verify() {
  // Segments are padded to 64 bytes in the artifact; a negative size can only
  // come from a corrupted or hand-written module.
  int64_t size = getSizeAttr().getInt();
  if (size < 0)
    return emitOpError("size must be non-negative, got ") << size;
  return success();
}

#define GET_OP_CLASSES
#include "dialects/exec/IR/ExecOps.cpp.inc"
