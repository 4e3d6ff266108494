//===- GraphOps.cpp - Graph ops without a shape function ------------------===//
//
// The ops whose result element type cannot be inferred (constant, cast,
// quantize) and the attribute-only verifiers; the generated op definitions
// are instantiated here. Shape-inferred ops are in GraphNNOps.cpp and
// GraphShapeOps.cpp, folders in GraphFolders.cpp.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mica::graph;

LogicalResult ClampOp::verify() {
  if (getMin().convertToDouble() > getMax().convertToDouble())
    return emitOpError() << "min (" << getMin().convertToDouble()
                         << ") must not exceed max ("
                         << getMax().convertToDouble() << ")";
  return success();
}

/// Result = input shape with the declared element type.
static LogicalResult verifySameShape(Operation *op, Type input, Type result) {
  return verifyResultTypes(
      op, {RankedTensorType::get(getShape(input), getElementType(result))});
}

LogicalResult CastOp::verify() {
  if (isa<quant::QuantizedType>(getElementType(getInput().getType())) ||
      isa<quant::QuantizedType>(getElementType(getType())))
    return emitOpError() << "does not cast quantized types; use "
                            "graph.quantize or graph.dequantize";
  return verifySameShape(*this, getInput().getType(), getType());
}

LogicalResult QuantizeOp::verify() {
  auto emitError = [&] { return emitOpError(); };
  if (failed(verifyQuantizedTensor(getType(), emitError)))
    return failure();
  auto quantized = cast<quant::QuantizedType>(getElementType(getType()));
  Type inputElement = getElementType(getInput().getType());
  if (quantized.getExpressedType() != inputElement)
    return emitOpError() << "input element type " << inputElement
                         << " is not the expressed type "
                         << quantized.getExpressedType();
  return verifySameShape(*this, getInput().getType(), getType());
}

LogicalResult DequantizeOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                       SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  if (failed(verifyQuantizedTensor(input, emitError)))
    return failure();
  auto quantized = cast<quant::QuantizedType>(getElementType(input));
  types.push_back(
      RankedTensorType::get(getShape(input), quantized.getExpressedType()));
  return success();
}

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.cpp.inc"
