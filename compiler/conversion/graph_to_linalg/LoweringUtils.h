//===- LoweringUtils.h - Helpers shared by graph -> linalg lowering -*- C++
//-*-===//
//
// Building blocks every op family uses: tensor sizes as OpFoldResults, typed
// scalar constants, `tensor.empty` + `linalg.fill`, numpy-broadcasting
// elementwise `linalg.generic`s and reductions over a set of dims.
//
// Contracts shared by all lowerings:
//  * A `?` dim against a static 1 broadcasts; a `?` against a `?` is assumed
//    equal (no runtime broadcasting of a `?` that turns out to be 1).
//  * Reductions run in the order of the loop nest that linalg emits, with f32
//    (the element type) accumulation and no reassociation, so results do not
//    depend on any thread count.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_CONVERSION_GRAPH_TO_LINALG_LOWERINGUTILS_H
#define MICA_COMPILER_CONVERSION_GRAPH_TO_LINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"

namespace mica::graph_to_linalg {

/// Computes one scalar of a generic's body from the block arguments.
using ScalarFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// An ONNX axis attribute (read back as uint64_t by ODS) in [0, rank).
inline int64_t normalizedAxis(uint64_t axis, int64_t rank) {
  auto value = static_cast<int64_t>(axis);
  return value < 0 ? value + rank : value;
}

// Unsigned integers (ui8 ... ui64) stay in tensor types through the
// lowering; arith works on signless integers only, so scalars are moved to
// the signless type of the same width (an unrealized_conversion_cast) where
// they enter a linalg body and back where they leave it, and the patterns
// pick the unsigned arith op (divui, maxui, cmpi ult, uitofp, ...) from the
// graph op's types. At the end of the conversion every unsigned type is
// rewritten to its signless twin (SignlessIntegers.cpp), which makes those
// casts identities.

/// Whether `type` (a scalar or the element type of a shaped type) is an
/// unsigned integer.
bool isUnsignedInt(mlir::Type type);
/// `type` with an unsigned integer (element) type made signless.
mlir::Type signlessType(mlir::Type type);
/// `value` as its signless type, or as `type` (same width), through an
/// unrealized_conversion_cast when the types differ.
mlir::Value toSignless(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value value);
mlir::Value castScalarTo(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value value, mlir::Type type);

/// A float or integer constant of scalar type `type` (an unsigned `type`
/// gets a signless constant cast to it).
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);
/// The lowest / highest value of `type` (-inf / +inf for floats, 0 / max for
/// unsigned integers).
mlir::Value lowestValue(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Type type);
mlir::Value highestValue(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type);

/// True for element types the arithmetic lowerings handle: floats, signless
/// and unsigned integers (quantised types are not).
bool isArithmeticType(mlir::Type type);

/// Removes every unsigned integer type from `module` (values, block
/// arguments, function types, constants), replacing it by the signless type
/// of the same width, and drops the casts that became identities.
void convertUnsignedToSignless(mlir::Operation *module);

/// The sizes of a ranked tensor value (constants where static).
llvm::SmallVector<mlir::OpFoldResult>
getSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// `tensor.empty` of `type`; `sizes` gives every dim, only the dynamic ones
/// of `type` are read.
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);
/// `createEmpty` filled with `value` (a scalar of the element type).
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value value);

/// `value` as `type` through `tensor.cast` when the two differ only in how
/// static their dims are; `value` itself when the types are equal.
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                   mlir::Type type);

/// `n` parallel iterators.
llvm::SmallVector<mlir::utils::IteratorType> parallelIterators(unsigned n);

/// The identity map of rank `rank` with the dims in `dropped` removed from the
/// results (to index a reduced tensor inside the full iteration space).
mlir::AffineMap dropDimsMap(mlir::MLIRContext *ctx, unsigned rank,
                            llvm::ArrayRef<int64_t> dropped);
/// The map that reads `operand` (rank <= `resultRank`, aligned from the right)
/// broadcast numpy-style into a `resultType` iteration space.
mlir::AffineMap broadcastMap(mlir::RankedTensorType operandType,
                             mlir::RankedTensorType resultType);

/// Numpy-broadcast result sizes of `operands` for `resultType`.
llvm::SmallVector<mlir::OpFoldResult>
broadcastSizes(mlir::OpBuilder &b, mlir::Location loc,
               mlir::RankedTensorType resultType, mlir::ValueRange operands);

/// A `linalg.generic` that computes `body` elementwise over `resultType`
/// with every operand broadcast numpy-style. `sizes` (one per result dim)
/// overrides the sizes computed from the operands.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange operands, ScalarFn body,
                             llvm::ArrayRef<mlir::OpFoldResult> sizes = {});

/// A `linalg.generic` over any iteration space: inputs with their maps, one
/// output of `resultType` (identity map), all loops parallel.
mlir::Value buildMapped(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        mlir::ValueRange inputs,
                        llvm::ArrayRef<mlir::AffineMap> inputMaps,
                        ScalarFn body);

/// Reduces `input` over the sorted `dims` into a tensor of the remaining dims
/// initialised with `init`. `extra` inputs are indexed by the remaining dims
/// (broadcast along the reduced ones). `body` gets (input element, extra
/// elements..., accumulator) and returns the new accumulator.
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value input, llvm::ArrayRef<int64_t> dims,
                           mlir::Value init, mlir::ValueRange extra,
                           ScalarFn body);

