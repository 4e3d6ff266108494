//===- HoistRegionAllocs.cpp - buffers of loop and branch bodies hoisted --===//
//
// The static memory plan (BindKernelInterface) places every buffer at the
// top level of the entry function. Bufferized scf.for / scf.if bodies
// allocate their temporaries inside the region; a static-shaped one whose
// contents never outlive one iteration of the loops around it (no alias of
// it reaches the scf.yield of such a loop) can be allocated once before the
// function's first op and reused by every iteration. Anything else stays
// where it is, and the memory plan then names it in its error.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mica {
#define GEN_PASS_DEF_HOISTREGIONALLOCS
#include "compiler/conversion/graph_to_linalg/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

/// Whether some alias of `alloc` flows out of an iteration of a loop that
/// encloses it (through that loop's terminator).
bool outlivesIteration(memref::AllocOp alloc) {
  SmallVector<Value> worklist{alloc.getResult()};
  llvm::SmallPtrSet<Value, 8> seen;
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    if (!seen.insert(value).second)
      continue;
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (user->hasTrait<OpTrait::IsTerminator>()) {
        Operation *parent = user->getParentOp();
        if (isa<LoopLikeOpInterface>(parent) && parent->isProperAncestor(alloc))
          return true;
        // A branch or inner loop result aliases what its body yields there
        // (any result, for other terminators).
        if (isa<scf::IfOp, scf::ForOp>(parent)) {
          worklist.push_back(parent->getResult(use.getOperandNumber()));
        } else if (!isa<func::FuncOp>(parent)) {
          for (Value result : parent->getResults())
            if (isa<BaseMemRefType>(result.getType()))
              worklist.push_back(result);
        }
        continue;
      }
      if (isa<ViewLikeOpInterface, memref::CastOp, memref::ReinterpretCastOp,
              memref::ExpandShapeOp, memref::CollapseShapeOp,
              memref::TransposeOp>(user) ||
          (user->getNumRegions() > 0 && user->getNumResults() > 0))
        for (Value result : user->getResults())
          if (isa<BaseMemRefType>(result.getType()))
            worklist.push_back(result);
    }
  }
  return false;
}

struct HoistRegionAllocsPass
    : mica::impl::HoistRegionAllocsBase<HoistRegionAllocsPass> {
  void runOnOperation() override {
    getOperation()->walk([](func::FuncOp func) {
      if (func.isExternal())
        return;
      Block &entry = func.getBody().front();
      SmallVector<memref::AllocOp> nested;
      func.walk([&](memref::AllocOp alloc) {
        if (alloc->getBlock() != &entry && alloc.getType().hasStaticShape() &&
            !outlivesIteration(alloc))
          nested.push_back(alloc);
      });
      for (memref::AllocOp alloc : nested)
        alloc->moveBefore(&entry, entry.begin());
    });
  }
};

} // namespace
