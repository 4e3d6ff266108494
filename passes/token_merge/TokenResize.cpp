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

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

/// A reshape's `new_shape` for its input resized from `before` to `after`:
/// the output dim that holds the input's token dim whole (its stride and
/// extent cover the token dim's, both multiples of them) scales with it.
LogicalResult resizeReshape(ReshapeOp op, ArrayRef<int64_t> before,
                            ArrayRef<int64_t> after) {
  auto out = cast<RankedTensorType>(op.getType());
  int64_t dim = changedDim(before, after);
  if (op.getShape() || !op.getNewShape() || !out.hasStaticShape() || dim < 0 ||
      ShapedType::isDynamicShape(before))
    return op.emitError("token merging cannot resize this reshape (a shape "
                        "computed at run time or dynamic dims)");
  ArrayRef<int64_t> outShape = out.getShape();
  int64_t stride = product(before.drop_front(dim + 1));
  int64_t span = stride * before[dim];
  SmallVector<int64_t> newShape(*op.getNewShape());
  for (size_t d = 0; d < outShape.size(); ++d) {
    int64_t outStride = product(outShape.drop_front(d + 1));
    int64_t outSpan = outStride * outShape[d];
    if (outStride > stride || stride % outStride != 0 || outSpan < span ||
        outSpan % span != 0)
      continue;
    int64_t size = outShape[d] / before[dim] * after[dim];
    if (newShape[d] == 0 && static_cast<int64_t>(d) != dim)
      break;
    if (newShape[d] > 0)
      newShape[d] = size;
    op.setNewShape(newShape);
    return success();
  }
  return op.emitError("token merging cannot resize this reshape: it splits "
                      "the token axis (")
         << before[dim] << " tokens) across dims";
}

} // namespace

LogicalResult mica::resizeTokens(Value from, Value to,
                                 const SmallPtrSetImpl<Operation *> &keep,
                                 TokensConsumedFn consumed) {
  from.replaceUsesWithIf(
      to, [&](OpOperand &use) { return !keep.contains(use.getOwner()); });
  DenseMap<Value, ShapedType> before;
  before[to] = cast<ShapedType>(from.getType());
  Operation *start = to.getDefiningOp();
  for (Operation &op : llvm::make_early_inc_range(llvm::make_range(
           std::next(start->getIterator()), start->getBlock()->end()))) {
    int64_t changed = -1;
    for (OpOperand &operand : op.getOpOperands())
      if (before.count(operand.get())) {
        changed = operand.getOperandNumber();
        break;
      }
    if (changed < 0)
      continue;
    Value operand = op.getOperand(changed);
    ArrayRef<int64_t> oldShape = before[operand].getShape();
    ArrayRef<int64_t> newShape = cast<ShapedType>(operand.getType()).getShape();
    if (isa<func::ReturnOp>(op))
      return op.emitError("token merging needs outputs that pool tokens "
                          "(a class token or a mean); output #")
             << changed << " is per token";
    if (auto reshape = dyn_cast<ReshapeOp>(op))
      if (failed(resizeReshape(reshape, oldShape, newShape)))
        return failure();
    auto infer = dyn_cast<InferTypeOpInterface>(op);
    SmallVector<Type> types;
    if (!infer || failed(infer.inferReturnTypes(
                      op.getContext(), std::nullopt, op.getOperands(),
                      op.getRawDictionaryAttrs(), op.getPropertiesStorage(),
                      op.getRegions(), types)))
      return op.emitError("token merging cannot follow the tokens through "
                          "this op (its result cannot be re-typed for ")
             << newShape[changedDim(oldShape, newShape)] << " tokens)";
    bool resized = false;
    for (auto [result, type] : llvm::zip(op.getResults(), types)) {
      if (result.getType() == type)
        continue;
      before[result] = cast<ShapedType>(result.getType());
      result.setType(type);
      resized = true;
    }
    if (!resized &&
        failed(consumed(&op, changed, changedDim(oldShape, newShape))))
      return failure();
  }
  return success();
}
