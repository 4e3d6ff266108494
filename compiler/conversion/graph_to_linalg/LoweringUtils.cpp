//===- LoweringUtils.cpp - Helpers shared by graph -> linalg lowering -----===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir;

namespace mica::graph_to_linalg {

bool isUnsignedInt(Type type) {
  return getElementTypeOrSelf(type).isUnsignedInteger();
}

Type signlessType(Type type) {
  auto convert = [](Type element) -> Type {
    auto integer = dyn_cast<IntegerType>(element);
    if (!integer || !integer.isUnsigned())
      return element;
    return IntegerType::get(element.getContext(), integer.getWidth());
  };
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.clone(convert(shaped.getElementType()));
  return convert(type);
}

Value castScalarTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return UnrealizedConversionCastOp::create(b, loc, type, value).getResult(0);
}

Value toSignless(OpBuilder &b, Location loc, Value value) {
  return castScalarTo(b, loc, value, signlessType(value.getType()));
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  Type signless = signlessType(type);
  Value constant = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(signless, static_cast<int64_t>(value)));
  return castScalarTo(b, loc, constant, type);
}

static Value extremeValue(OpBuilder &b, Location loc, Type type,
                          bool negative) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(
            type, APFloat::getInf(floatType.getFloatSemantics(), negative)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt bound = negative ? APInt::getSignedMinValue(width)
                         : APInt::getSignedMaxValue(width);
  if (isUnsignedInt(type))
    bound = negative ? APInt::getZero(width) : APInt::getMaxValue(width);
  if (width == 1)
    bound = negative ? APInt(1, 0) : APInt(1, 1);
  Value constant = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(signlessType(type), bound));
  return castScalarTo(b, loc, constant, type);
}

Value greaterOf(OpBuilder &b, Location loc, ValueRange args) {
  Value greater = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                        args[0], args[1]);
  return arith::SelectOp::create(b, loc, greater, args[0], args[1]);
}

Value addScalars(OpBuilder &b, Location loc, ValueRange args) {
  return arith::AddFOp::create(b, loc, args[0], args[1]);
}

Value lowestValue(OpBuilder &b, Location loc, Type type) {
  return extremeValue(b, loc, type, /*negative=*/true);
}

Value highestValue(OpBuilder &b, Location loc, Type type) {
  return extremeValue(b, loc, type, /*negative=*/false);
}

bool isArithmeticType(Type type) {
  if (isa<FloatType>(type))
    return true;
  auto intType = dyn_cast<IntegerType>(type);
  return intType && !intType.isSigned();
}

/// A linalg body builder that hands `body` signless scalars and casts its
/// result back to the output element type.
static void buildSignlessBody(OpBuilder &b, Location loc, ValueRange args,
                              Type resultElement, ScalarFn body) {
  SmallVector<Value> signless;
  for (Value arg : args)
    signless.push_back(toSignless(b, loc, arg));
  Value result = body(b, loc, signless);
  linalg::YieldOp::create(b, loc, castScalarTo(b, loc, result, resultElement));
}

SmallVector<OpFoldResult> getSizes(OpBuilder &b, Location loc, Value value) {
  return tensor::getMixedSizes(b, loc, value);
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dynamic;
  for (auto [i, size] : llvm::enumerate(sizes))
    if (type.isDynamicDim(i))
      dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  return tensor::EmptyOp::create(b, loc, type, dynamic);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = createEmpty(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

SmallVector<utils::IteratorType> parallelIterators(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

AffineMap dropDimsMap(MLIRContext *ctx, unsigned rank,
                      ArrayRef<int64_t> dropped) {
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < rank; ++i)
    if (!llvm::is_contained(dropped, static_cast<int64_t>(i)))
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

AffineMap broadcastMap(RankedTensorType operandType,
                       RankedTensorType resultType) {
  MLIRContext *ctx = resultType.getContext();
  int64_t offset = resultType.getRank() - operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < operandType.getRank(); ++i) {
    int64_t resultDim = resultType.getDimSize(i + offset);
    bool broadcasts = operandType.getDimSize(i) == 1 && resultDim != 1;
    exprs.push_back(broadcasts ? getAffineConstantExpr(0, ctx)
                               : getAffineDimExpr(i + offset, ctx));
  }
  return AffineMap::get(resultType.getRank(), 0, exprs, ctx);
}

SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange operands) {
  SmallVector<OpFoldResult> sizes;
  int64_t rank = resultType.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    OpFoldResult size = b.getIndexAttr(1);
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t dim = i - (rank - type.getRank());
      if (dim < 0 || type.getDimSize(dim) == 1)
        continue;
      size = tensor::getMixedSize(b, loc, operand, dim);
      break;
    }
    sizes.push_back(size);
  }
  return sizes;
}

Value buildMapped(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                  ArrayRef<AffineMap> inputMaps, ScalarFn body) {
  Value init = createEmpty(b, loc, resultType, sizes);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
      parallelIterators(resultType.getRank()),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        buildSignlessBody(nested, nestedLoc, args, resultType.getElementType(),
                          body);
      });
  return generic.getResult(0);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, ScalarFn body,
                       ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> resultSizes(sizes);
  if (resultSizes.empty())
    resultSizes = broadcastSizes(b, loc, resultType, operands);
  SmallVector<AffineMap> maps;
  for (Value operand : operands)
    maps.push_back(
        broadcastMap(cast<RankedTensorType>(operand.getType()), resultType));
  return buildMapped(b, loc, resultType, resultSizes, operands, maps, body);
}

Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> dims, Value init, ValueRange extra,
                     ScalarFn body) {
  auto inputType = cast<RankedTensorType>(input.getType());
  unsigned rank = inputType.getRank();
  SmallVector<OpFoldResult> sizes = getSizes(b, loc, input);
  SmallVector<int64_t> keptShape;
  SmallVector<OpFoldResult> keptSizes;
  SmallVector<utils::IteratorType> iterators;
  for (unsigned i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(dims, static_cast<int64_t>(i));
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (reduced)
      continue;
    keptShape.push_back(inputType.getDimSize(i));
    keptSizes.push_back(sizes[i]);
  }
  auto reducedType = RankedTensorType::get(keptShape, init.getType());
  Value acc = createFilled(b, loc, reducedType, keptSizes, init);

  MLIRContext *ctx = b.getContext();
  AffineMap keptMap = dropDimsMap(ctx, rank, dims);
  SmallVector<Value> inputs{input};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (Value value : extra) {
    inputs.push_back(value);
    maps.push_back(keptMap);
  }
  maps.push_back(keptMap);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{reducedType}, inputs, ValueRange{acc}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        buildSignlessBody(nested, nestedLoc, args, init.getType(), body);
      });
  return generic.getResult(0);
}

