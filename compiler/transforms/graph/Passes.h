//===- Passes.h - Graph-to-graph performance rewrites -----------*- C++ -*-===//
#ifndef MICA_COMPILER_TRANSFORMS_GRAPH_PASSES_H
#define MICA_COMPILER_TRANSFORMS_GRAPH_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "compiler/transforms/graph/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/transforms/graph/Passes.h.inc"

} // namespace mica

#endif // MICA_COMPILER_TRANSFORMS_GRAPH_PASSES_H
