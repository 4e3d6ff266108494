//===- Passes.h - Graph-to-graph performance rewrites -----------*- C++ -*-===//
#ifndef MICA_PASSES_GRAPH_OPT_PASSES_H
#define MICA_PASSES_GRAPH_OPT_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mica {

#define GEN_PASS_DECL
#include "passes/graph_opt/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/graph_opt/Passes.h.inc"

/// mica-form-attention's rewrites (with the reshape/transpose
/// canonicalisations that cancel the views it builds).
void populateFormAttentionPatterns(mlir::RewritePatternSet &patterns);
/// mica-decompose-attention's rewrite.
/// With `keepStatic`, attention whose shapes are all static is left alone
/// (the CPU lowering computes it fused).
void populateDecomposeAttentionPatterns(mlir::RewritePatternSet &patterns,
                                        bool keepStatic = false);

} // namespace mica

#endif // MICA_PASSES_GRAPH_OPT_PASSES_H
