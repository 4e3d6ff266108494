//===- Atom.cpp - A token or frame axis inside a tensor's dims ------------===//
#include "passes/token_merge/Atom.h"

#include "dialects/graph/IR/GraphDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::graph;

std::optional<Atom> mica::atomThroughOp(Operation *op, unsigned operand,
                                        Atom atom) {
  if (op->getNumResults() != 1)
    return std::nullopt;
  auto in = dyn_cast<RankedTensorType>(op->getOperand(operand).getType());
  auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!in || !out)
    return std::nullopt;
  if (auto reshape = dyn_cast<ReshapeOp>(op))
    return atomThroughReshape(in.getShape(), atom, out.getShape());
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    auto it = llvm::find(transpose.getPerm(), atom.dim);
    return Atom{it - transpose.getPerm().begin(), atom.inner, atom.extent};
  }
  int64_t shift = out.getRank() - in.getRank();
  int64_t dim = atom.dim + shift;
  bool last = atom.dim == in.getRank() - 1;
  // Products keep the rows and batch dims of their left operand (and the
  // batch dims of the right one); attention those of its query.
  if (isa<MatmulOp, FullyConnectedOp, EinsumOp>(op) ||
      (isa<AttentionOp>(op) && operand != 0)) {
    if (isa<EinsumOp, AttentionOp>(op) || last ||
        (operand == 1 && atom.dim >= in.getRank() - 2))
      return std::nullopt;
  }
  if (dim < 0 || dim >= out.getRank() ||
      out.getDimSize(dim) != in.getDimSize(atom.dim))
    return std::nullopt;
  // Ops that move elements along one of their dims keep the atom only when
  // that is another dim; others map positions one to one (elementwise with
  // broadcasting, norms over the channels, activations).
  if (auto slice = dyn_cast<SliceOp>(op))
    return slice.getStarts()[atom.dim] == 0 && slice.getSteps()[atom.dim] == 1
               ? std::optional<Atom>(Atom{dim, atom.inner, atom.extent})
               : std::nullopt;
  if (auto norm = dyn_cast<LayerNormOp>(op)) {
    int64_t axis =
        norm.getAxis() < 0 ? norm.getAxis() + in.getRank() : norm.getAxis();
    return atom.dim < axis
               ? std::optional<Atom>(Atom{dim, atom.inner, atom.extent})
               : std::nullopt;
  }
  if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
    int64_t axis = softmax.getAxis() < 0 ? softmax.getAxis() + in.getRank()
                                         : softmax.getAxis();
    return atom.dim != axis
               ? std::optional<Atom>(Atom{dim, atom.inner, atom.extent})
               : std::nullopt;
  }
  bool elementwise =
      op->hasTrait<OpTrait::SameOperandsAndResultType>() ||
      isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, CastOp>(op);
  if (elementwise || isa<MatmulOp, FullyConnectedOp, AttentionOp>(op))
    return Atom{dim, atom.inner, atom.extent};
  return std::nullopt;
}

/// `shape` with dim `atom.dim` split into [outer, extent / 2, 2, inner].
static SmallVector<int64_t> splitPairs(ArrayRef<int64_t> shape, Atom atom,
                                       int64_t pairs) {
  SmallVector<int64_t> split(shape.take_front(atom.dim));
  split.push_back(shape[atom.dim] / (atom.extent * atom.inner));
  split.push_back(atom.extent / 2);
  split.push_back(pairs);
  split.push_back(atom.inner);
  llvm::append_range(split, shape.drop_front(atom.dim + 1));
  return split;
}

Value mica::averagePairs(OpBuilder &b, Location loc, Value value, Atom atom) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  SmallVector<int64_t> merged(shape);
  merged[atom.dim] /= 2;
  Value split =
      ReshapeOp::create(b, loc, value, Value(),
                        b.getDenseI64ArrayAttr(splitPairs(shape, atom, 2)));
  Value mean = ReduceOp::create(
      b, loc, ReduceKindAttr::get(b.getContext(), ReduceKind::mean), split,
      b.getDenseI64ArrayAttr({atom.dim + 2}), b.getBoolAttr(true));
  return ReshapeOp::create(b, loc, mean, Value(),
                           b.getDenseI64ArrayAttr(merged));
}

Value mica::repeatPairs(OpBuilder &b, Location loc, Value value, Atom halved) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(value.getType()).getShape();
  Atom full{halved.dim, halved.inner, halved.extent * 2};
  SmallVector<int64_t> whole(shape);
  whole[halved.dim] *= 2;
  SmallVector<int64_t> one = splitPairs(whole, full, 1);
  SmallVector<int64_t> two = splitPairs(whole, full, 2);
  Value split =
      ReshapeOp::create(b, loc, value, Value(), b.getDenseI64ArrayAttr(one));
  Value repeated = BroadcastToOp::create(b, loc, split, Value(),
                                         b.getDenseI64ArrayAttr(two));
  return ReshapeOp::create(b, loc, repeated, Value(),
                           b.getDenseI64ArrayAttr(whole));
}
