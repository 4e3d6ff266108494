//===- TokenResize.cpp - Fewer tokens, static shapes downstream -----------===//
#include "passes/token_merge/TokenResize.h"

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// The one dim where `before` and `after` differ, or -1.
int64_t changedDim(ArrayRef<int64_t> before, ArrayRef<int64_t> after) {
  if (before.size() != after.size())
    return -1;
  int64_t dim = -1;
  for (size_t i = 0; i < before.size(); ++i)
    if (before[i] != after[i]) {
      if (dim >= 0)
        return -1;
      dim = i;
    }
  return dim;
}

/// A value whose type changed: its old type and where the axis was in it.
struct Resized {
  ShapedType before;
  Atom atom;
};

/// Rewrites a reshape's `new_shape` for an input whose `atom` shrank to
/// `extent`; the atom in its (old) result.
FailureOr<Atom> resizeReshape(ReshapeOp op, ArrayRef<int64_t> before, Atom atom,
                              int64_t extent) {
  auto out = cast<RankedTensorType>(op.getType());
  if (op.getShape() || !op.getNewShape() || !out.hasStaticShape())
    return op.emitError("token merging cannot resize this reshape (a shape "
                        "computed at run time or dynamic dims)");
  std::optional<Atom> next = atomThroughReshape(before, atom, out.getShape());
  SmallVector<int64_t> newShape(*op.getNewShape());
  if (!next || (newShape[next->dim] == 0 && next->dim != atom.dim))
    return op.emitError("token merging cannot resize this reshape: it splits "
                        "the merged axis (")
           << atom.extent << " elements) across dims";
  if (newShape[next->dim] > 0)
    newShape[next->dim] = out.getDimSize(next->dim) / atom.extent * extent;
  op.setNewShape(newShape);
  return *next;
}

/// Offers `adapt` every operand of `op` that was not resized but spans the
/// resized operand's old extent where that one has the axis: right-aligned
/// dims of elementwise ops and of products' batch dims, an attention's
/// key and value batch when the query's batch holds the axis.
void adaptOperands(Operation *op, unsigned changed, const Resized &in,
                   const DenseMap<Value, Resized> &resized,
                   AdaptOperandFn adapt) {
  int64_t rank = in.before.getRank();
  int64_t size = in.before.getDimSize(in.atom.dim);
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (operand.getOperandNumber() == changed || !type ||
        resized.count(operand.get()))
      continue;
    int64_t dim = in.atom.dim - (rank - type.getRank());
    bool batch = false;
    if (isa<AttentionOp>(op))
      batch = changed == 0 && in.atom.dim == 0 && dim == 0 &&
              operand.getOperandNumber() <= 2;
    else if (isa<MatmulOp>(op))
      batch = dim >= 0 && dim < type.getRank() - 2 && in.atom.dim < rank - 2;
    else
      batch =
          isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp>(op) && dim >= 0;
    if (!batch || type.getDimSize(dim) != size)
      continue;
    if (Value replacement = adapt(op, operand.getOperandNumber(),
                                  Atom{dim, in.atom.inner, in.atom.extent}))
      operand.set(replacement);
  }
}

} // namespace

LogicalResult mica::resizeTokens(Value to, ShapedType before, Atom atom,
                                 int64_t extent, TokensConsumedFn consumed,
                                 ResizeBoundaryFn boundary,
                                 AdaptOperandFn adapt) {
  DenseMap<Value, Resized> resized;
  resized[to] = {before, atom};
  Block *block = to.getParentBlock();
  Block::iterator begin = to.getDefiningOp()
                              ? std::next(to.getDefiningOp()->getIterator())
                              : block->begin();
  for (Operation &op :
       llvm::make_early_inc_range(llvm::make_range(begin, block->end()))) {
    int64_t changed = -1;
    for (OpOperand &operand : op.getOpOperands())
      if (resized.count(operand.get())) {
        changed = operand.getOperandNumber();
        break;
      }
    if (changed < 0)
      continue;
    Resized in = resized[op.getOperand(changed)];
    if (boundary && boundary(&op, changed, in.atom))
      continue;
    if (adapt)
      adaptOperands(&op, changed, in, resized, adapt);
    if (isa<func::ReturnOp>(op))
      return op.emitError("token merging needs outputs that pool tokens "
                          "(a class token or a mean); output #")
             << changed << " is per token";
    std::optional<Atom> reshaped;
    if (auto reshape = dyn_cast<ReshapeOp>(op)) {
      FailureOr<Atom> next =
          resizeReshape(reshape, in.before.getShape(), in.atom, extent);
      if (failed(next))
        return failure();
      reshaped = *next;
    }
    auto infer = dyn_cast<InferTypeOpInterface>(op);
    SmallVector<Type> types;
    if (!infer || failed(infer.inferReturnTypes(
                      op.getContext(), std::nullopt, op.getOperands(),
                      op.getRawDictionaryAttrs(), op.getPropertiesStorage(),
                      op.getRegions(), types)))
      return op.emitError("token merging cannot follow the tokens through "
                          "this op (its result cannot be re-typed for ")
             << extent << " tokens)";
    bool any = false;
    for (auto [result, type] : llvm::zip(op.getResults(), types)) {
      if (result.getType() == type)
        continue;
      auto old = cast<ShapedType>(result.getType());
      Atom next = reshaped.value_or(in.atom);
      if (!reshaped)
        next.dim =
            changedDim(old.getShape(), cast<ShapedType>(type).getShape());
      resized[result] = {old, next};
      result.setType(type);
      any = true;
    }
    if (!any && failed(consumed(&op, changed, in.atom.dim)))
      return failure();
  }
  return success();
}
