//===- TypeInference.cpp - Result-type inference helpers ------------------===//
#include "dialects/graph/IR/TypeInference.h"
#include "dialects/graph/IR/ShapeFunctions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace mica::graph {

InFlightDiagnostic emitOptionalOpError(std::optional<Location> location,
                                       StringRef opName) {
  if (!location)
    return InFlightDiagnostic();
  return emitError(*location) << "'" << opName << "' op ";
}

ArrayRef<int64_t> getShape(Type type) {
  if (auto ranked = dyn_cast<RankedTensorType>(type))
    return ranked.getShape();
  return {};
}

Type getElementType(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.getElementType();
  return type;
}

static bool isCompatible(Type lhs, Type rhs) {
  auto l = dyn_cast<RankedTensorType>(lhs);
  auto r = dyn_cast<RankedTensorType>(rhs);
  if (!l || !r)
    return lhs == rhs;
  if (l.getElementType() != r.getElementType() || l.getRank() != r.getRank())
    return false;
  for (auto [a, b] : llvm::zip_equal(l.getShape(), r.getShape()))
    if (a != kDynamic && b != kDynamic && a != b)
      return false;
  return true;
}

bool areCompatibleResultTypes(TypeRange lhs, TypeRange rhs) {
  if (lhs.size() != rhs.size())
    return false;
  for (auto [l, r] : llvm::zip_equal(lhs, rhs))
    if (!isCompatible(l, r))
      return false;
  return true;
}

LogicalResult verifyResultTypes(Operation *op, TypeRange inferred) {
  if (op->getNumResults() != inferred.size())
    return op->emitOpError()
           << "has " << op->getNumResults()
           << " results but its shape function gives " << inferred.size();
  for (auto [index, declared, expected] :
       llvm::enumerate(op->getResultTypes(), inferred)) {
    auto d = dyn_cast<RankedTensorType>(declared);
    auto e = dyn_cast<RankedTensorType>(expected);
    if (!d || !e) {
      if (declared != expected)
        return op->emitOpError() << "result #" << index << " has type "
                                 << declared << " but expected " << expected;
      continue;
    }
    if (d.getElementType() != e.getElementType())
      return op->emitOpError()
             << "result #" << index << " element type " << d.getElementType()
             << " does not match the inferred " << e.getElementType();
    if (d.getRank() != e.getRank())
      return op->emitOpError()
             << "result #" << index << " has rank " << d.getRank()
             << " but the inferred type " << e << " has rank " << e.getRank();
    for (int64_t i = 0; i < d.getRank(); ++i) {
      int64_t a = d.getDimSize(i), b = e.getDimSize(i);
      if (a != kDynamic && b != kDynamic && a != b)
        return op->emitOpError()
               << "result #" << index << " dim " << i << " is " << a
               << " but the shape function infers " << b << " (inferred type "
               << e << ")";
    }
  }
  return success();
}

LogicalResult inferBroadcastTypes(ArrayRef<Type> operands, bool boolResult,
                                  ErrorFn emitError,
                                  SmallVectorImpl<Type> &types) {
  Type elementType = getElementType(operands.front());
  SmallVector<ShapeRef> shapes;
  for (auto [index, type] : llvm::enumerate(operands)) {
    if (getElementType(type) != elementType)
      return emitError() << "operand #" << index << " element type "
                         << getElementType(type) << " differs from "
                         << elementType;
    shapes.push_back(getShape(type));
  }
  FailureOr<Shape> shape = inferBroadcastShape(shapes, emitError);
  if (failed(shape))
    return failure();
  if (boolResult)
    elementType = IntegerType::get(elementType.getContext(), 1);
  types.push_back(RankedTensorType::get(*shape, elementType));
  return success();
}

LogicalResult inferSelectTypes(Type condition, Type trueValue, Type falseValue,
                               ErrorFn emitError,
                               SmallVectorImpl<Type> &types) {
  if (getElementType(trueValue) != getElementType(falseValue))
    return emitError() << "true_value and false_value element types differ ("
                       << getElementType(trueValue) << " vs "
                       << getElementType(falseValue) << ")";
  FailureOr<Shape> shape = inferBroadcastShape(
      {getShape(condition), getShape(trueValue), getShape(falseValue)},
      emitError);
  if (failed(shape))
    return failure();
  types.push_back(RankedTensorType::get(*shape, getElementType(trueValue)));
  return success();
}

LogicalResult inferAxisPreservingTypes(Type input, int64_t axis,
                                       ErrorFn emitError,
                                       SmallVectorImpl<Type> &types) {
  if (failed(normalizeAxis(axis, getShape(input).size(), emitError)))
    return failure();
  types.push_back(input);
  return success();
}

} // namespace mica::graph
