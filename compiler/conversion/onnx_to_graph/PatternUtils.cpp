//===- PatternUtils.cpp - Shared helpers of the onnx -> graph patterns ----===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;

namespace mica::onnx_to_graph {

bool isNone(Value value) { return isa<NoneType>(value.getType()); }

bool isGraphTensor(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return false;
  Type element = ranked.getElementType();
  if (isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(element))
    return true;
  auto integer = dyn_cast<IntegerType>(element);
  if (!integer || integer.isSigned())
    return false;
  unsigned width = integer.getWidth();
  if (integer.isSignless())
    return width == 1 || width == 8 || width == 16 || width == 32 ||
           width == 64;
  return width == 8 || width == 16 || width == 32 || width == 64;
}

RankedTensorType getGraphTensor(Type type) {
  return isGraphTensor(type) ? cast<RankedTensorType>(type)
                             : RankedTensorType();
}

bool hasFloatElements(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && isa<FloatType>(shaped.getElementType());
}

/// Whether `user` accepts a refined type for its operand: onnx ops and
/// graph ops without SameOperandsAndResultType.
static bool acceptsRefinement(Operation *user) {
  StringRef dialect = user->getName().getDialectNamespace();
  return dialect == "onnx" ||
         (dialect == "graph" &&
          !user->hasTrait<OpTrait::SameOperandsAndResultType>());
}

bool usersAcceptRefinement(Value value) {
  return llvm::all_of(value.getUsers(), acceptsRefinement);
}

bool mayRetype(Value result) { return isa<TensorType>(result.getType()); }

bool isConverted(Value value) {
  Operation *def = value.getDefiningOp();
  return !def || def->getName().getDialectNamespace() != "onnx";
}

bool canRetype(Value oldValue, Type newType) {
  if (oldValue.getType() == newType)
    return true;
  if (!isa<TensorType>(newType) || !usersAcceptRefinement(oldValue))
    return false;
  return !isa<RankedTensorType>(oldValue.getType()) ||
         graph::areCompatibleResultTypes(TypeRange(oldValue.getType()),
                                         TypeRange(newType));
}

bool canReplaceWith(Value oldValue, Value newValue) {
  return canRetype(oldValue, newValue.getType());
}

bool isIdentityDropout(Operation *op) {
  // Operands: data, then (opset >= 12) ratio and training_mode.
  if (op->getNumOperands() < 3 || isNone(op->getOperand(2)))
    return true;
  std::optional<SmallVector<int64_t>> training =
      getConstantInts(op->getOperand(2));
  if (!training || training->size() != 1)
    return false;
  if (training->front() == 0)
    return true;
  std::optional<double> ratio = isNone(op->getOperand(1))
                                    ? std::optional<double>(0.5)
                                    : getConstantScalar(op->getOperand(1));
  return ratio && *ratio == 0.0;
}

bool onlyFirstResultUsed(Operation *op) {
  return llvm::all_of(op->getResults().drop_front(),
                      [](Value result) { return result.use_empty(); });
}

/// Replaces the uses of `result` by `value`, whose type may be more
/// precise. Users that check types (func.return, scf.yield, same-type ops)
/// read a tensor.cast back to the old type, the others `value` itself: a
/// value that is also a graph output must not leave the ops that read it
/// with its declared, less precise type (an unranked output would leave a
/// Shape of it unconvertible). RefineGraphTypes later refines function
/// results through such casts.
static void replaceRefining(PatternRewriter &rewriter, Location loc,
                            Value result, Value value) {
  if (canReplaceWith(result, value) ||
      !tensor::CastOp::areCastCompatible(value.getType(), result.getType())) {
    rewriter.replaceAllUsesWith(result, value);
    return;
  }
  auto oldRanked = dyn_cast<RankedTensorType>(result.getType());
  if (!oldRanked || graph::areCompatibleResultTypes(TypeRange(oldRanked),
                                                    TypeRange(value.getType())))
    rewriter.replaceUsesWithIf(result, value, [](OpOperand &use) {
      return acceptsRefinement(use.getOwner());
    });
  if (!result.use_empty())
    rewriter.replaceAllUsesWith(
        result, tensor::CastOp::create(rewriter, loc, result.getType(), value));
}

void replaceFirstResult(PatternRewriter &rewriter, Operation *op, Value value) {
  replaceRefining(rewriter, op->getLoc(), op->getResult(0), value);
  rewriter.eraseOp(op);
}

LogicalResult forwardValue(PatternRewriter &rewriter, Operation *op,
                           Value value) {
  if (!onlyFirstResultUsed(op))
    return rewriter.notifyMatchFailure(op, "secondary outputs are used");
  if (!canStandFor(op->getResult(0), value))
    return rewriter.notifyMatchFailure(
        op, "forwarded value's type differs from the result type");
  SmallVector<Value> values(op->getNumResults(), Value());
  values[0] = value;
  replaceResults(rewriter, op, values);
  return success();
}

bool canStandFor(Value result, Value value) {
  if (canReplaceWith(result, value))
    return true;
  auto from = dyn_cast<RankedTensorType>(value.getType());
  auto to = dyn_cast<TensorType>(result.getType());
  if (!from || !to || from.getElementType() != to.getElementType())
    return false;
  return !to.hasRank() || (to.getRank() == from.getRank() &&
                           succeeded(verifyCompatibleShape(from, to)));
}

void replaceResults(PatternRewriter &rewriter, Operation *op,
                    ValueRange values) {
  for (auto [result, value] : llvm::zip_equal(op->getResults(), values))
    if (value)
      replaceRefining(rewriter, op->getLoc(), result, value);
  rewriter.eraseOp(op);
}

Value createConstant(PatternRewriter &rewriter, Location loc,
                     RankedTensorType type, ArrayRef<double> values) {
  Type element = type.getElementType();
  SmallVector<Attribute> attrs;
  for (double v : values) {
    if (auto floatType = dyn_cast<FloatType>(element))
      attrs.push_back(rewriter.getFloatAttr(floatType, v));
    else if (element.isInteger(1))
      attrs.push_back(rewriter.getBoolAttr(v != 0));
    else
      attrs.push_back(rewriter.getIntegerAttr(
          element, APInt(element.getIntOrFloatBitWidth(),
                         static_cast<uint64_t>(static_cast<int64_t>(v)),
                         /*isSigned=*/true)));
  }
  return graph::ConstantOp::create(rewriter, loc,
                                   DenseElementsAttr::get(type, attrs));
}

std::optional<DenseElementsAttr> getConstantAttr(Value value) {
  // tensor.cast only changes how static the type is, never the value.
  while (auto cast = value.getDefiningOp<tensor::CastOp>())
    value = cast.getSource();
  Attribute attr;
  if (matchPattern(value, m_Constant(&attr)))
    if (auto dense = dyn_cast<DenseElementsAttr>(attr))
      return dense;
  Operation *def = value.getDefiningOp();
  if (!def ||
      !isa<onnxir::ConstantOp, onnxir::Constant_v1Op, onnxir::Constant_v9Op,
           onnxir::Constant_v11Op, onnxir::Constant_v12Op>(def))
    return std::nullopt;
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(def->getAttr("value")))
    return dense;
  return std::nullopt;
}

