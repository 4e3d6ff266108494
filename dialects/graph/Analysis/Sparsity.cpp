//===- Sparsity.cpp - Weights that are mostly zeros -----------------------===//
#include "dialects/graph/Analysis/Sparsity.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

double mica::graph::zeroFraction(DenseElementsAttr values) {
  int64_t n = values.getNumElements();
  if (!n)
    return 0;
  Type element = values.getElementType();
  if (values.isSplat()) {
    if (isa<FloatType>(element))
      return values.getSplatValue<APFloat>().isZero() ? 1.0 : 0.0;
    return values.getSplatValue<APInt>().isZero() ? 1.0 : 0.0;
  }
  int64_t zeros = 0;
  if (element.isF32()) {
    for (float v : values.getValues<float>())
      zeros += v == 0.0f;
  } else if (isa<FloatType>(element)) {
    for (const APFloat &v : values.getValues<APFloat>())
      zeros += v.isZero();
  } else if (element.isIntOrIndex()) {
    for (const APInt &v : values.getValues<APInt>())
      zeros += v.isZero();
  }
  return static_cast<double>(zeros) / n;
}