Value sizeProduct(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  ArrayRef<int64_t> dims) {
  int64_t staticProduct = 1;
  Value product;
  for (int64_t dim : dims) {
    if (std::optional<int64_t> value = getConstantIntValue(sizes[dim])) {
      staticProduct *= *value;
      continue;
    }
    Value size = cast<Value>(sizes[dim]);
    product = product ? arith::MulIOp::create(b, loc, product, size) : size;
  }
  Value constant = arith::ConstantIndexOp::create(b, loc, staticProduct);
  return product ? arith::MulIOp::create(b, loc, product, constant).getResult()
                 : constant;
}

Value indexToFloat(OpBuilder &b, Location loc, Value index, Type type) {
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

SmallVector<ReassociationIndices> unitDimReassociation(int64_t rank,
                                                       ArrayRef<int64_t> dims) {
  // Every kept dim is grouped with the unit dims just before it; trailing
  // unit dims join the last group; all-unit shapes map to rank 0.
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t i = 0; i < rank; ++i) {
    pending.push_back(i);
    if (!llvm::is_contained(dims, i)) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!pending.empty() && !groups.empty())
    groups.back().append(pending.begin(), pending.end());
  return groups;
}

Value expandReducedDims(OpBuilder &b, Location loc, Value reduced,
                        ArrayRef<int64_t> dims, RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> outputShape;
  SmallVector<OpFoldResult> reducedSizes = getSizes(b, loc, reduced);
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    outputShape.push_back(llvm::is_contained(dims, i) ? b.getIndexAttr(1)
                                                      : reducedSizes[next++]);
  return tensor::ExpandShapeOp::create(b, loc, resultType, reduced,
                                       unitDimReassociation(rank, dims),
                                       outputShape);
}

Value collapseUnitDims(OpBuilder &b, Location loc, Value value,
                       ArrayRef<int64_t> dims, RankedTensorType resultType) {
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  return tensor::CollapseShapeOp::create(b, loc, resultType, value,
                                         unitDimReassociation(rank, dims));
}

OpFoldResult windowOutputSize(OpBuilder &b, Location loc, OpFoldResult in,
                              int64_t kernel, int64_t stride, int64_t dilation,
                              int64_t padBegin, int64_t padEnd) {
  int64_t extent = padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (std::optional<int64_t> size = getConstantIntValue(in))
    return b.getIndexAttr((*size + extent) / stride + 1);
  Value value = cast<Value>(in);
  Value shifted = arith::AddIOp::create(
      b, loc, value, arith::ConstantIndexOp::create(b, loc, extent));
  Value divided = arith::DivSIOp::create(
      b, loc, shifted, arith::ConstantIndexOp::create(b, loc, stride));
  return arith::AddIOp::create(b, loc, divided,
                               arith::ConstantIndexOp::create(b, loc, 1))
      .getResult();
}

/// Pads the spatial dims (2..) of `input` with `value`; `extraEnd` is added to
/// the end pads (pooling in ceil mode).
Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> pads, ArrayRef<int64_t> extraEnd,
                 Value value) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank(), k = rank - 2;
  bool any = false;
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t i = 0; i < k; ++i) {
    low[i + 2] = pads[i];
    high[i + 2] = pads[i + k] + (extraEnd.empty() ? 0 : extraEnd[i]);
    any |= low[i + 2] != 0 || high[i + 2] != 0;
    if (!ShapedType::isDynamic(shape[i + 2]))
      shape[i + 2] += low[i + 2] + high[i + 2];
  }
  if (!any)
    return input;
  auto padType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> lowFold, highFold;
  for (int64_t i = 0; i < rank; ++i) {
    lowFold.push_back(b.getIndexAttr(low[i]));
    highFold.push_back(b.getIndexAttr(high[i]));
  }
  return tensor::PadOp::create(b, loc, padType, input, lowFold, highFold,
                               value);
}

void copyWidthBounds(Operation *from, linalg::LinalgOp to, unsigned channelDim,
                     std::optional<unsigned> kLoop) {
  auto width = from->getAttrOfType<DictionaryAttr>("mica.width");
  if (!width)
    return;
  Builder b(from->getContext());
  SmallVector<Attribute> bounds;
  auto add = [&](StringRef key, unsigned loop) {
    if (auto bound = width.getAs<DenseI64ArrayAttr>(key))
      bounds.push_back(b.getDenseI64ArrayAttr(
          {static_cast<int64_t>(loop), bound[0], bound[1]}));
  };
  add("n", to.getMatchingIndexingMap(to.getDpsInitOperand(0))
               .getDimPosition(channelDim));
  if (kLoop)
    add("k", *kLoop);
  to->setAttr("mica.width", b.getArrayAttr(bounds));
}

} // namespace mica::graph_to_linalg
