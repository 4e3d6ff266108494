//===- Atom.h - Token and frame axes through ops ----------------*- C++ -*-===//
//
// Token and frame axes are followed through the reshapes and transposes
// exporters put around attention (Atom, dialects/graph/Analysis/Atom.h).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_TOKEN_MERGE_ATOM_H
#define MICA_PASSES_TOKEN_MERGE_ATOM_H

#include "dialects/graph/Analysis/Atom.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace mica {

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
