//===- HoistRegionAllocs.cpp - buffers of loop and branch bodies hoisted --===//
//
// The static memory plan (BindKernelInterface) places every buffer at the
// top level of the entry function. Bufferized scf.for / scf.if bodies
// allocate their temporaries inside the region; a static-shaped one whose
// contents never outlive one iteration of the loops around it (no alias of
// it reaches the scf.yield of such a loop) can be allocated once before the
// function's first op and reused by every iteration. One in the body of a
// parallel loop (iterations run at once) gets one allocation with a slot per
// iteration instead, each iteration a view of its own slot. Anything else stays
// where it is, and the memory plan then names it in its error.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
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

/// The one 1-D scf.parallel around `alloc` when its trip count is static and
/// no other parallel loop encloses it; null otherwise.
scf::ParallelOp privatizingLoop(memref::AllocOp alloc, int64_t &trips) {
  auto loop = alloc->getParentOfType<scf::ParallelOp>();
  if (!loop || loop.getNumLoops() != 1 ||
      loop->getParentOfType<scf::ParallelOp>() ||
      alloc->getParentOfType<scf::ForallOp>())
    return nullptr;
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[0]);
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[0]);
  std::optional<int64_t> step = getConstantIntValue(loop.getStep()[0]);
  if (!lb || !ub || !step || *lb != 0 || *step != 1 || *ub <= 0)
    return nullptr;
  trips = *ub;
  return loop;
}

/// Replaces a buffer of one iteration of `loop` by that iteration's slot of
/// one top-level allocation with `trips` slots (a memref.view at
/// iv * slot bytes): iterations that run at once never share a buffer.
void privatize(memref::AllocOp alloc, scf::ParallelOp loop, int64_t trips,
               Block &entry) {
  MemRefType type = alloc.getType();
  int64_t alignment = std::max<int64_t>(alloc.getAlignment().value_or(64), 64);
  int64_t bytes =
      type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
  int64_t slot = (bytes + alignment - 1) / alignment * alignment;
  OpBuilder b(&entry, entry.begin());
  Location loc = alloc.getLoc();
  auto slots = memref::AllocOp::create(
      b, loc, MemRefType::get({trips * slot}, b.getI8Type()),
      b.getI64IntegerAttr(alignment));
  b.setInsertionPoint(alloc);
  Value offset =
      arith::MulIOp::create(b, loc, loop.getInductionVars()[0],
                            arith::ConstantIndexOp::create(b, loc, slot));
  Value view =
      memref::ViewOp::create(b, loc, type, slots, offset, ValueRange{});
  alloc.replaceAllUsesWith(view);
  alloc.erase();
}

struct HoistRegionAllocsPass
    : mica::impl::HoistRegionAllocsBase<HoistRegionAllocsPass> {
  void runOnOperation() override {
    getOperation()->walk([](func::FuncOp func) {
      if (func.isExternal())
        return;
      Block &entry = func.getBody().front();
      SmallVector<memref::AllocOp> nested;
      SmallVector<std::pair<memref::AllocOp, int64_t>> perIteration;
      func.walk([&](memref::AllocOp alloc) {
        if (alloc->getBlock() == &entry || !alloc.getType().hasStaticShape() ||
            !alloc.getType().getLayout().isIdentity() ||
            outlivesIteration(alloc))
          return;
        // Iterations of a parallel loop may run at once: one buffer for
        // all of them would be a race.
        int64_t trips = 0;
        if (!alloc->getParentOfType<scf::ForallOp>() &&
            !alloc->getParentOfType<scf::ParallelOp>())
          nested.push_back(alloc);
        else if (privatizingLoop(alloc, trips))
          perIteration.push_back({alloc, trips});
      });
      for (memref::AllocOp alloc : nested)
        alloc->moveBefore(&entry, entry.begin());
      for (auto [alloc, trips] : perIteration)
        privatize(alloc, privatizingLoop(alloc, trips), trips, entry);
    });
  }
};

} // namespace
