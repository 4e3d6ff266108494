//===- PatternUtils.h - Shared helpers of the onnx -> graph patterns -*- C++
//-*-===//
//
// What every onnx -> graph pattern needs: reading constant operands (graph or
// onnx constants), attribute defaults, the graph-tensor check, and one
// builder that types a new graph op the way the conversion contract says:
//
//  * a graph op replacing an onnx result gets, per dim, the more precise of
//    the onnx result type and the type its shape function infers (the two
//    must agree), so static sizes the graph shape functions know propagate;
//  * the refined type is used only where every user of the onnx result takes
//    a refined operand type: onnx ops (no shape checks) and graph ops without
//    SameOperandsAndResultType. Otherwise the onnx result type is kept, so
//    func.return and exact-type ops never see a type change;
//  * an intermediate op gets the inferred type.
//
// Anything that cannot be decided at conversion time is a match failure with
// a reason: the onnx op then stays as it is.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_CONVERSION_ONNX_TO_GRAPH_PATTERNUTILS_H
#define MICA_COMPILER_CONVERSION_ONNX_TO_GRAPH_PATTERNUTILS_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

#include <optional>
#include <string>

namespace mica::onnx_to_graph {

// Per-family pattern sets, put together by populateOnnxToGraphPatterns.
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateActivationPatterns(mlir::RewritePatternSet &patterns);
void populateIndexingPatterns(mlir::RewritePatternSet &patterns);
void populateCompositePatterns(mlir::RewritePatternSet &patterns);
void populateQuantizationPatterns(mlir::RewritePatternSet &patterns);
void populateQOperatorPatterns(mlir::RewritePatternSet &patterns);
void populateRecurrentPatterns(mlir::RewritePatternSet &patterns);
void populateSpectralPatterns(mlir::RewritePatternSet &patterns);
void populateArithmeticPatterns(mlir::RewritePatternSet &patterns);
void populateNNPatterns(mlir::RewritePatternSet &patterns);
void populateWindowPatterns(mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
void populateResizePatterns(mlir::RewritePatternSet &patterns);
void populateReshapePatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
void populateConstantPatterns(mlir::RewritePatternSet &patterns);
void populateControlFlowPatterns(mlir::RewritePatternSet &patterns);
void populateMatrixPatterns(mlir::RewritePatternSet &patterns);
void populatePoolIndexPatterns(mlir::RewritePatternSet &patterns);
void populateRoiAlignPatterns(mlir::RewritePatternSet &patterns);
void populateMelWeightMatrixPatterns(mlir::RewritePatternSet &patterns);
void populateTfIdfPatterns(mlir::RewritePatternSet &patterns);

//===----------------------------------------------------------------------===//
// Values and types
//===----------------------------------------------------------------------===//

/// An absent optional operand (a value of type `none`).
bool isNone(mlir::Value value);
/// A ranked tensor whose element type the graph dialect accepts.
bool isGraphTensor(mlir::Type type);
/// `type` if it is a graph tensor, else null.
mlir::RankedTensorType getGraphTensor(mlir::Type type);
/// Whether the graph tensor's element type is f16/bf16/f32/f64.
bool hasFloatElements(mlir::Type type);
/// Whether every user of `value` accepts a refined type for it: onnx ops
/// and graph ops without SameOperandsAndResultType.
bool usersAcceptRefinement(mlir::Value value);
/// Whether `oldValue` can be replaced by `newValue`: equal types, or a
/// compatible refinement (or an unranked `oldValue`) that
/// usersAcceptRefinement.
bool canReplaceWith(mlir::Value oldValue, mlir::Value newValue);
/// canReplaceWith for a value of type `newType` that does not exist yet.
bool canRetype(mlir::Value oldValue, mlir::Type newType);
/// Whether a Dropout drops nothing: inference (training_mode absent or a
/// constant false) or training with a constant ratio of 0. A run-time
/// training_mode or ratio, or a non-zero ratio in training, draws a random
/// mask: false.
bool isIdentityDropout(mlir::Operation *op);
/// Whether all results of `op` but the first are unused (absent optional
/// outputs, or outputs nobody reads).
bool onlyFirstResultUsed(mlir::Operation *op);

//===----------------------------------------------------------------------===//
// Constants and attributes
//===----------------------------------------------------------------------===//

/// The dense value of a graph.constant or onnx.Constant producing `value`.
std::optional<mlir::DenseElementsAttr> getConstantAttr(mlir::Value value);
/// The elements of an integer constant, sign-extended to i64.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);
/// The elements of a float or integer constant as doubles.
std::optional<llvm::SmallVector<double>> getConstantDoubles(mlir::Value value);
/// The single element of a constant holding one value.
std::optional<double> getConstantScalar(mlir::Value value);

/// An ONNX integer-list attribute, or `defaultValue` when absent.
llvm::SmallVector<int64_t> getI64s(std::optional<mlir::ArrayAttr> attr,
                                   llvm::ArrayRef<int64_t> defaultValue = {});
/// A float-list attribute as doubles (see toDouble).
llvm::SmallVector<double> getF64s(mlir::ArrayAttr attr);
/// An ONNX float attribute (f32) as the double with the shortest decimal
/// spelling of the f32, so 1e-5 stays 1e-5 rather than 9.99999974e-06.
double toDouble(const llvm::APFloat &value);
mlir::FloatAttr getF64Attr(mlir::Builder &builder, double value);
/// A rank-0 constant of `elementType` holding `value`.
mlir::Value createScalarConstant(mlir::PatternRewriter &rewriter,
                                 mlir::Location loc, mlir::Type elementType,
                                 double value);
/// A 1-D i64 constant.
mlir::Value createI64Constant(mlir::PatternRewriter &rewriter,
                              mlir::Location loc,
                              llvm::ArrayRef<int64_t> values);

/// Kernel, strides, dilations and explicit pads of a window op.
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, dilations, pads;
};

/// Reads the window attributes of `op` (an ONNX op with `auto_pad`,
/// `strides`, `pads` and optionally `dilations`) for an input whose spatial
/// dims are `spatial`, with `kernel` already known. `transposed` selects the
/// ConvTranspose flavour of SAME padding. Returns a reason on failure
/// (WindowPatterns.cpp).
mlir::FailureOr<Window> readWindow(mlir::Operation *op,
                                   llvm::ArrayRef<int64_t> spatial,
                                   llvm::SmallVector<int64_t> kernel,
                                   bool transposed, std::string &why);

/// A graph.conv of `x` (already in its final element type) and `w` with the
/// window attributes of `op` (an ONNX Conv-like op: kernel_shape, strides,
/// pads, auto_pad, dilations, group), or null (WindowPatterns.cpp).
mlir::Value createConvLike(mlir::PatternRewriter &rewriter, mlir::Operation *op,
                           mlir::Value x, mlir::Value w, mlir::Value bias);

/// Normalises `axis` in [-rank, rank) to [0, rank); nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

//===----------------------------------------------------------------------===//
// Building graph ops
//===----------------------------------------------------------------------===//

namespace detail {
/// Picks the result types of the op in `state` (whose types are
/// placeholders) as the header comment says; `refine[i]` tells whether
/// result i may be more precise than a ranked `wanted[i]`. Fails when the
/// shape function rejects the op or disagrees with `wanted`.
llvm::LogicalResult chooseResultTypes(
    mlir::OperationState &state, mlir::TypeRange wanted,
    llvm::ArrayRef<bool> refine, bool exactTypes,
    llvm::function_ref<llvm::LogicalResult(mlir::OperationState &,
                                           llvm::SmallVectorImpl<mlir::Type> &)>
        infer);
} // namespace detail

/// Builds `OpTy` from its ODS builder arguments `args` (those after the result
/// types), typed as the header comment says. `replaced` has one entry per
/// result: the onnx value it will replace (whose type and users decide), or
/// null for an intermediate value. Returns failure, leaving the IR untouched,
/// when an operand is not a graph tensor or the shape function rejects the
/// op.
template <typename OpTy, typename... Args>
mlir::FailureOr<OpTy> createOp(mlir::PatternRewriter &rewriter,
                               mlir::Location loc, mlir::ValueRange replaced,
                               Args &&...args) {
  llvm::SmallVector<mlir::Type> wanted;
  llvm::SmallVector<bool> refine;
  for (mlir::Value value : replaced) {
    wanted.push_back(value ? value.getType() : mlir::Type());
    // An unranked result is always refined: graph ops are ranked, and
    // replaceFirstResult casts back for users that keep the old type.
    refine.push_back(!value ||
                     !mlir::isa<mlir::RankedTensorType>(value.getType()) ||
                     usersAcceptRefinement(value));
  }
  mlir::OperationState state(loc, OpTy::getOperationName());
  llvm::SmallVector<mlir::Type> placeholders(
      wanted.size(), mlir::NoneType::get(rewriter.getContext()));
  OpTy::build(rewriter, state, mlir::TypeRange(placeholders),
              std::forward<Args>(args)...);
  for (mlir::Value operand : state.operands)
    if (!isGraphTensor(operand.getType()))
      return mlir::failure();
  constexpr bool exact =
      OpTy::template hasTrait<mlir::OpTrait::SameOperandsAndResultType>();
  auto infer = [&](mlir::OperationState &s,
                   llvm::SmallVectorImpl<mlir::Type> &types) {
    return OpTy::inferReturnTypes(
        rewriter.getContext(), std::nullopt, s.operands,
        s.attributes.getDictionary(rewriter.getContext()), s.getRawProperties(),
        s.regions, types);
  };
  if (mlir::failed(
          detail::chooseResultTypes(state, wanted, refine, exact, infer)))
    return mlir::failure();
  return llvm::cast<OpTy>(rewriter.create(state));
}

/// Whether `value` is a function argument or the result of an op that is no
/// longer in the onnx dialect (so it will not fold any further by
/// conversion): what a run-time use of a shape waits for.
bool isConverted(mlir::Value value);

/// Whether `result` may change type when replaced: a ranked result keeps its
/// type (createOp reuses it); an unranked one gets the inferred type, and
/// replaceFirstResult casts back to it for users that check types
/// (func.return does; onnx ops do not).
bool mayRetype(mlir::Value result);

/// Replaces `op`'s first result by `value` and erases `op`, whose other
/// results must be unused. Where `value` is more precise than the result and
/// a user checks types, those users get a tensor.cast to the result type.
void replaceFirstResult(mlir::PatternRewriter &rewriter, mlir::Operation *op,
                        mlir::Value value);

/// createOp for a one-result op that replaces `op`'s first result.
template <typename OpTy, typename... Args>
llvm::LogicalResult replaceOp(mlir::PatternRewriter &rewriter,
                              mlir::Operation *op, Args &&...args) {
  mlir::FailureOr<OpTy> newOp = createOp<OpTy>(
      rewriter, op->getLoc(), op->getResult(0), std::forward<Args>(args)...);
  if (mlir::failed(newOp))
    return rewriter.notifyMatchFailure(
        op, "operands are not graph tensors or the graph shape function "
            "rejects them");
  replaceFirstResult(rewriter, op, newOp->getResult());
  return mlir::success();
}

/// createOp for an intermediate one-result op (typed by its shape function):
/// its result, or null when an operand is not a graph tensor or the shape
/// function rejects the op. Check what can fail before building anything.
template <typename OpTy, typename... Args>
mlir::Value createValue(mlir::PatternRewriter &rewriter, mlir::Location loc,
                        Args &&...args) {
  mlir::FailureOr<OpTy> op =
      createOp<OpTy>(rewriter, loc, mlir::Value(), std::forward<Args>(args)...);
  return mlir::succeeded(op) ? op->getResult() : mlir::Value();
}

/// Whether `value` can stand for `result`: equal types, or types that differ
/// only in how static their dims are (replaceResults then inserts a
/// tensor.cast to the result type).
bool canStandFor(mlir::Value result, mlir::Value value);

/// Replaces every result of `op` by the value at the same position and erases
/// `op`; a null value marks a result that must be unused. Values of a
/// different (compatible) type reach the old users through a tensor.cast.
void replaceResults(mlir::PatternRewriter &rewriter, mlir::Operation *op,
                    mlir::ValueRange values);

/// A constant of `type` (static shape) whose elements are `values`
/// (converted to the element type).
mlir::Value createConstant(mlir::PatternRewriter &rewriter, mlir::Location loc,
                           mlir::RankedTensorType type,
                           llvm::ArrayRef<double> values);

/// Quantised arithmetic helpers (QuantizationPatterns.cpp).
/// A 1-D per-channel tensor reshaped to broadcast along `axis` of a rank
/// `rank` tensor ([C, 1, ..., 1]); other values unchanged.
mlir::Value alongAxis(mlir::PatternRewriter &rewriter, mlir::Location loc,
                      mlir::Value value, int64_t axis, int64_t rank);
/// `value` with its elements cast to `element` (itself when they are).
mlir::Value castElements(mlir::PatternRewriter &rewriter, mlir::Location loc,
                         mlir::Value value, mlir::Type element);
/// cast(x, i32) - cast(zeroPoint, i32) (no subtraction for an absent zero
/// point).
mlir::Value widenMinusZeroPoint(mlir::PatternRewriter &rewriter,
                                mlir::Location loc, mlir::Value x,
                                mlir::Value zeroPoint);
/// The constant per-tensor parameters (scale, zero point) of a quantised
/// 8-bit value of element type `integer`: a positive finite scalar scale and
/// a scalar zero point (a uint8 one read unsigned; an absent one is 0), or
/// nullopt.
std::optional<std::pair<double, int64_t>>
constantQuantParams(mlir::Value scale, mlir::Value zeroPoint,
                    mlir::Type integer);
/// cast(clamp(round(real) + zeroPoint)) to the integer `resultElement`.
mlir::Value requantize(mlir::PatternRewriter &rewriter, mlir::Location loc,
                       mlir::Value real, mlir::Value zeroPoint,
                       mlir::Type resultElement);

/// `v`[start:end] along `axis` (static shape), every other dim whole.
mlir::Value sliceAlong(mlir::PatternRewriter &rewriter, mlir::Location loc,
                       mlir::Value v, int64_t axis, int64_t start, int64_t end);

/// Replaces `op` (one used result) by the existing `value` when
/// canReplaceWith allows it.
llvm::LogicalResult forwardValue(mlir::PatternRewriter &rewriter,
                                 mlir::Operation *op, mlir::Value value);

} // namespace mica::onnx_to_graph

#endif // MICA_COMPILER_CONVERSION_ONNX_TO_GRAPH_PATTERNUTILS_H
