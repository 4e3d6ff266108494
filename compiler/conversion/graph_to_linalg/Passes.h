//===- Passes.h - graph -> linalg lowering passes ---------------*- C++ -*-===//
#ifndef MICA_COMPILER_CONVERSION_GRAPH_TO_LINALG_PASSES_H
#define MICA_COMPILER_CONVERSION_GRAPH_TO_LINALG_PASSES_H

#include "dialects/graph/IR/GraphDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mica {

#define GEN_PASS_DECL
#include "compiler/conversion/graph_to_linalg/Passes.h.inc"

/// Adds the patterns that lower graph ops to linalg/tensor/arith/math.
void populateGraphToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// graph dialect -> bufferized memref IR: graph-to-linalg, fusion, one-shot
/// bufferization (function boundaries with identity layouts), region
/// temporaries hoisted. Every target's lowering starts with it; the CPU
/// targets continue in targets/cpu/Pipeline.h.
void buildGraphToBuffersPipeline(mlir::OpPassManager &pm);

/// The dialects and bufferization interface models the pipeline needs in the
/// context's registry (tools call this next to their own registrations).
void registerGraphToLLVMDialects(mlir::DialectRegistry &registry);

#define GEN_PASS_REGISTRATION
#include "compiler/conversion/graph_to_linalg/Passes.h.inc"

} // namespace mica

#endif // MICA_COMPILER_CONVERSION_GRAPH_TO_LINALG_PASSES_H