std::optional<SmallVector<int64_t>> getConstantInts(Value value) {
  std::optional<DenseElementsAttr> attr = getConstantAttr(value);
  if (!attr || !isa<IntegerType>(attr->getElementType()))
    return std::nullopt;
  SmallVector<int64_t> values;
  bool isUnsigned = attr->getElementType().isUnsignedInteger();
  for (const APInt &v : attr->getValues<APInt>())
    values.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                                : v.getSExtValue());
  return values;
}

std::optional<SmallVector<double>> getConstantDoubles(Value value) {
  std::optional<DenseElementsAttr> attr = getConstantAttr(value);
  if (!attr)
    return std::nullopt;
  SmallVector<double> values;
  if (isa<FloatType>(attr->getElementType())) {
    for (const APFloat &v : attr->getValues<APFloat>())
      values.push_back(toDouble(v));
    return values;
  }
  std::optional<SmallVector<int64_t>> ints = getConstantInts(value);
  if (!ints)
    return std::nullopt;
  for (int64_t v : *ints)
    values.push_back(static_cast<double>(v));
  return values;
}

std::optional<double> getConstantScalar(Value value) {
  std::optional<SmallVector<double>> values = getConstantDoubles(value);
  if (!values || values->size() != 1)
    return std::nullopt;
  return values->front();
}

