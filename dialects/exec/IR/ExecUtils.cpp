//===- ExecUtils.cpp - Helpers on bound kernel functions ------------------===//
#include "dialects/exec/IR/ExecUtils.h"

#include "mlir/IR/Operation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

bool mica::exec::isComputedScalar(Value value, Block &block) {
  Operation *def = value.getDefiningOp();
  return def && def->getBlock() == &block &&
         value.getType().isIntOrIndexOrFloat() &&
         (def->getNumRegions() != 0 || !isMemoryEffectFree(def));
}

bool mica::exec::collectPureSlice(Value value, Block &block,
                                  llvm::SetVector<Operation *> &slice,
                                  llvm::SetVector<Value> *scalars) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    return arg.getOwner() == &block;
  Operation *def = value.getDefiningOp();
  if (slice.contains(def))
    return true;
  if (scalars && isComputedScalar(value, block)) {
    scalars->insert(value);
    return true;
  }
  if (def->getBlock() != &block || def->getNumRegions() != 0 ||
      !isMemoryEffectFree(def))
    return false;
  for (Value operand : def->getOperands())
    if (!collectPureSlice(operand, block, slice, scalars))
      return false;
  slice.insert(def);
  return true;
}
