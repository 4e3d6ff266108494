//===- ExecUtils.cpp - Helpers on bound kernel functions ------------------===//
#include "dialects/exec/IR/ExecUtils.h"

#include "mlir/IR/Operation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

bool mica::exec::collectPureSlice(Value value, Block &block,
                                  llvm::SetVector<Operation *> &slice) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    return arg.getOwner() == &block;
  Operation *def = value.getDefiningOp();
  if (slice.contains(def))
    return true;
  if (def->getBlock() != &block || def->getNumRegions() != 0 ||
      !isMemoryEffectFree(def))
    return false;
  for (Value operand : def->getOperands())
    if (!collectPureSlice(operand, block, slice))
      return false;
  slice.insert(def);
  return true;
}
