//===- GraphNNOps.cpp - Type inference of neural-network ops --------------===//
//
// Each inferTypes() checks element types and hands the shapes to the op's
// shape function (ShapeFunctions.h).
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphDialect.h"

#include <cmath>

using namespace mlir;
using namespace mica::graph;

/// The shape of an optional operand, std::nullopt when absent.
static std::optional<ShapeRef> optionalShape(Value value) {
  if (!value)
    return std::nullopt;
  return getShape(value.getType());
}

/// The result element type of a contraction (conv, matmul, dense layer) of
/// `operand`s: 8-bit integers accumulate in i32 (the quantised path; ONNX
/// has no 8-bit contraction of its own), every other type in itself.
static Type accumulatorType(Type operand) {
  if (operand.isInteger(8))
    return IntegerType::get(operand.getContext(), 32);
  return operand;
}

/// Operands that must share the element type of `values[0]`.
static LogicalResult checkSameElementType(ArrayRef<Value> values,
                                          ArrayRef<StringRef> names,
                                          ErrorFn emitError) {
  Type first = getElementType(values[0].getType());
  for (auto [value, name] : llvm::zip(values, names)) {
    if (!value)
      continue;
    Type element = getElementType(value.getType());
    if (element != first)
      return emitError() << name << " element type " << element
                         << " differs from " << first;
  }
  return success();
}

LogicalResult ConvOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                 SmallVectorImpl<Type> &types) {
  Value input = adaptor.getInput();
  if (failed(checkSameElementType({input, adaptor.getWeight()},
                                  {"input", "weight"}, emitError)))
    return failure();
  return addTensorResult(
      inferConvShape(getShape(input.getType()),
                     getShape(adaptor.getWeight().getType()),
                     optionalShape(adaptor.getBias()), adaptor.getStrides(),
                     adaptor.getDilations(), adaptor.getPads(),
                     adaptor.getGroups(), emitError),
      accumulatorType(getElementType(input.getType())), types);
}

LogicalResult ConvTransposeOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                          SmallVectorImpl<Type> &types) {
  Value input = adaptor.getInput();
  if (failed(checkSameElementType({input, adaptor.getWeight()},
                                  {"input", "weight"}, emitError)))
    return failure();
  return addTensorResult(
      inferConvTransposeShape(
          getShape(input.getType()), getShape(adaptor.getWeight().getType()),
          optionalShape(adaptor.getBias()), adaptor.getStrides(),
          adaptor.getDilations(), adaptor.getPads(), adaptor.getOutputPadding(),
          adaptor.getGroups(), emitError),
      getElementType(input.getType()), types);
}

LogicalResult MatmulOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                   SmallVectorImpl<Type> &types) {
  Type lhs = adaptor.getLhs().getType(), rhs = adaptor.getRhs().getType();
  if (getElementType(lhs) != getElementType(rhs))
    return emitError() << "operand element types differ ("
                       << getElementType(lhs) << " vs " << getElementType(rhs)
                       << ")";
  return addTensorResult(
      inferMatmulShape(getShape(lhs), getShape(rhs), emitError),
      accumulatorType(getElementType(lhs)), types);
}

LogicalResult FullyConnectedOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                           SmallVectorImpl<Type> &types) {
  Value input = adaptor.getInput();
  if (failed(checkSameElementType({input, adaptor.getWeight()},
                                  {"input", "weight"}, emitError)))
    return failure();
  return addTensorResult(
      inferFullyConnectedShape(getShape(input.getType()),
                               getShape(adaptor.getWeight().getType()),
                               optionalShape(adaptor.getBias()), emitError),
      accumulatorType(getElementType(input.getType())), types);
}

LogicalResult AttentionOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                      SmallVectorImpl<Type> &types) {
  Value query = adaptor.getQuery();
  if (failed(checkSameElementType({query, adaptor.getKey(), adaptor.getValue()},
                                  {"query", "key", "value"}, emitError)))
    return failure();
  double scale = adaptor.getScale().convertToDouble();
  if (!std::isfinite(scale) || scale == 0)
    return emitError() << "scale must be finite and non-zero, got " << scale;
  return addTensorResult(
      inferAttentionShape(
          getShape(query.getType()), getShape(adaptor.getKey().getType()),
          getShape(adaptor.getValue().getType()),
          optionalShape(adaptor.getMask()), optionalShape(adaptor.getKeyBias()),
          adaptor.getNumHeads(), emitError),
      getElementType(query.getType()), types);
}

/// Norms: every operand shares the input's float element type.
static LogicalResult checkNormOperands(ValueRange operands, ErrorFn emitError) {
  Type first = getElementType(operands[0].getType());
  for (auto [index, value] : llvm::enumerate(operands))
    if (value && getElementType(value.getType()) != first)
      return emitError() << "operand #" << index << " element type "
                         << getElementType(value.getType())
                         << " differs from the input's " << first;
  return success();
}

LogicalResult BatchNormOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                      SmallVectorImpl<Type> &types) {
  if (failed(checkNormOperands(adaptor.getOperands(), emitError)))
    return failure();
  Type input = adaptor.getInput().getType();
  return addTensorResult(
      inferChannelNormShape(getShape(input),
                            {getShape(adaptor.getScale().getType()),
                             getShape(adaptor.getBias().getType()),
                             getShape(adaptor.getMean().getType()),
                             getShape(adaptor.getVariance().getType())},
                            /*minRank=*/2, emitError),
      getElementType(input), types);
}

LogicalResult InstanceNormOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                         SmallVectorImpl<Type> &types) {
  if (failed(checkNormOperands(adaptor.getOperands(), emitError)))
    return failure();
  Type input = adaptor.getInput().getType();
  return addTensorResult(
      inferChannelNormShape(getShape(input),
                            {getShape(adaptor.getScale().getType()),
                             getShape(adaptor.getBias().getType())},
                            /*minRank=*/3, emitError),
      getElementType(input), types);
}

LogicalResult GroupNormOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                      SmallVectorImpl<Type> &types) {
  if (failed(checkNormOperands(adaptor.getOperands(), emitError)))
    return failure();
  Type input = adaptor.getInput().getType();
  return addTensorResult(
      inferGroupNormShape(getShape(input),
                          getShape(adaptor.getScale().getType()),
                          getShape(adaptor.getBias().getType()),
                          adaptor.getNumGroups(), emitError),
      getElementType(input), types);
}

LogicalResult LayerNormOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                      SmallVectorImpl<Type> &types) {
  if (failed(checkNormOperands(adaptor.getOperands(), emitError)))
    return failure();
  Type input = adaptor.getInput().getType();
  return addTensorResult(
      inferLayerNormShape(
          getShape(input), getShape(adaptor.getScale().getType()),
          optionalShape(adaptor.getBias()), adaptor.getAxis(), emitError),
      getElementType(input), types);
}

LogicalResult ResizeOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                   SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return addTensorResult(
      inferResizeShape(getShape(input), adaptor.getScales(), emitError),
      getElementType(input), types);
}

LogicalResult ReduceOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                   SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return addTensorResult(inferReduceShape(getShape(input), adaptor.getAxes(),
                                          adaptor.getKeepdims(), emitError),
                         getElementType(input), types);
}
