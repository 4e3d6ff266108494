//===- ExecDialect.cpp - Mica execution dialect ---------------------------===//
#include "dialects/exec/IR/ExecDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
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
  if (std::optional<ElementsAttr> data = getData()) {
    auto type = dyn_cast<RankedTensorType>(data->getType());
    if (!type || type.getRank() != 1 || !type.getElementType().isInteger(8) ||
        type.getDimSize(0) != size)
      return emitOpError("data must be a tensor<")
             << size << "xi8>, got " << data->getType();
  }
  return success();
}

LogicalResult EntryPointOp::verify() {
  ArrayAttr shapes = getInputShapes(), maxShapes = getInputMaxShapes();
  if (shapes.size() != maxShapes.size())
    return emitOpError("has ") << shapes.size() << " input shapes but "
                               << maxShapes.size() << " input bounds";
  for (auto [i, shapeAttr, boundAttr] : llvm::enumerate(shapes, maxShapes)) {
    ArrayRef<int64_t> shape = cast<DenseI64ArrayAttr>(shapeAttr).asArrayRef();
    ArrayRef<int64_t> bound = cast<DenseI64ArrayAttr>(boundAttr).asArrayRef();
    if (shape.size() != bound.size())
      return emitOpError("input ") << i << " has rank " << shape.size()
                                   << " but a bound of rank " << bound.size();
    for (auto [d, size, max] : llvm::enumerate(shape, bound)) {
      if (max < 0 || (!ShapedType::isDynamic(size) && size != max))
        return emitOpError("input ")
               << i << ": bound " << max << " of dimension " << d
               << " does not fit its size";
    }
  }
  if (getOutputMaxShapes().size() != getOutputElemBytes().size())
    return emitOpError("has ")
           << getOutputMaxShapes().size() << " output bounds but "
           << getOutputElemBytes().size() << " element sizes";
  for (int64_t bytes : getOutputElemBytes())
    if (bytes <= 0)
      return emitOpError("output element sizes must be positive");
  for (Attribute attr : getOutputMaxShapes())
    if (llvm::any_of(cast<DenseI64ArrayAttr>(attr).asArrayRef(),
                     [](int64_t d) { return d < 0; }))
      return emitOpError("output bounds must be non-negative");
  if (getArenaSize() < 0 || getIntermediatesSize() < 0)
    return emitOpError("memory plan sizes must be non-negative");
  if (getStepOps().empty())
    return emitOpError("has no step");
  // The trailing index arguments of the function, in group order.
  if (std::optional<ArrayRef<int64_t>> groups = getActiveGroups())
    for (auto [i, g] : llvm::enumerate(*groups))
      if (g < 0 || (i > 0 && g <= (*groups)[i - 1]))
        return emitOpError("active groups must be distinct, non-negative "
                           "and ascending");
  return success();
}

LogicalResult
EntryPointOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  // The bound function is a func.func before the LLVM conversion and an
  // llvm.func after it: any function-like symbol will do.
  Operation *fn = symbolTable.lookupNearestSymbolFrom(*this, getFunctionAttr());
  if (!fn || !fn->hasTrait<OpTrait::IsIsolatedFromAbove>())
    return emitOpError("function '")
           << getFunction() << "' is not a function of this module";
  return success();
}

LogicalResult StepOp::verify() {
  if (getTarget().empty())
    return emitOpError("needs a target");
  if (getKernel().empty())
    return emitOpError("needs a kernel symbol");
  return success();
}

FlatSymbolRefAttr StepOp::getBoundFunction() {
  if (FlatSymbolRefAttr function = getFunctionAttr())
    return function;
  return cast<EntryPointOp>((*this)->getParentOp()).getFunctionAttr();
}

LogicalResult StepOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int streamed = 0;
  for (Attribute ref : getSegments()) {
    auto segment = symbolTable.lookupNearestSymbolFrom<SegmentOp>(
        *this, cast<SymbolRefAttr>(ref));
    if (!segment)
      return emitOpError("segment ") << ref << " is not an exec.segment";
    streamed += segment.getStreamed();
  }
  // The streaming runtime makes one buffer available per step.
  if (streamed > 1)
    return emitOpError("reads ")
           << streamed << " streamed segments; at most one";
  return success();
}

LogicalResult NodeTableOp::verify() {
  if (getNames().size() != getOpTypes().size())
    return emitOpError("has ") << getNames().size() << " names but "
                               << getOpTypes().size() << " op types";
  return success();
}

#define GET_OP_CLASSES
#include "dialects/exec/IR/ExecOps.cpp.inc"