SmallVector<int64_t> getI64s(std::optional<ArrayAttr> attr,
                             ArrayRef<int64_t> defaultValue) {
  if (!attr)
    return SmallVector<int64_t>(defaultValue);
  SmallVector<int64_t> values;
  for (Attribute a : *attr)
    values.push_back(cast<IntegerAttr>(a).getInt());
  return values;
}

SmallVector<double> getF64s(ArrayAttr attr) {
  SmallVector<double> values;
  for (Attribute a : attr)
    values.push_back(toDouble(cast<FloatAttr>(a).getValue()));
  return values;
}

double toDouble(const APFloat &value) {
  if (&value.getSemantics() != &APFloat::IEEEsingle() || !value.isFinite())
    return value.convertToDouble();
  // The shortest decimal that reads back as the same f32.
  float f = value.convertToFloat();
  char text[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, static_cast<double>(f));
    if (std::strtof(text, nullptr) == f)
      break;
  }
  return std::strtod(text, nullptr);
}

FloatAttr getF64Attr(Builder &builder, double value) {
  return builder.getF64FloatAttr(value);
}

Value createScalarConstant(PatternRewriter &rewriter, Location loc,
                           Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute element;
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    element = rewriter.getFloatAttr(floatType, value);
  } else {
    element = rewriter.getIntegerAttr(elementType, static_cast<int64_t>(value));
  }
  return graph::ConstantOp::create(rewriter, loc,
                                   DenseElementsAttr::get(type, element));
}

Value createI64Constant(PatternRewriter &rewriter, Location loc,
                        ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    rewriter.getI64Type());
  return graph::ConstantOp::create(rewriter, loc,
                                   DenseIntElementsAttr::get(type, values));
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

/// The per-dim most precise of two compatible ranked types.
static RankedTensorType join(RankedTensorType a, RankedTensorType b) {
  SmallVector<int64_t> dims;
  for (auto [x, y] : llvm::zip_equal(a.getShape(), b.getShape()))
    dims.push_back(ShapedType::isDynamic(x) ? y : x);
  return a.clone(dims);
}

LogicalResult detail::chooseResultTypes(
    OperationState &state, TypeRange wanted, ArrayRef<bool> refine,
    bool exactTypes,
    function_ref<LogicalResult(OperationState &, SmallVectorImpl<Type> &)>
        infer) {
  SmallVector<Type> inferred;
  if (failed(infer(state, inferred)) || inferred.size() != wanted.size())
    return failure();
  state.types.clear();
  for (auto [want, got, mayRefine] :
       llvm::zip_equal(wanted, inferred, refine)) {
    Type chosen = got;
    auto ranked = dyn_cast_or_null<RankedTensorType>(want);
    auto gotRanked = dyn_cast<RankedTensorType>(got);
    if (ranked && gotRanked) {
      // A declared type that contradicts the inferred one is wrong (as ONNX
      // Runtime, which warns and goes on, treats it): users that re-infer
      // their own types take the inferred type.
      if (!graph::areCompatibleResultTypes(TypeRange(want), TypeRange(got))) {
        if (!mayRefine)
          return failure();
        state.types.push_back(got);
        continue;
      }
      chosen = mayRefine ? join(ranked, gotRanked) : ranked;
      // Exact-type ops (unary) cannot declare anything but the inferred type.
      if (exactTypes && chosen != got)
        return failure();
    } else if (want && !isa<TensorType>(want)) {
      return failure();
    } else if (want && !mayRefine) {
      return failure(); // an unranked result whose users need its type
    }
    if (!isGraphTensor(chosen))
      return failure();
    state.types.push_back(chosen);
  }
  return success();
}

Value sliceAlong(PatternRewriter &rewriter, Location loc, Value v, int64_t axis,
                 int64_t start, int64_t end) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> starts(type.getRank(), 0), steps(type.getRank(), 1);
  SmallVector<int64_t> ends(type.getShape());
  starts[axis] = start;
  ends[axis] = end;
  return createValue<graph::SliceOp>(rewriter, loc, v,
                                     rewriter.getDenseI64ArrayAttr(starts),
                                     rewriter.getDenseI64ArrayAttr(ends),
                                     rewriter.getDenseI64ArrayAttr(steps));
}

} // namespace mica::onnx_to_graph
