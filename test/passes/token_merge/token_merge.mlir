// RUN: mica-opt %s --mica-token-merge="r=2" --split-input-file | FileCheck %s
// RUN: mica-opt %s --mica-token-merge="r=0" --split-input-file | FileCheck %s --check-prefix=NONE
// RUN: mica-opt %s --mica-token-merge="r=2 protect=3 proportional=false" --split-input-file | FileCheck %s --check-prefix=PROTECT

// Two pre-norm blocks on 7 tokens (a class token and 6 others), read out by
// the class token. r=2: 7 -> 5 tokens after block 0's attention, 5 -> 3
// after block 1's; block 1's attention sees the merged keys with log(size)
// as key bias; everything after a merge is re-typed.
// CHECK-LABEL: func.func @two_blocks
// CHECK: graph.attention {{.*}} -> tensor<1x7x8xf32>
// CHECK: %[[SIM:.*]] = graph.matmul {{.*}} -> tensor<1x3x3xf32>
// CHECK: graph.top_k {{.*}} {axis = 1 : i64, k = 2 : i64, mica.float_reason = "token merge"}
// CHECK: graph.scatter_elements {{.*}} {axis = 1 : i64, mica.float_reason = "token merge", reduction = "add"} : (tensor<1x3x8xf32>, tensor<1x2x8xi64>, tensor<1x2x8xf32>) -> tensor<1x3x8xf32>
// CHECK: %[[X0:.*]] = graph.concat {{.*}} -> tensor<1x5x8xf32>
// CHECK: %[[S0:.*]] = graph.concat {{.*}} -> tensor<1x5x1xf32>
// CHECK: graph.matmul %[[X0]], {{.*}} -> tensor<1x5x8xf32>
// CHECK: %[[LOG:.*]] = graph.log %[[S0]]
// CHECK: %[[BIAS:.*]] = graph.reshape %[[LOG]] {mica.float_reason = "token merge", new_shape = array<i64: 1, 5>}
// CHECK: graph.attention {{.*}} key_bias %[[BIAS]] {{.*}} -> tensor<1x5x8xf32>
// CHECK: graph.concat {{.*}} -> tensor<1x3x8xf32>
// CHECK: %[[CLS:.*]] = graph.gather {{.*}} : (tensor<1x3x8xf32>, tensor<i64>) -> tensor<1x8xf32>
// CHECK: return %[[CLS]]
// NONE-LABEL: func.func @two_blocks
// NONE-NOT: graph.top_k
// NONE-NOT: key_bias
// PROTECT-LABEL: func.func @two_blocks
// Three protected tokens leave 4 to match: 2 merged, then 1 (clamped).
// PROTECT: graph.concat {{.*}} -> tensor<1x5x8xf32>
// PROTECT-NOT: key_bias
// PROTECT: graph.concat {{.*}} -> tensor<1x4x8xf32>
func.func @two_blocks(%x: tensor<1x7x8xf32>) -> tensor<1x8xf32> {
  %w = graph.constant dense<0.125> : tensor<8x8xf32>
  %zero = graph.constant dense<0> : tensor<i64>
  %a0 = graph.attention %x, %x, %x {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<1x7x8xf32>, tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %p0 = graph.matmul %a0, %w : (tensor<1x7x8xf32>, tensor<8x8xf32>) -> tensor<1x7x8xf32>
  %r0 = graph.add %x, %p0 : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %m0 = graph.matmul %r0, %w : (tensor<1x7x8xf32>, tensor<8x8xf32>) -> tensor<1x7x8xf32>
  %x1 = graph.add %r0, %m0 : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %a1 = graph.attention %x1, %x1, %x1 {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<1x7x8xf32>, tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %p1 = graph.matmul %a1, %w : (tensor<1x7x8xf32>, tensor<8x8xf32>) -> tensor<1x7x8xf32>
  %r1 = graph.add %x1, %p1 : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %cls = graph.gather %r1, %zero {axis = 1 : i64} : (tensor<1x7x8xf32>, tensor<i64>) -> tensor<1x8xf32>
  return %cls : tensor<1x8xf32>
}

// -----

// A mean over tokens weighs each merged token by its size: sum(x * s) / 7.
// CHECK-LABEL: func.func @mean_pool
// CHECK: %[[X:.*]] = graph.concat {{.*}} -> tensor<1x5x8xf32>
// CHECK: %[[S:.*]] = graph.concat {{.*}} -> tensor<1x5x1xf32>
// CHECK: %[[W:.*]] = graph.mul %[[X]], %[[S]]
// CHECK: %[[SUM:.*]] = graph.reduce <sum> %[[W]] {axes = array<i64: 1>, keepdims = false, mica.float_reason = "token merge"}
// CHECK: graph.mul %[[SUM]], %{{.*}} : (tensor<1x8xf32>, tensor<f32>)
// CHECK-NOT: <mean>
func.func @mean_pool(%x: tensor<1x7x8xf32>) -> tensor<1x8xf32> {
  %a = graph.attention %x, %x, %x {num_heads = 1 : i64, scale = 0.5 : f64} : (tensor<1x7x8xf32>, tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %r = graph.add %x, %a : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %m = graph.reduce <mean> %r {axes = array<i64: 1>, keepdims = false} : (tensor<1x7x8xf32>) -> tensor<1x8xf32>
  return %m : tensor<1x8xf32>
}


// -----

// Cross-attention to another sequence of the same length (keys not
// computed from the queries' source) is not a place to merge: tokens stay.
// CHECK-LABEL: func.func @cross_same_length
// CHECK-NOT: graph.top_k
// CHECK: return
func.func @cross_same_length(%x: tensor<1x7x8xf32>, %text: tensor<1x7x8xf32>) -> tensor<1x8xf32> {
  %zero = graph.constant dense<0> : tensor<i64>
  %a = graph.attention %x, %text, %text {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<1x7x8xf32>, tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %r = graph.add %x, %a : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %cls = graph.gather %r, %zero {axis = 1 : i64} : (tensor<1x7x8xf32>, tensor<i64>) -> tensor<1x8xf32>
  return %cls : tensor<1x8xf32>
}
