//===- FoldQdq.cpp - Quantize/dequantize pairs of QDQ models as ranges ----===//
#include "passes/quantize/Passes.h"
#include "passes/quantize/QuantParams.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

namespace mica {
#define GEN_PASS_DEF_FOLDQDQ
#include "passes/quantize/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;
using mica::quant::exactRange;

namespace {

/// Gives `value` the range of the model's own grid (kQuantModelGridAttr).
void setRange(Value value, std::pair<double, double> range) {
  Builder b(value.getContext());
  auto attr = b.getDenseF64ArrayAttr({range.first, range.second});
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())) {
      func.setArgAttr(arg.getArgNumber(), kQuantRangeAttr, attr);
      func.setArgAttr(arg.getArgNumber(), kQuantModelGridAttr, b.getUnitAttr());
    }
    return;
  }
  if (value.getDefiningOp()->getNumResults() == 1) {
    value.getDefiningOp()->setAttr(kQuantRangeAttr, attr);
    value.getDefiningOp()->setAttr(kQuantModelGridAttr, b.getUnitAttr());
  }
}

/// Whether `a` and `b` quantise with the same parameters to the same type.
bool sameParams(QuantizeOp a, QuantizeOp b) {
  return a.getScale() == b.getScale() && a.getZeroPoint() == b.getZeroPoint() &&
         a.getType() == b.getType();
}

/// Data movement on quantised integers (a QOperator model's uint8 max pool,
/// flatten or transpose between two QLinear ops) gets the same QDQ form as
/// the ops around it: m(quantize(x)) becomes quantize(m(dequantize(quantize
/// (x)))), which is the same integers, since these ops only move or select
/// values and quantisation is monotonic. The pairs then fold, and
/// mica-quantize-int8 redoes the op on its int8 integers.
void hoistDataMovement(ModuleOp module) {
  SmallVector<QuantizeOp> worklist;
  module.walk([&](QuantizeOp q) { worklist.push_back(q); });
  while (!worklist.empty()) {
    QuantizeOp q = worklist.pop_back_val();
    for (Operation *user : llvm::make_early_inc_range(q->getUsers())) {
      if (!isa<ReshapeOp, TransposeOp, MaxPoolOp, SliceOp>(user) ||
          user->getNumResults() != 1 || user->getOperand(0) != q.getResult())
        continue;
      OpBuilder b(user);
      Type real = q.getInput().getType();
      Value dq = DequantizeOp::create(b, user->getLoc(), real, q,
                                      q.getScaleAttr(), q.getZeroPointAttr());
      Operation *moved = b.clone(*user);
      moved->setOperand(0, dq);
      auto resultType = cast<RankedTensorType>(user->getResult(0).getType());
      moved->getResult(0).setType(resultType.clone(getElementTypeOrSelf(real)));
      auto requantised =
          QuantizeOp::create(b, user->getLoc(), resultType, moved->getResult(0),
                             q.getScaleAttr(), q.getZeroPointAttr());
      user->getResult(0).replaceAllUsesWith(requantised.getResult());
      user->erase();
      worklist.push_back(requantised);
    }
  }
}

struct FoldQdqPass : mica::impl::FoldQdqBase<FoldQdqPass> {
  void runOnOperation() override {
    hoistDataMovement(getOperation());
    SmallVector<QuantizeOp> pairs;
    getOperation().walk([&](QuantizeOp q) {
      if (q.getResult().use_empty())
        return;
      Value x = q.getInput();
      bool pairsOnly = llvm::all_of(q->getUsers(), [&](Operation *user) {
        auto dq = dyn_cast<DequantizeOp>(user);
        return dq && dq.getScale() == q.getScale() &&
               dq.getZeroPoint() == q.getZeroPoint() &&
               dq.getType() == x.getType();
      });
      // A value computed only to be quantised (a QOperator op's output, in
      // its QDQ form, whose integers move on through integer ops or leave
      // the model) takes the grid of that quantisation as well.
      bool quantisedOnly = llvm::all_of(x.getUsers(), [&](Operation *user) {
        auto other = dyn_cast<QuantizeOp>(user);
        return other && sameParams(other, q);
      });
      if (!pairsOnly && !quantisedOnly)
        return;
      setRange(x, exactRange(
                      q.getScale().convertToDouble(), (int64_t)q.getZeroPoint(),
                      getElementTypeOrSelf(q.getType()).isUnsignedInteger()));
      if (pairsOnly)
        pairs.push_back(q);
    });
    for (QuantizeOp q : pairs) {
      Value x = q.getInput();
      // A pair that produces a model output stays: its rounding is part of
      // the output (fake quantisation), and no integer op reproduces it.
      if (llvm::any_of(q->getUsers(), [](Operation *dq) {
            return llvm::any_of(dq->getUsers(), [](Operation *user) {
              return isa<func::ReturnOp>(user);
            });
          }))
        continue;
      for (Operation *user : llvm::make_early_inc_range(q->getUsers())) {
        user->getResult(0).replaceAllUsesWith(x);
        user->erase();
      }
      q->erase();
    }
  }
};

} // namespace
