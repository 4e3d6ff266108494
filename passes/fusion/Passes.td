//===- Passes.td - Fusion passes ---------------------------*- tablegen -*-===//
//
// Passes that merge ops so that intermediates are never written to memory.
// They change where values are computed, never their values. Run by the
// lowering to buffers (compiler/conversion/graph_to_linalg/Pipeline.cpp) while
// ops are still on tensors.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_FUSION_PASSES
#define MICA_PASSES_FUSION_PASSES

include "mlir/Pass/PassBase.td"

def FuseElementwise : Pass<"mica-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg ops on tensors without recomputing "
                "any element";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` (elementwise producer into
    consumer, reshape propagation, constant folding) with one restriction: a
    producer is fused only when the consumer reads it through a permutation
    map, i.e. once per element. Upstream also fuses into consumers that
    broadcast the producer's result, which for a matmul fed by a layer norm
    or a GELU computes that prologue once per output column (K x N times
    instead of K). Fusion never changes values: each element is computed by
    the same ops either way.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MICA_PASSES_FUSION_PASSES
