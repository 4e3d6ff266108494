//===- SignlessIntegers.cpp - Unsigned integer types become signless ------===//
//
// The last step of the graph -> linalg conversion (see LoweringUtils.h): the
// unsigned semantics have been spelled out in the choice of arith ops, so
// ui8..ui64 can become i8..i64 everywhere. Bufferization, the memory plan
// and the LLVM conversion then only see signless integers; the artifact's
// signature keeps the unsigned dtypes (it was recorded before lowering).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace mica::graph_to_linalg {

/// Every type nested in `type` (tensor and memref elements, function
/// inputs and results) with unsigned integers made signless.
static Type convertType(Type type) {
  if (auto function = dyn_cast<FunctionType>(type)) {
    SmallVector<Type> inputs, results;
    for (Type t : function.getInputs())
      inputs.push_back(convertType(t));
    for (Type t : function.getResults())
      results.push_back(convertType(t));
    return FunctionType::get(type.getContext(), inputs, results);
  }
  return signlessType(type);
}

static Attribute convertAttribute(Attribute attr) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    Type element = dense.getElementType();
    if (!isUnsignedInt(element))
      return attr;
    return dense.bitcast(signlessType(element));
  }
  if (auto integer = dyn_cast<IntegerAttr>(attr)) {
    if (!isUnsignedInt(integer.getType()))
      return attr;
    return IntegerAttr::get(signlessType(integer.getType()),
                            integer.getValue());
  }
  if (auto type = dyn_cast<TypeAttr>(attr))
    return TypeAttr::get(convertType(type.getValue()));
  return attr;
}

void convertUnsignedToSignless(Operation *module) {
  module->walk([](Operation *op) {
    for (Value result : op->getResults())
      result.setType(convertType(result.getType()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          arg.setType(convertType(arg.getType()));
    SmallVector<NamedAttribute> attrs;
    bool changed = false;
    for (NamedAttribute named : op->getAttrs()) {
      Attribute converted = convertAttribute(named.getValue());
      changed |= converted != named.getValue();
      attrs.emplace_back(named.getName(), converted);
    }
    if (changed)
      op->setAttrs(attrs);
    if (auto func = dyn_cast<func::FuncOp>(op))
      func.setFunctionType(
          cast<FunctionType>(convertType(func.getFunctionType())));
  });
  // The unsigned <-> signless casts of the linalg bodies are identities now.
  module->walk([](UnrealizedConversionCastOp cast) {
    if (cast->getNumOperands() == 1 && cast->getNumResults() == 1 &&
        cast.getOperand(0).getType() == cast.getResult(0).getType()) {
      cast.getResult(0).replaceAllUsesWith(cast.getOperand(0));
      cast->erase();
    }
  });
}

} // namespace mica::graph_to_linalg