/// Softmax's row statistics as reduction bodies (args: element, accumulator),
/// shared by the softmax and the fused attention lowerings so that both
/// compute the same bits. `greaterOf` is `x > m ? x : m` (one vmaxps on x86,
/// where NaN-propagating arith.maximumf compares and blends per element); a
/// NaN is skipped there but still reaches its row through exp and the sum.
mlir::Value greaterOf(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::ValueRange args);
mlir::Value addScalars(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::ValueRange args);

/// The product of `sizes` at `dims` as an index value.
mlir::Value sizeProduct(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        llvm::ArrayRef<int64_t> dims);
/// An index value converted to the float type `type`.
mlir::Value indexToFloat(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value index, mlir::Type type);

/// Re-inserts size-1 dims at the sorted positions `dims` of a rank
/// `fullRank` shape with `tensor.expand_shape` (keepdims of reductions).
mlir::Value expandReducedDims(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value reduced, llvm::ArrayRef<int64_t> dims,
                              mlir::RankedTensorType resultType);

/// The reverse: removes the size-1 dims at `dims` with tensor.collapse_shape.
mlir::Value collapseUnitDims(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value value, llvm::ArrayRef<int64_t> dims,
                             mlir::RankedTensorType resultType);
/// The reassociation shared by the two: each kept dim with its unit dims.
llvm::SmallVector<mlir::ReassociationIndices>
unitDimReassociation(int64_t rank, llvm::ArrayRef<int64_t> dims);

/// Output size of a sliding window: floor((in + pb + pe - d*(k-1) - 1)/s)+1.
mlir::OpFoldResult windowOutputSize(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::OpFoldResult in, int64_t kernel,
                                    int64_t stride, int64_t dilation,
                                    int64_t padBegin, int64_t padEnd);

/// Pads the spatial dims (2..) of an [N, C, spatial...] tensor with `value`
/// (ONNX `pads` order); `extraEnd` (empty or one per spatial dim) is added to
/// the end pads. Returns `input` itself when nothing is padded.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> pads,
                       llvm::ArrayRef<int64_t> extraEnd, mlir::Value value);

// --- Pattern population, one function per op family -------------------------
/// `FloatOp(x, y)` on floats, `IntOp(x, y)` on (signless, signed) integers:
/// the one place that picks between the arith float and integer op pairs.
template <typename FloatOp, typename IntOp>
mlir::Value floatOrIntOp(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         mlir::Value y) {
  if (mlir::isa<mlir::FloatType>(x.getType()))
    return FloatOp::create(b, loc, x, y);
  return IntOp::create(b, loc, x, y);
}

/// The three-way pick for ops whose integer form depends on signedness.
template <typename FloatOp, typename SignedOp, typename UnsignedOp>
mlir::Value signedOrUnsignedOp(mlir::OpBuilder &b, mlir::Location loc,
                               bool isUnsigned, mlir::Value x, mlir::Value y) {
  if (mlir::isa<mlir::FloatType>(x.getType()))
    return FloatOp::create(b, loc, x, y);
  if (isUnsigned)
    return UnsignedOp::create(b, loc, x, y);
  return SignedOp::create(b, loc, x, y);
}

/// The run-time width bounds of a graph contraction (`mica.width` =
/// {k = [G, scale], n = [G, scale]}, from mica-annotate-width) carried onto
/// the linalg op `to` that computes it, as `mica.width` = [[loop, G,
/// scale], ...]: `n` on the loop of dim `channelDim` of its output (the
/// output channels), `k` on `kLoop` (the reduction over the input
/// channels). The CPU kernels read them (targets/cpu).
void copyWidthBounds(mlir::Operation *from, mlir::linalg::LinalgOp to,
                     unsigned channelDim, std::optional<unsigned> kLoop);

void populateUnaryPatterns(mlir::RewritePatternSet &patterns);
void populateBinaryPatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(mlir::RewritePatternSet &patterns);
void populateAttentionPatterns(mlir::RewritePatternSet &patterns);
void populateConvolutionPatterns(mlir::RewritePatternSet &patterns);
void populateMatmulPatterns(mlir::RewritePatternSet &patterns);
void populatePoolingPatterns(mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementPatterns(mlir::RewritePatternSet &patterns);
void populateDynamicSlicePatterns(mlir::RewritePatternSet &patterns);
void populateIndexingPatterns(mlir::RewritePatternSet &patterns);
void populateResizePatterns(mlir::RewritePatternSet &patterns);
void populateEinsumPatterns(mlir::RewritePatternSet &patterns);
void populateGridSamplePatterns(mlir::RewritePatternSet &patterns);
void populateNmsPatterns(mlir::RewritePatternSet &patterns);
void populateUniquePatterns(mlir::RewritePatternSet &patterns);
void populateQuantizationPatterns(mlir::RewritePatternSet &patterns);

} // namespace mica::graph_to_linalg

#endif // MICA_COMPILER_CONVERSION_GRAPH_TO_LINALG_LOWERINGUTILS_H
