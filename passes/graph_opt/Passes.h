//===- Passes.h - Graph-to-graph performance rewrites -----------*- C++ -*-===//
#ifndef MICA_PASSES_GRAPH_OPT_PASSES_H
#define MICA_PASSES_GRAPH_OPT_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "passes/graph_opt/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/graph_opt/Passes.h.inc"

} // namespace mica

#endif // MICA_PASSES_GRAPH_OPT_PASSES_H
