// RUN: mica-opt %s --mica-decompose-attention --split-input-file --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s

// Heads split into [B, H, S, D] views; the scale, mask, key bias (viewed
// [B, 1, 1, Skv]) and the causal mask (-inf above the diagonal) are added
// to the scores in that order; the heads come back to [B, S, E].
// CHECK-LABEL: func.func @heads
// CHECK: %[[C:.*]] = graph.constant dense<{{\[\[}}0.000000e+00, 0xFF800000, 0xFF800000], [0.000000e+00, 0.000000e+00, 0xFF800000], [0.000000e+00, 0.000000e+00, 0.000000e+00]]>
// CHECK: %[[Q:.*]] = graph.transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
// CHECK: %[[K:.*]] = graph.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x4x3xf32>
// CHECK: %[[S:.*]] = graph.matmul %[[Q]], %[[K]]
// CHECK: %[[SS:.*]] = graph.mul %[[S]], %{{.*}} : (tensor<1x2x3x3xf32>, tensor<f32>)
// CHECK: %[[SM:.*]] = graph.add %[[SS]], %arg1 : (tensor<1x2x3x3xf32>, tensor<3x3xf32>)
// CHECK: %[[B:.*]] = graph.reshape %arg2 {new_shape = array<i64: 1, 1, 1, 3>}
// CHECK: %[[SB:.*]] = graph.add %[[SM]], %[[B]]
// CHECK: %[[SC:.*]] = graph.add %[[SB]], %[[C]]
// CHECK: %[[P:.*]] = graph.softmax %[[SC]]
// CHECK: %[[O:.*]] = graph.matmul %[[P]], %{{.*}} : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
// CHECK: %[[OT:.*]] = graph.transpose %[[O]] {perm = array<i64: 0, 2, 1, 3>}
// CHECK: graph.reshape %[[OT]] {new_shape = array<i64: 0, 3, 8>} : (tensor<1x3x2x4xf32>) -> tensor<1x3x8xf32>
func.func @heads(%x: tensor<1x3x8xf32>, %m: tensor<3x3xf32>, %b: tensor<1x3xf32>) -> tensor<1x3x8xf32> {
  %0 = graph.attention %x, %x, %x mask %m key_bias %b {num_heads = 2 : i64, scale = 0.5 : f64, causal = true}
      : (tensor<1x3x8xf32>, tensor<1x3x8xf32>, tensor<1x3x8xf32>, tensor<3x3xf32>, tensor<1x3xf32>) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}

// -----

// One head stays 3-D, with no multiplication for scale 1; the nodes the op
// was formed from name the pieces again.
// CHECK-LABEL: func.func @one_head
// CHECK: %[[K:.*]] = graph.transpose %arg1 {perm = array<i64: 0, 2, 1>}
// CHECK: %[[S:.*]] = graph.matmul %arg0, %[[K]] {{.*}} loc("scores")
// CHECK-NOT: graph.mul
// CHECK: %[[P:.*]] = graph.softmax %[[S]] {{.*}} loc("softmax")
// CHECK: %[[O:.*]] = graph.matmul %[[P]], %arg1 {{.*}} loc("values")
// CHECK: return %[[O]]
func.func @one_head(%q: tensor<3x7x16xf32>, %k: tensor<3x9x16xf32>) -> tensor<3x7x16xf32> {
  %0 = graph.attention %q, %k, %k {num_heads = 1 : i64, scale = 1.0 : f64}
      : (tensor<3x7x16xf32>, tensor<3x9x16xf32>, tensor<3x9x16xf32>) -> tensor<3x7x16xf32>
      loc(fused<"attention">["scores", "scale", "mask", "softmax", "values"])
  return %0 : tensor<3x7x16xf32>
}
