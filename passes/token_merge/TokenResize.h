//===- TokenResize.h - Fewer tokens, static shapes downstream ---*- C++ -*-===//
#ifndef MICA_PASSES_TOKEN_MERGE_TOKENRESIZE_H
#define MICA_PASSES_TOKEN_MERGE_TOKENRESIZE_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mica {

/// What to do with an op where the token axis ends (its results keep their
/// types although an operand lost tokens): `operand` is the resized one,
/// `axis` its token axis. Return failure (after emitting an error) when the
/// op mixes tokens in a way merging changes.
using TokensConsumedFn = llvm::function_ref<mlir::LogicalResult(
    mlir::Operation *op, unsigned operand, int64_t axis)>;

/// Replaces the uses of `from` by `to` (the same tensor with fewer tokens
/// along one axis), except in `keep` (the ops that built `to`), and gives
/// every op after `to` whose operands changed its new static result types:
/// reshape shapes are rewritten (the token axis is followed through splits
/// and merges of dims by its stride), other ops re-infer their types. Fails
/// with an error naming the node where tokens cannot be followed (a
/// per-token output, a constant or a shape sized by the old count, a dim
/// split across the token axis).
mlir::LogicalResult
resizeTokens(mlir::Value from, mlir::Value to,
             const llvm::SmallPtrSetImpl<mlir::Operation *> &keep,
             TokensConsumedFn consumed);

} // namespace mica

#endif // MICA_PASSES_TOKEN_MERGE_TOKENRESIZE_H
