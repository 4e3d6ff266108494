//===- GraphDialect.h - Mica graph dialect ----------------------*- C++ -*-===//
//
// Include this header to use the graph dialect: the dialect, its enum
// attributes and all its ops.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_IR_GRAPHDIALECT_H
#define MICA_DIALECTS_GRAPH_IR_GRAPHDIALECT_H

#include "dialects/graph/IR/ShapeFunctions.h"
#include "dialects/graph/IR/TypeInference.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/graph/IR/GraphDialect.h.inc"
#include "dialects/graph/IR/GraphEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/graph/IR/GraphAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.h.inc"

namespace mica::graph {
/// The lowest and highest value of an integer type (signless is signed).
std::pair<int64_t, int64_t> getIntegerRange(mlir::Type element);
} // namespace mica::graph

#endif // MICA_DIALECTS_GRAPH_IR_GRAPHDIALECT_H
