//===- GraphOps.cpp - Graph ops without a shape function ------------------===//
//
// The ops whose result element type cannot be inferred (constant, cast,
// quantize, dequantize, rescale) and the attribute-only verifiers; the
// generated op definitions are instantiated here. Shape-inferred ops are in
// GraphNNOps.cpp and GraphShapeOps.cpp, folders in GraphFolders.cpp.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

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
  return verifySameShape(*this, getInput().getType(), getType());
}

std::pair<int64_t, int64_t> mica::graph::getIntegerRange(Type element) {
  auto integer = cast<IntegerType>(element);
  unsigned width = integer.getWidth();
  if (integer.isUnsigned())
    return {0, (int64_t)((uint64_t(1) << width) - 1)};
  return {-(int64_t(1) << (width - 1)), (int64_t(1) << (width - 1)) - 1};
}

/// A zero point must be a value of the integer type it applies to.
static LogicalResult verifyZeroPoint(Operation *op, int64_t zeroPoint,
                                     Type integer, StringRef name) {
  auto [lo, hi] = getIntegerRange(integer);
  if (zeroPoint < lo || zeroPoint > hi)
    return op->emitOpError() << name << " " << zeroPoint
                             << " is outside the range of " << integer;
  return success();
}

static LogicalResult verifyScale(Operation *op, double scale) {
  if (!(scale > 0) || !std::isfinite(scale))
    return op->emitOpError()
           << "scale must be positive and finite, got " << scale;
  return success();
}

LogicalResult QuantizeOp::verify() {
  Type element = getElementType(getType());
  if (failed(verifyScale(*this, getScale().convertToDouble())) ||
      failed(verifyZeroPoint(*this, getZeroPoint(), element, "zero_point")))
    return failure();
  return verifySameShape(*this, getInput().getType(), getType());
}

LogicalResult DequantizeOp::verify() {
  Type element = getElementType(getInput().getType());
  if (failed(verifyScale(*this, getScale().convertToDouble())) ||
      failed(verifyZeroPoint(*this, getZeroPoint(), element, "zero_point")))
    return failure();
  return verifySameShape(*this, getInput().getType(), getType());
}

LogicalResult RescaleOp::verify() {
  ArrayRef<int64_t> multiplier = getMultiplier(), shift = getShift();
  if (multiplier.empty() || multiplier.size() != shift.size())
    return emitOpError() << "needs as many shifts (" << shift.size()
                         << ") as multipliers (" << multiplier.size()
                         << "), at least one";
  for (auto [m, s] : llvm::zip(multiplier, shift)) {
    if (m < 0 || m >= (int64_t(1) << 31))
      return emitOpError() << "multiplier " << m << " is outside [0, 2^31)";
    if (s < 2 || s > 62)
      return emitOpError() << "shift " << s << " is outside [2, 62]";
  }
  auto type = cast<RankedTensorType>(getInput().getType());
  if (multiplier.size() > 1) {
    int64_t axis = getAxis();
    if (axis < 0 || axis >= type.getRank())
      return emitOpError() << "axis " << axis << " is out of range for rank "
                           << type.getRank();
    int64_t dim = type.getDimSize(axis);
    if (!ShapedType::isDynamic(dim) && dim != (int64_t)multiplier.size())
      return emitOpError() << "has " << multiplier.size()
                           << " multipliers but dim " << axis << " is " << dim;
  }
  Type result = getElementType(getType());
  if (failed(verifyZeroPoint(*this, getInputZeroPoint(), type.getElementType(),
                             "input_zero_point")) ||
      failed(verifyZeroPoint(*this, getOutputZeroPoint(), result,
                             "output_zero_point")))
    return failure();
  auto [lo, hi] = getIntegerRange(result);
  if (getLowest() < lo || getHighest() > hi || getLowest() > getHighest())
    return emitOpError() << "clamp [" << getLowest() << ", " << getHighest()
                         << "] is not a non-empty part of " << result
                         << "'s range";
  return verifySameShape(*this, getInput().getType(), getType());
}

LogicalResult TableOp::verify() {
  Type in = getElementType(getInput().getType());
  Type out = getElementType(getType());
  if (!in.isSignlessInteger(8) || !out.isSignlessInteger(8))
    return emitOpError() << "maps i8 to i8, got " << in << " to " << out;
  if (getTable().size() != 256)
    return emitOpError() << "needs 256 entries, got " << getTable().size();
  for (int64_t v : getTable())
    if (v < -128 || v > 127)
      return emitOpError() << "entry " << v << " is not an i8";
  return verifySameShape(*this, getInput().getType(), getType());
}

LogicalResult IntegerSoftmaxOp::verify() {
  Type in = getElementType(getInput().getType());
  Type out = getElementType(getType());
  if (!in.isSignlessInteger(8) || !out.isSignlessInteger(8))
    return emitOpError() << "maps i8 to i8, got " << in << " to " << out;
  for (ArrayRef<int64_t> table : {getExpHigh(), getExpLow()}) {
    if (table.size() != 256)
      return emitOpError() << "needs 256-entry exp tables, got "
                           << table.size();
    for (int64_t v : table)
      if (v < -128 || v > 127)
        return emitOpError() << "exp table entry " << v << " is not an i8";
  }
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  // I64Attr getters return uint64_t: through int64_t for the sign.
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < -rank || axis >= rank)
    return emitOpError() << "axis " << axis << " out of range for rank "
                         << rank;
  return verifySameShape(*this, getInput().getType(), getType());
}

LogicalResult IntegerLayerNormOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  if (!type.getElementType().isSignlessInteger(8) ||
      !getElementType(getType()).isSignlessInteger(8))
    return emitOpError() << "maps i8 to i8";
  if (type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1))
    return emitOpError() << "needs a static last dim";
  int64_t n = type.getShape().back();
  if ((int64_t)getGamma().size() != n || (int64_t)getBeta().size() != n)
    return emitOpError() << "needs one gamma and one beta per element of the "
                            "last dim ("
                         << n << ")";
  return verifySameShape(*this, getInput().getType(), getType());
}

int64_t RescaleOp::getLowest() {
  if (std::optional<int64_t> min = getMin())
    return *min;
  return getIntegerRange(getElementType(getType())).first;
}

std::optional<int64_t> RescaleOp::getExactOffset() {
  constexpr int64_t kOne = int64_t(1) << 30;
  if (getMultiplier() != ArrayRef<int64_t>{kOne} ||
      getShift() != ArrayRef<int64_t>{30})
    return std::nullopt;
  auto [lo, hi] = getIntegerRange(getElementType(getInput().getType()));
  int64_t offset = static_cast<int64_t>(getOutputZeroPoint()) -
                   static_cast<int64_t>(getInputZeroPoint());
  if (lo + offset < getLowest() || hi + offset > getHighest())
    return std::nullopt;
  return offset;
}

int64_t RescaleOp::getHighest() {
  if (std::optional<int64_t> max = getMax())
    return *max;
  return getIntegerRange(getElementType(getType())).second;
}

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.cpp.inc"
