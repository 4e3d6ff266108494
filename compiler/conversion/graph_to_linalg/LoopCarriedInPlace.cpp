//===- LoopCarriedInPlace.cpp - loop-carried tensors written in place -----===//
//
// One-shot bufferization (LLVM 22) refuses an scf.for whose yielded tensor
// is not equivalent to its iteration argument ("Yield operand #i is not
// equivalent to the corresponding iter bbArg"), and the static memory plan
// cannot give a loop a fresh buffer per iteration anyway. This pass makes
// each loop-carried tensor live in one buffer: a yielded value that is not
// already written into its iteration argument (through destination-style
// ops, scf.if branches or inner loops) is materialized in it with
// bufferization.materialize_in_destination. The values computed inside an
// iteration then never outlive it, so their buffers can be hoisted out of
// the loop (HoistRegionAllocs) and reused by every iteration.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace mica {
#define GEN_PASS_DEF_LOOPCARRIEDINPLACE
#include "compiler/conversion/graph_to_linalg/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

/// Whether `value` is `arg` or written into it by destination-style ops
/// (every branch of an scf.if, the init of an inner loop).
bool writtenInto(Value value, Value arg) {
  if (value == arg)
    return true;
  auto result = dyn_cast<OpResult>(value);
  if (!result)
    return false;
  Operation *op = result.getOwner();
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    return writtenInto(dps.getTiedOpOperand(result)->get(), arg);
  if (auto ifOp = dyn_cast<scf::IfOp>(op))
    return ifOp.elseBlock() &&
           writtenInto(ifOp.thenYield().getOperand(result.getResultNumber()),
                       arg) &&
           writtenInto(ifOp.elseYield().getOperand(result.getResultNumber()),
                       arg);
  if (auto forOp = dyn_cast<scf::ForOp>(op))
    return writtenInto(forOp.getInitArgs()[result.getResultNumber()], arg);
  return false;
}

struct LoopCarriedInPlacePass
    : mica::impl::LoopCarriedInPlaceBase<LoopCarriedInPlacePass> {
  void runOnOperation() override {
    getOperation()->walk([](scf::ForOp forOp) {
      auto yield = cast<scf::YieldOp>(forOp.getBody()->getTerminator());
      OpBuilder b(yield);
      for (auto [operand, arg] :
           llvm::zip_equal(yield->getOpOperands(), forOp.getRegionIterArgs())) {
        if (!isa<RankedTensorType>(arg.getType()) ||
            writtenInto(operand.get(), arg))
          continue;
        operand.set(bufferization::MaterializeInDestinationOp::create(
                        b, yield.getLoc(), operand.get(), arg)
                        .getResult());
      }
    });
  }
};

} // namespace
