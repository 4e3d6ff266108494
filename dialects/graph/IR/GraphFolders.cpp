//===- GraphFolders.cpp - Folders of graph ops ----------------------------===//
//
// Constant folding of shape subgraphs (small integer tensors computed by
// shape_of/gather/concat/arithmetic before a reshape) and identity folds.
// Folding is capped at kMaxFoldElements result elements so that weights are
// never duplicated by the folder.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/FoldUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "llvm/ADT/APSInt.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mica::graph;

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Integer elementwise arithmetic and comparisons
//===----------------------------------------------------------------------===//

using IntFn = function_ref<std::optional<APInt>(const APInt &, const APInt &,
                                                bool isUnsigned)>;

static OpFoldResult foldIntBinary(Attribute lhsAttr, Attribute rhsAttr,
                                  Type resultType, IntFn fn) {
  auto lhs = dyn_cast_or_null<DenseIntElementsAttr>(lhsAttr);
  auto rhs = dyn_cast_or_null<DenseIntElementsAttr>(rhsAttr);
  RankedTensorType type = foldableType(resultType);
  if (!lhs || !rhs || !type)
    return {};
  bool isUnsigned = lhs.getElementType().isUnsignedInteger();
  SmallVector<APInt> l(lhs.getValues<APInt>()), r(rhs.getValues<APInt>());
  SmallVector<APInt> values;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    SmallVector<int64_t> index = delinearize(i, type.getShape());
    std::optional<APInt> v =
        fn(l[broadcastSource(index, lhs.getType().getShape())],
           r[broadcastSource(index, rhs.getType().getShape())], isUnsigned);
    if (!v)
      return {};
    values.push_back(*v);
  }
  return DenseElementsAttr::get(type, values);
}

static APInt boolean(bool b) { return APInt(1, b ? 1 : 0); }

/// The float counterpart of foldIntBinary: add/sub/mul/div/max/min of small
/// float constants, in the element type's own precision (IEEE add, sub, mul
/// and div round exactly as the generated code does).
using FloatFn =
    function_ref<std::optional<APFloat>(const APFloat &, const APFloat &)>;

static OpFoldResult foldFloatBinary(Attribute lhsAttr, Attribute rhsAttr,
                                    Type resultType, FloatFn fn) {
  auto lhs = dyn_cast_or_null<DenseFPElementsAttr>(lhsAttr);
  auto rhs = dyn_cast_or_null<DenseFPElementsAttr>(rhsAttr);
  RankedTensorType type = foldableType(resultType);
  if (!lhs || !rhs || !type)
    return {};
  SmallVector<APFloat> l(lhs.getValues<APFloat>()), r(rhs.getValues<APFloat>());
  SmallVector<APFloat> values;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    SmallVector<int64_t> index = delinearize(i, type.getShape());
    std::optional<APFloat> v =
        fn(l[broadcastSource(index, lhs.getType().getShape())],
           r[broadcastSource(index, rhs.getType().getShape())]);
    if (!v)
      return {};
    values.push_back(*v);
  }
  return DenseElementsAttr::get(type, values);
}

/// Folds with the integer function, else with the float one.
static OpFoldResult foldBinary(Attribute lhs, Attribute rhs, Type resultType,
                               IntFn intFn, FloatFn floatFn) {
  if (OpFoldResult folded = foldIntBinary(lhs, rhs, resultType, intFn))
    return folded;
  return foldFloatBinary(lhs, rhs, resultType, floatFn);
}

static std::optional<APFloat> notNaN(APFloat v) {
  return v.isNaN() ? std::nullopt : std::optional<APFloat>(v);
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool) {
        return std::optional<APInt>(a + b);
      },
      [](const APFloat &a, const APFloat &b) { return notNaN(a + b); });
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool) {
        return std::optional<APInt>(a - b);
      },
      [](const APFloat &a, const APFloat &b) { return notNaN(a - b); });
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool) {
        return std::optional<APInt>(a * b);
      },
      [](const APFloat &a, const APFloat &b) { return notNaN(a * b); });
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool u) -> std::optional<APInt> {
        if (b.isZero() || (!u && b.isAllOnes() && a.isMinSignedValue()))
          return std::nullopt;
        return u ? a.udiv(b) : a.sdiv(b);
      },
      [](const APFloat &a, const APFloat &b) { return notNaN(a / b); });
}
/// pow of float constants (a scaling like d^-0.5 that an exporter computed
/// from the shape): in double, rounded once to the element type, so as
/// accurate as the element type allows (a run-time powf may differ by an
/// ulp).
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  return foldFloatBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        APFloat v(std::pow(a.convertToDouble(), b.convertToDouble()));
        bool lost;
        v.convert(a.getSemantics(), APFloat::rmNearestTiesToEven, &lost);
        return notNaN(v);
      });
}

OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  // ONNX Mod with fmod = 0: the remainder takes the divisor's sign.
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool u) -> std::optional<APInt> {
        if (b.isZero() || (!u && b.isAllOnes() && a.isMinSignedValue()))
          return std::nullopt;
        if (u)
          return a.urem(b);
        APInt r = a.srem(b);
        if (!r.isZero() && r.isNegative() != b.isNegative())
          r += b;
        return r;
      });
}
OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool u) {
        return std::optional<APInt>((u ? a.ugt(b) : a.sgt(b)) ? a : b);
      },
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        if (a.isNaN() || b.isNaN())
          return std::nullopt;
        return llvm::maximum(a, b);
      });
}
OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool u) {
        return std::optional<APInt>((u ? a.ult(b) : a.slt(b)) ? a : b);
      },
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        if (a.isNaN() || b.isNaN())
          return std::nullopt;
        return llvm::minimum(a, b);
      });
}
OpFoldResult EqualOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool) {
                         return std::optional<APInt>(boolean(a == b));
                       });
}
OpFoldResult LessOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool u) {
                         return std::optional<APInt>(
                             boolean(u ? a.ult(b) : a.slt(b)));
                       });
}
OpFoldResult LessEqualOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool u) {
                         return std::optional<APInt>(
                             boolean(u ? a.ule(b) : a.sle(b)));
                       });
}
OpFoldResult GreaterOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool u) {
                         return std::optional<APInt>(
                             boolean(u ? a.ugt(b) : a.sgt(b)));
                       });
}
OpFoldResult GreaterEqualOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool u) {
                         return std::optional<APInt>(
                             boolean(u ? a.uge(b) : a.sge(b)));
                       });
}

/// A sign operation (negation, absolute value) on every element of a
/// constant int or float tensor; booleans do not fold.
static OpFoldResult foldSign(Attribute input, Type resultType,
                             function_ref<APInt(const APInt &)> onInt,
                             function_ref<void(APFloat &)> onFloat) {
  RankedTensorType type = foldableType(resultType);
  if (!type || type.getElementType().isInteger(1))
    return {};
  if (auto ints = dyn_cast_or_null<DenseIntElementsAttr>(input)) {
    SmallVector<APInt> values;
    for (const APInt &v : ints.getValues<APInt>())
      values.push_back(onInt(v));
    return DenseElementsAttr::get(type, values);
  }
  if (auto floats = dyn_cast_or_null<DenseFPElementsAttr>(input)) {
    SmallVector<APFloat> values;
    for (APFloat v : floats.getValues<APFloat>()) {
      onFloat(v);
      values.push_back(v);
    }
    return DenseElementsAttr::get(type, values);
  }
  return {};
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  return foldSign(
      adaptor.getInput(), getType(), [](const APInt &v) { return -v; },
      [](APFloat &v) { v.changeSign(); });
}

OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool) {
                         return std::optional<APInt>(a & b);
                       });
}
OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool) {
                         return std::optional<APInt>(a | b);
                       });
}
OpFoldResult XorOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool) {
                         return std::optional<APInt>(a ^ b);
                       });
}

OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(getType());
  auto ints = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getInput());
  if (!type || !ints)
    return {};
  SmallVector<APInt> values;
  for (const APInt &v : ints.getValues<APInt>())
    values.push_back(~v);
  return DenseElementsAttr::get(type, values);
}

OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  bool isUnsigned =
      cast<ShapedType>(getType()).getElementType().isUnsignedInteger();
  return foldSign(
      adaptor.getInput(), getType(),
      [&](const APInt &v) { return isUnsigned ? v : v.abs(); },
      [](APFloat &v) { v.clearSign(); });
}

/// `fn` applied to every element of a constant float tensor.
static OpFoldResult
foldFloatUnary(Attribute input, Type resultType,
               llvm::function_ref<APFloat(const APFloat &)> fn) {
  RankedTensorType type = foldableType(resultType);
  auto floats = dyn_cast_or_null<DenseFPElementsAttr>(input);
  if (!type || !floats)
    return {};
  SmallVector<APFloat> values;
  for (const APFloat &v : floats.getValues<APFloat>())
    values.push_back(fn(v));
  return DenseElementsAttr::get(type, values);
}

OpFoldResult FloorOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(), getType(), [](APFloat v) {
    v.roundToIntegral(APFloat::rmTowardNegative);
    return v;
  });
}

OpFoldResult CeilOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(), getType(), [](APFloat v) {
    v.roundToIntegral(APFloat::rmTowardPositive);
    return v;
  });
}

