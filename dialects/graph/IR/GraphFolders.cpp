//===- GraphFolders.cpp - Folders of graph ops ----------------------------===//
//
// Constant folding of shape subgraphs (small integer tensors computed by
// shape_of/gather/concat/arithmetic before a reshape) and identity folds.
// Folding is capped at kMaxFoldElements result elements so that weights are
// never duplicated by the folder.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/GraphDialect.h"
#include "dialects/graph/IR/FoldUtils.h"


using namespace mlir;
using namespace mica::graph;

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }


/// Row-major multi-index of `linear` in `shape`.
static SmallVector<int64_t> delinearize(int64_t linear, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    index[i] = linear % shape[i];
    linear /= shape[i];
  }
  return index;
}

/// Index into an operand of `operandShape` broadcast to the result index.
static int64_t broadcastSource(ArrayRef<int64_t> resultIndex,
                               ArrayRef<int64_t> operandShape) {
  size_t offset = resultIndex.size() - operandShape.size();
  int64_t linear = 0;
  for (auto [i, d] : llvm::enumerate(operandShape))
    linear = linear * d + (d == 1 ? 0 : resultIndex[i + offset]);
  return linear;
}

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

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool) {
                         return std::optional<APInt>(a + b);
                       });
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool) {
                         return std::optional<APInt>(a - b);
                       });
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool) {
                         return std::optional<APInt>(a * b);
                       });
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APInt &a, const APInt &b, bool u) -> std::optional<APInt> {
        if (b.isZero() || (!u && b.isAllOnes() && a.isMinSignedValue()))
          return std::nullopt;
        return u ? a.udiv(b) : a.sdiv(b);
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
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool u) {
                         return std::optional<APInt>(
                             (u ? a.ugt(b) : a.sgt(b)) ? a : b);
                       });
}
OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldIntBinary(adaptor.getLhs(), adaptor.getRhs(), getType(),
                       [](const APInt &a, const APInt &b, bool u) {
                         return std::optional<APInt>(
                             (u ? a.ult(b) : a.slt(b)) ? a : b);
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

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto input = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getInput());
  RankedTensorType type = foldableType(getType());
  auto to = type ? dyn_cast<IntegerType>(type.getElementType()) : nullptr;
  if (!input || !to)
    return {};
  bool isUnsigned = input.getElementType().isUnsignedInteger() ||
                    input.getElementType().isInteger(1);
  unsigned width = to.getWidth();
  SmallVector<APInt> values;
  for (const APInt &v : input.getValues<APInt>()) {
    if (width == 1)
      values.push_back(boolean(!v.isZero()));
    else
      values.push_back(isUnsigned ? v.zextOrTrunc(width) : v.sextOrTrunc(width));
  }
  return DenseElementsAttr::get(type, values);
}
