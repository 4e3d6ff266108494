// RUN: mica-opt %s --mica-temporal-merge="frames=4 dim=0" | FileCheck %s

// Two input dims have 4 elements; dim=0 names the frame axis: the
// attention runs on 2 frames of 4 tokens.
// CHECK-LABEL: func.func @named
// CHECK: graph.attention {{.*}} -> tensor<2x4x8xf32>
// CHECK: graph.add %arg0, {{.*}} : (tensor<4x4x8xf32>, tensor<4x4x8xf32>)
func.func @named(%x: tensor<4x4x8xf32>) -> tensor<4x4x8xf32> {
  %a = graph.attention %x, %x, %x {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<4x4x8xf32>, tensor<4x4x8xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %r = graph.add %x, %a : (tensor<4x4x8xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %r : tensor<4x4x8xf32>
}
