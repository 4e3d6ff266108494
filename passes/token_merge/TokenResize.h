//===- TokenResize.h - Fewer tokens, static shapes downstream ---*- C++ -*-===//
#ifndef MICA_PASSES_TOKEN_MERGE_TOKENRESIZE_H
#define MICA_PASSES_TOKEN_MERGE_TOKENRESIZE_H

#include "passes/token_merge/Atom.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mica {

/// What to do with an op where the resized axis ends (its results keep their
/// types although an operand shrank): `operand` is the resized one, `axis`
/// the dim that shrank. Return failure (after emitting an error) when the
/// op mixes tokens in a way merging changes.
using TokensConsumedFn = llvm::function_ref<mlir::LogicalResult(
    mlir::Operation *op, unsigned operand, int64_t axis)>;

/// Called first for every op that reads a resized value (in `operand`,
/// with the axis at `atom`, its extent still the old one); true when the
/// caller has handled the op (the end of a merged region, where it restores
/// the full axis), which is then not re-typed.
using ResizeBoundaryFn =
    llvm::function_ref<bool(mlir::Operation *op, unsigned operand, Atom atom)>;

/// For an operand that was not resized but has the old extent where the
/// resized operand has the axis (`atom`: its place in that operand): a
/// resized replacement, or null to let the op fail. Temporal merging
/// averages such operands too (a text embedding broadcast to every frame).
using AdaptOperandFn = llvm::function_ref<mlir::Value(
    mlir::Operation *op, unsigned operand, Atom atom)>;

/// `to` replaced a value of type `before` whose axis `atom` (with its old
/// extent) now has `extent` elements, in some of that value's uses (the
/// caller rewired them). Every op after `to` whose operands changed gets its
/// new static result types: reshape shapes are rewritten (the axis is
/// followed through splits and merges of dims by its stride, Atom.h), other
/// ops re-infer their types. Fails with an error naming the node where the
/// axis cannot be followed (a per-token output, a constant or a shape sized
/// by the old count, a dim split across the axis).
mlir::LogicalResult resizeTokens(mlir::Value to, mlir::ShapedType before,
                                 Atom atom, int64_t extent,
                                 TokensConsumedFn consumed,
                                 ResizeBoundaryFn boundary = nullptr,
                                 AdaptOperandFn adapt = nullptr);

} // namespace mica

#endif // MICA_PASSES_TOKEN_MERGE_TOKENRESIZE_H
