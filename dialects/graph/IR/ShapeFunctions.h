//===- ShapeFunctions.h - One shape function per graph op -------*- C++ -*-===//
//
// The shape arithmetic of every graph op, on plain dim lists where
// `kDynamic` (= ShapedType::kDynamic) is a `?` dim. Each function checks what
// it can (ranks, attribute lengths, static sizes that must agree) and reports
// the first problem through `emitError`, naming the operand and dim. The ops'
// verifiers, InferTypeOpInterface, folders and lowerings all call these, so
// there is exactly one definition of each op's shape semantics.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_IR_SHAPEFUNCTIONS_H
#define MICA_DIALECTS_GRAPH_IR_SHAPEFUNCTIONS_H

#include "dialects/graph/IR/TypeInference.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mica::graph {

using Shape = llvm::SmallVector<int64_t, 4>;
using ShapeRef = llvm::ArrayRef<int64_t>;
inline constexpr int64_t kDynamic = mlir::ShapedType::kDynamic;

/// `axis` in [-rank, rank) mapped to [0, rank).
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                       ErrorFn emitError);

/// Numpy broadcasting of any number of shapes (add, select, broadcast_to).
mlir::FailureOr<Shape> inferBroadcastShape(llvm::ArrayRef<ShapeRef> shapes,
                                           ErrorFn emitError);

// --- Neural-network ops ------------------------------------------------------
mlir::FailureOr<Shape> inferConvShape(ShapeRef input, ShapeRef weight,
                                      std::optional<ShapeRef> bias,
                                      ShapeRef strides, ShapeRef dilations,
                                      ShapeRef pads, int64_t groups,
                                      ErrorFn emitError);
mlir::FailureOr<Shape> inferConvTransposeShape(
    ShapeRef input, ShapeRef weight, std::optional<ShapeRef> bias,
    ShapeRef strides, ShapeRef dilations, ShapeRef pads, ShapeRef outputPadding,
    int64_t groups, ErrorFn emitError);
mlir::FailureOr<Shape> inferMatmulShape(ShapeRef lhs, ShapeRef rhs,
                                        ErrorFn emitError);
mlir::FailureOr<Shape> inferFullyConnectedShape(ShapeRef input, ShapeRef weight,
                                                std::optional<ShapeRef> bias,
                                                ErrorFn emitError);
/// attention: query [B, Sq, E], key/value [B, Skv, E]; the mask broadcasts
/// to [B, heads, Sq, Skv], the key bias is [B or 1, Skv].
mlir::FailureOr<Shape> inferAttentionShape(ShapeRef query, ShapeRef key,
                                           ShapeRef value,
                                           std::optional<ShapeRef> mask,
                                           std::optional<ShapeRef> keyBias,
                                           int64_t numHeads, ErrorFn emitError);
/// batch_norm (minRank 2) and instance_norm (minRank 3): every parameter is
/// [C] with C = input dim 1.
mlir::FailureOr<Shape> inferChannelNormShape(ShapeRef input,
                                             llvm::ArrayRef<ShapeRef> params,
                                             int64_t minRank,
                                             ErrorFn emitError);
mlir::FailureOr<Shape> inferGroupNormShape(ShapeRef input, ShapeRef scale,
                                           ShapeRef bias, int64_t numGroups,
                                           ErrorFn emitError);
mlir::FailureOr<Shape> inferLayerNormShape(ShapeRef input, ShapeRef scale,
                                           std::optional<ShapeRef> bias,
                                           int64_t axis, ErrorFn emitError);
mlir::FailureOr<Shape> inferPoolShape(ShapeRef input, ShapeRef kernel,
                                      ShapeRef strides, ShapeRef pads,
                                      ShapeRef dilations, bool ceilMode,
                                      ErrorFn emitError);
mlir::FailureOr<Shape> inferResizeShape(ShapeRef input,
                                        llvm::ArrayRef<double> scales,
                                        ErrorFn emitError);
mlir::FailureOr<Shape> inferReduceShape(ShapeRef input, ShapeRef axes,
                                        bool keepdims, ErrorFn emitError);
mlir::FailureOr<Shape> inferArgReduceShape(ShapeRef input, int64_t axis,
                                           bool keepdims, ErrorFn emitError);

// --- Data movement -----------------------------------------------------------
/// ONNX Reshape with allowzero = 0: 0 copies input dim i, one -1 is inferred.
mlir::FailureOr<Shape> inferReshapeShape(ShapeRef input, ShapeRef newShape,
                                         ErrorFn emitError);
mlir::FailureOr<Shape> inferTransposeShape(ShapeRef input, ShapeRef perm,
                                           ErrorFn emitError);
mlir::FailureOr<Shape> inferConcatShape(llvm::ArrayRef<ShapeRef> inputs,
                                        int64_t axis, ErrorFn emitError);
mlir::FailureOr<Shape> inferSliceShape(ShapeRef input, ShapeRef starts,
                                       ShapeRef ends, ShapeRef steps,
                                       ErrorFn emitError);
mlir::FailureOr<Shape> inferGatherShape(ShapeRef input, ShapeRef indices,
                                        int64_t axis, ErrorFn emitError);
mlir::FailureOr<llvm::SmallVector<Shape>> inferSplitShapes(ShapeRef input,
                                                           int64_t axis,
                                                           ShapeRef sizes,
                                                           ErrorFn emitError);
mlir::FailureOr<Shape> inferPadShape(ShapeRef input, ShapeRef pads,
                                     ErrorFn emitError);
mlir::FailureOr<Shape> inferTileShape(ShapeRef input, ShapeRef repeats,
                                      ErrorFn emitError);

/// One dim of an ONNX slice on a static dim of size `dim` after clamping:
/// the first index and the element count.
struct SliceRange {
  int64_t start;
  int64_t size;
};
SliceRange resolveSlice(int64_t dim, int64_t start, int64_t end, int64_t step);

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_IR_SHAPEFUNCTIONS_H
