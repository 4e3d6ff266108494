// RUN: not mica-opt %s -mica-convert-graph-to-linalg -split-input-file 2>&1 | FileCheck %s

// Ops without a lowering fail the pass with an error at the op, naming it;
// the location is the one the importer attached (the ONNX node name).

// Attention with a dynamic sequence length has no lowering (`mica compile`
// decomposes it first).
// CHECK: errors.mlir:[[# @LINE + 2]]:{{[0-9]+}}: error: failed to legalize operation 'graph.attention'
func.func @attention(%q: tensor<1x?x8xf32>) -> tensor<1x?x8xf32> {
  %0 = graph.attention %q, %q, %q {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x8xf32>
  return %0 : tensor<1x?x8xf32>
}

// -----

// CHECK: error: loc("/Resize_3"): failed to legalize operation 'graph.resize'
// (resize has no lowering for dynamic shapes)
func.func @named_location(%x: tensor<?x1x4x4xf32>) -> tensor<?x1x8x8xf32> {
  %0 = graph.resize %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<?x1x4x4xf32>) -> tensor<?x1x8x8xf32> loc("/Resize_3")
  return %0 : tensor<?x1x8x8xf32>
}
