//===- TypeInference.h - Result-type inference helpers ----------*- C++ -*-===//
//
// The glue between the shape functions (ShapeFunctions.h) and the ops: the
// error sink type, the compatibility rule for declared vs. inferred result
// types, and the verifier every shape-inferred op shares.
//
// Compatibility rule: same rank and element type; per dim, equal sizes or at
// least one `?`. A declared static dim may refine an inferred `?` and a
// declared `?` may forget an inferred static size.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_IR_TYPEINFERENCE_H
#define MICA_DIALECTS_GRAPH_IR_TYPEINFERENCE_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/TypeRange.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mica::graph {

/// Where shape functions report why inputs are invalid. Returns an
/// in-flight diagnostic (possibly an inactive one that drops everything).
using ErrorFn = llvm::function_ref<mlir::InFlightDiagnostic()>;

/// An error at `location` prefixed like emitOpError, or a silent diagnostic
/// when there is no location (InferTypeOpInterface's contract).
mlir::InFlightDiagnostic
emitOptionalOpError(std::optional<mlir::Location> location,
                    llvm::StringRef opName);

/// The dims of a ranked tensor type; empty for anything else.
llvm::ArrayRef<int64_t> getShape(mlir::Type type);
/// The element type of a shaped type, else the type itself.
mlir::Type getElementType(mlir::Type type);

/// Whether two result type lists match under the rule above.
bool areCompatibleResultTypes(mlir::TypeRange lhs, mlir::TypeRange rhs);

/// Compares `op`'s declared result types with `inferred`, reporting the first
/// mismatch (result index, dim, sizes) through emitOpError.
llvm::LogicalResult verifyResultTypes(mlir::Operation *op,
                                      mlir::TypeRange inferred);

/// The verifier of every Graph_InferOp: runs the op's shape function with
/// emitOpError as the error sink, then checks the declared result types.
template <typename OpTy> llvm::LogicalResult verifyWithShapeFunction(OpTy op) {
  llvm::SmallVector<mlir::Type> inferred;
  auto emitError = [&] { return op.emitOpError(); };
  if (llvm::failed(
          OpTy::inferTypes(typename OpTy::Adaptor(op), emitError, inferred)))
    return llvm::failure();
  return verifyResultTypes(op.getOperation(), inferred);
}

/// Appends a tensor of `shape` and `elementType` to `types`; fails when the
/// shape function failed.
inline llvm::LogicalResult
addTensorResult(mlir::FailureOr<llvm::SmallVector<int64_t, 4>> shape,
                mlir::Type elementType,
                llvm::SmallVectorImpl<mlir::Type> &types) {
  if (llvm::failed(shape))
    return llvm::failure();
  types.push_back(mlir::RankedTensorType::get(*shape, elementType));
  return llvm::success();
}

//===----------------------------------------------------------------------===//
// Type-level wrappers of the shape functions shared by several ops.
//===----------------------------------------------------------------------===//

/// Numpy broadcast of `operands` (one element type); the result element type
/// is that type, or i1 when `boolResult`.
llvm::LogicalResult
inferBroadcastTypes(llvm::ArrayRef<mlir::Type> operands, bool boolResult,
                    ErrorFn emitError,
                    llvm::SmallVectorImpl<mlir::Type> &types);

/// graph.select: 3-way broadcast, values share the result element type.
llvm::LogicalResult inferSelectTypes(mlir::Type condition, mlir::Type trueValue,
                                     mlir::Type falseValue, ErrorFn emitError,
                                     llvm::SmallVectorImpl<mlir::Type> &types);

/// Result type = input type after checking that `axis` is in range.
llvm::LogicalResult
inferAxisPreservingTypes(mlir::Type input, int64_t axis, ErrorFn emitError,
                         llvm::SmallVectorImpl<mlir::Type> &types);

/// The indexing ops (GraphIndexingOps.td, TypeInferenceIndexing.cpp).
llvm::LogicalResult
inferGatherElementsTypes(mlir::Type input, mlir::Type indices, int64_t axis,
                         ErrorFn emitError,
                         llvm::SmallVectorImpl<mlir::Type> &types);
llvm::LogicalResult
inferScatterElementsTypes(mlir::Type input, mlir::Type indices,
                          mlir::Type updates, int64_t axis, ErrorFn emitError,
                          llvm::SmallVectorImpl<mlir::Type> &types);
llvm::LogicalResult
inferGatherNdTypes(mlir::Type input, mlir::Type indices, int64_t batchDims,
                   ErrorFn emitError, llvm::SmallVectorImpl<mlir::Type> &types);
llvm::LogicalResult
inferScatterNdTypes(mlir::Type input, mlir::Type indices, mlir::Type updates,
                    ErrorFn emitError,
                    llvm::SmallVectorImpl<mlir::Type> &types);

llvm::LogicalResult inferTopKTypes(mlir::Type input, int64_t k, int64_t axis,
                                   ErrorFn emitError,
                                   llvm::SmallVectorImpl<mlir::Type> &types);

/// A parsed Einsum equation: one label list per operand and for the result;
/// the label '.' stands for each dim of the ellipsis, which is expanded to
/// one label per broadcast dim ('0', '1', ...) by parseEinsum.
struct EinsumSpec {
  llvm::SmallVector<std::string> inputs;
  std::string output;
};
/// Parses `equation` for operands of the given ranks; failure with a reason.
mlir::FailureOr<EinsumSpec> parseEinsum(llvm::StringRef equation,
                                        llvm::ArrayRef<int64_t> ranks,
                                        std::string &error);
llvm::LogicalResult inferEinsumTypes(mlir::TypeRange inputs,
                                     llvm::StringRef equation,
                                     ErrorFn emitError,
                                     llvm::SmallVectorImpl<mlir::Type> &types);

} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_IR_TYPEINFERENCE_H
