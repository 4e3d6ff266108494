//===- ContractionWeights.cpp - A layer's constant weight -----------------===//
#include "passes/prune/ContractionWeights.h"

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mica::graph;

std::optional<mica::ContractionWeight> mica::contractionWeight(Operation *op) {
  unsigned operand = 1;
  int64_t rowAxis = 0, reductionAxis = 1;
  Value bias;
  if (auto conv = dyn_cast<ConvOp>(op)) {
    bias = conv.getBias();
  } else if (auto fc = dyn_cast<FullyConnectedOp>(op)) {
    bias = fc.getBias();
  } else if (isa<MatmulOp>(op)) {
    rowAxis = 1;
    reductionAxis = 0;
  } else {
    return std::nullopt;
  }
  DenseElementsAttr value;
  if (!matchPattern(op->getOperand(operand), m_Constant(&value)) ||
      !value.getElementType().isF32() ||
      cast<ShapedType>(value.getType()).getRank() < 2 ||
      (isa<MatmulOp>(op) && cast<ShapedType>(value.getType()).getRank() != 2))
    return std::nullopt;
  DenseElementsAttr biasValue;
  if (bias && !matchPattern(bias, m_Constant(&biasValue)))
    return std::nullopt;
  return ContractionWeight{op, operand, rowAxis, reductionAxis, bias, value};
}
