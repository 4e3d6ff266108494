//===- Atom.h - A token or frame axis inside a tensor's dims ----*- C++ -*-===//
//
// Token and frame axes are followed through the reshapes and transposes
// exporters put around attention, where they are often merged with other
// axes (torch's MultiheadAttention puts the frames of a video in the batch
// and the heads after them: [frames * heads, S, D]). An Atom says where an
// axis of `extent` elements sits: in dim `dim`, with `inner` elements of
// that dim inside each of its steps (the dim is outer * extent * inner).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_TOKEN_MERGE_ATOM_H
#define MICA_PASSES_TOKEN_MERGE_ATOM_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace mica {

struct Atom {
  int64_t dim = 0;
  int64_t inner = 1;
  int64_t extent = 0;
};

/// The atom after a row-major reshape from `in` to `out` (static shapes):
/// the output dim that holds it whole, or nullopt when the reshape splits
/// it across dims.
std::optional<Atom> atomThroughReshape(llvm::ArrayRef<int64_t> in, Atom atom,
                                       llvm::ArrayRef<int64_t> out);

/// The atom in the result of `op` reading it in operand `operand`, for the
/// ops that keep it (layout ops, elementwise and per-token ops, the rows of
/// products, attention queries); nullopt when the op ends it (reductions,
/// contractions over it) or is not known to keep it.
std::optional<Atom> atomThroughOp(mlir::Operation *op, unsigned operand,
                                  Atom atom);

/// `value` with the atom's consecutive pairs averaged (extent / 2), and the
/// inverse: `value` with each element of the atom repeated twice.
mlir::Value averagePairs(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value value, Atom atom);
mlir::Value repeatPairs(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value value, Atom halved);

} // namespace mica

#endif // MICA_PASSES_TOKEN_MERGE_ATOM_H