OpFoldResult ReluOp::fold(FoldAdaptor adaptor) {
  // NaN stays NaN; -0 and negatives become +0.
  return foldFloatUnary(adaptor.getInput(), getType(), [](const APFloat &v) {
    return v.isNegative() && !v.isNaN() ? APFloat::getZero(v.getSemantics())
                                        : v;
  });
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  RankedTensorType type = foldableType(getType());
  auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  if (!dense || !type)
    return {};
  Type fromType = dense.getElementType(), toType = type.getElementType();
  bool isUnsigned = fromType.isUnsignedInteger() || fromType.isInteger(1);
  if (auto input = dyn_cast<DenseIntElementsAttr>(dense)) {
    if (auto to = dyn_cast<IntegerType>(toType)) {
      unsigned width = to.getWidth();
      SmallVector<APInt> values;
      for (const APInt &v : input.getValues<APInt>()) {
        if (width == 1)
          values.push_back(boolean(!v.isZero()));
        else
          values.push_back(isUnsigned ? v.zextOrTrunc(width)
                                      : v.sextOrTrunc(width));
      }
      return DenseElementsAttr::get(type, values);
    }
    auto to = cast<FloatType>(toType);
    SmallVector<APFloat> values;
    for (const APInt &v : input.getValues<APInt>()) {
      APFloat f(to.getFloatSemantics());
      f.convertFromAPInt(v, /*isSigned=*/!isUnsigned,
                         APFloat::rmNearestTiesToEven);
      values.push_back(f);
    }
    return DenseElementsAttr::get(type, values);
  }
  auto input = dyn_cast<DenseFPElementsAttr>(dense);
  if (!input)
    return {};
  if (auto to = dyn_cast<FloatType>(toType)) {
    SmallVector<APFloat> values;
    for (APFloat v : input.getValues<APFloat>()) {
      bool lost;
      v.convert(to.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(v);
    }
    return DenseElementsAttr::get(type, values);
  }
  // Floats to integers truncate toward zero; to bool is `!= 0`. NaN and
  // out-of-range values have no defined result: leave those unfolded.
  auto to = cast<IntegerType>(toType);
  SmallVector<APInt> values;
  for (const APFloat &v : input.getValues<APFloat>()) {
    if (to.getWidth() == 1) {
      values.push_back(boolean(!v.isZero()));
      continue;
    }
    APSInt result(to.getWidth(), to.isUnsigned());
    bool exact;
    if (v.convertToInteger(result, APFloat::rmTowardZero, &exact) &
        APFloat::opInvalidOp)
      return {};
    values.push_back(result);
  }
  return DenseElementsAttr::get(type, values);
}

OpFoldResult QuantizeOp::fold(FoldAdaptor adaptor) {
  // A quantised constant (a QOperator model's constant operand): its
  // integers, computed as the op defines them, in f32 as at run time.
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(adaptor.getInput());
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!dense || !type || !type.hasStaticShape() ||
      !dense.getElementType().isF32())
    return {};
  auto element = cast<IntegerType>(type.getElementType());
  unsigned width = element.getWidth();
  bool isUnsigned = element.isUnsigned();
  double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double hi =
      isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  float scale = static_cast<float>(getScale().convertToDouble());
  double zeroPoint = static_cast<double>(static_cast<int64_t>(getZeroPoint()));
  SmallVector<APInt> values;
  values.reserve(dense.getNumElements());
  for (float v : dense.getValues<float>()) {
    double q = std::nearbyint(static_cast<double>(v / scale)) + zeroPoint;
    // NaN becomes the lowest value, as the lowering's maxnumf makes it.
    q = std::isnan(q) ? lo : std::clamp(q, lo, hi);
    values.push_back(APInt(width,
                           static_cast<uint64_t>(static_cast<int64_t>(q)),
                           /*isSigned=*/!isUnsigned));
  }
  return DenseElementsAttr::get(type, values);
}

OpFoldResult DequantizeOp::fold(FoldAdaptor adaptor) {
  // A quantised weight: its float values, computed as the op defines them.
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getInput());
  auto type = dyn_cast<RankedTensorType>(getType());
  if (!dense || !type || !type.hasStaticShape() ||
      !type.getElementType().isF32())
    return {};
  bool isUnsigned = getElementType(getInput().getType()).isUnsignedInteger();
  float scale = static_cast<float>(getScale().convertToDouble());
  int64_t zeroPoint = static_cast<int64_t>(getZeroPoint());
  SmallVector<float> values;
  values.reserve(dense.getNumElements());
  for (const APInt &v : dense.getValues<APInt>())
    values.push_back(static_cast<float>((isUnsigned ? (int64_t)v.getZExtValue()
                                                    : v.getSExtValue()) -
                                        zeroPoint) *
                     scale);
  return DenseElementsAttr::get(type, ArrayRef<float>(values));
}
