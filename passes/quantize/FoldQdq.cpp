//===- FoldQdq.cpp - Quantize/dequantize pairs of QDQ models as ranges ----===//
#include "passes/quantize/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

namespace mica {
#define GEN_PASS_DEF_FOLDQDQ
#include "passes/quantize/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// The range [lo, hi] whose int8 parameters (QuantParams.h) are exactly
/// `scale` and `zeroPoint` on the integer type `element`.
std::pair<double, double> exactRange(double scale, int64_t zeroPoint,
                                     Type element) {
  bool isUnsigned = cast<IntegerType>(element).isUnsigned();
  double qmin = isUnsigned ? 0 : -128, qmax = isUnsigned ? 255 : 127;
  return {(qmin - zeroPoint) * scale, (qmax - zeroPoint) * scale};
}

void setRange(Value value, std::pair<double, double> range) {
  Builder b(value.getContext());
  auto attr = b.getDenseF64ArrayAttr({range.first, range.second});
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
      func.setArgAttr(arg.getArgNumber(), kQuantRangeAttr, attr);
    return;
  }
  if (value.getDefiningOp()->getNumResults() == 1)
    value.getDefiningOp()->setAttr(kQuantRangeAttr, attr);
}

struct FoldQdqPass : mica::impl::FoldQdqBase<FoldQdqPass> {
  void runOnOperation() override {
    SmallVector<QuantizeOp> pairs;
    getOperation().walk([&](QuantizeOp q) {
      if (q.getResult().use_empty())
        return;
      for (Operation *user : q.getResult().getUsers()) {
        auto dq = dyn_cast<DequantizeOp>(user);
        if (!dq || dq.getScale() != q.getScale() ||
            dq.getZeroPoint() != q.getZeroPoint() ||
            dq.getType() != q.getInput().getType())
          return;
      }
      pairs.push_back(q);
    });
    for (QuantizeOp q : pairs) {
      Value x = q.getInput();
      setRange(x, exactRange(q.getScale().convertToDouble(),
                             (int64_t)q.getZeroPoint(),
                             getElementTypeOrSelf(q.getType())));
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
