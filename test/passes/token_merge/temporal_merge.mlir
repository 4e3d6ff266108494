// RUN: mica-opt %s --mica-temporal-merge="frames=4" --split-input-file | FileCheck %s

// A spatial block (frames in the batch: attention over the 6 tokens of
// each frame) and a temporal one (tokens in the batch: attention over the 4
// frames). Each attention branch reads frame pairs averaged ([.., 2, 2, ..]
// mean over the pair) and its output is repeated to both frames before the
// residual add; the residual stream keeps 4 frames.
// CHECK-LABEL: func.func @spatial_temporal
// CHECK: %[[P:.*]] = graph.reshape %arg0 {{{.*}}new_shape = array<i64: 1, 2, 2, 1, 6, 8>}
// CHECK: %[[M:.*]] = graph.reduce <mean> %[[P]] {axes = array<i64: 2>, mica.float_reason = "token merge"}
// CHECK: %[[H:.*]] = graph.reshape %[[M]] {{{.*}}new_shape = array<i64: 2, 6, 8>}
// CHECK: %[[A:.*]] = graph.attention %[[H]], %[[H]], %[[H]] {{.*}} -> tensor<2x6x8xf32>
// CHECK: %[[U:.*]] = graph.reshape %[[A]] {{{.*}}new_shape = array<i64: 1, 2, 1, 1, 6, 8>}
// CHECK: %[[B:.*]] = graph.broadcast_to %[[U]] {{{.*}}shape = array<i64: 1, 2, 2, 1, 6, 8>}
// CHECK: %[[R:.*]] = graph.reshape %[[B]] {{{.*}}new_shape = array<i64: 4, 6, 8>}
// CHECK: %[[X1:.*]] = graph.add %arg0, %[[R]] : (tensor<4x6x8xf32>, tensor<4x6x8xf32>)
// CHECK: %[[T:.*]] = graph.transpose %[[X1]] {perm = array<i64: 1, 0, 2>} : (tensor<4x6x8xf32>) -> tensor<6x4x8xf32>
// CHECK: graph.reduce <mean> {{.*}} {axes = array<i64: 3>, mica.float_reason = "token merge"} : (tensor<6x1x2x2x1x8xf32>) -> tensor<6x1x2x1x1x8xf32>
// CHECK: graph.attention {{.*}} -> tensor<6x2x8xf32>
// CHECK: graph.broadcast_to {{.*}} {{{.*}}shape = array<i64: 6, 1, 2, 2, 1, 8>}
// CHECK: graph.add %[[T]], {{.*}} : (tensor<6x4x8xf32>, tensor<6x4x8xf32>) -> tensor<6x4x8xf32>
func.func @spatial_temporal(%x: tensor<4x6x8xf32>) -> tensor<6x4x8xf32> {
  %s = graph.attention %x, %x, %x {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<4x6x8xf32>, tensor<4x6x8xf32>, tensor<4x6x8xf32>) -> tensor<4x6x8xf32>
  %x1 = graph.add %x, %s : (tensor<4x6x8xf32>, tensor<4x6x8xf32>) -> tensor<4x6x8xf32>
  %t = graph.transpose %x1 {perm = array<i64: 1, 0, 2>} : (tensor<4x6x8xf32>) -> tensor<6x4x8xf32>
  %a = graph.attention %t, %t, %t {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<6x4x8xf32>, tensor<6x4x8xf32>, tensor<6x4x8xf32>) -> tensor<6x4x8xf32>
  %x2 = graph.add %t, %a : (tensor<6x4x8xf32>, tensor<6x4x8xf32>) -> tensor<6x4x8xf32>
  return %x2 : tensor<6x4x8xf32>
}

