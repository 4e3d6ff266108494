// RUN: mica-opt %s --mica-fold-transposes --split-input-file | FileCheck %s

// Attention as exporters write it: the unit-dim transpose becomes a reshape,
// the scale moves before Q's transpose, Q's and V's transposes and the
// output transpose fold into einsums; K's transpose (its innermost dim
// would not stay innermost) stays a copy.
// CHECK-LABEL: func.func @attention
// CHECK-NOT: perm = array<i64: 1, 0, 2>
// CHECK: %[[X:.*]] = graph.reshape %arg0 {new_shape = array<i64: 197, 1, 192>}
// CHECK: %[[QS:.*]] = graph.div %arg1, %{{.*}} : (tensor<197x3x64xf32>, tensor<f32>) -> tensor<197x3x64xf32>
// CHECK: %[[KT:.*]] = graph.transpose %arg2 {perm = array<i64: 1, 2, 0>}
// CHECK: %[[S:.*]] = graph.einsum %[[QS]], %[[KT]] {equation = "bad,adc->abc"} : (tensor<197x3x64xf32>, tensor<3x64x197xf32>) -> tensor<3x197x197xf32>
// CHECK: %[[O:.*]] = graph.einsum %[[S]], %arg3 {equation = "abd,dac->bac"} : (tensor<3x197x197xf32>, tensor<197x3x64xf32>) -> tensor<197x3x64xf32>
// CHECK: return %[[X]], %[[O]]
func.func @attention(%x: tensor<1x197x192xf32>, %q: tensor<197x3x64xf32>, %k: tensor<197x3x64xf32>, %v: tensor<197x3x64xf32>) -> (tensor<197x1x192xf32>, tensor<197x3x64xf32>) {
  %scale = graph.constant dense<8.0> : tensor<f32>
  %xt = graph.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<1x197x192xf32>) -> tensor<197x1x192xf32>
  %qt = graph.transpose %q {perm = array<i64: 1, 0, 2>} : (tensor<197x3x64xf32>) -> tensor<3x197x64xf32>
  %qs = graph.div %qt, %scale : (tensor<3x197x64xf32>, tensor<f32>) -> tensor<3x197x64xf32>
  %kt = graph.transpose %k {perm = array<i64: 1, 2, 0>} : (tensor<197x3x64xf32>) -> tensor<3x64x197xf32>
  %s = graph.matmul %qs, %kt : (tensor<3x197x64xf32>, tensor<3x64x197xf32>) -> tensor<3x197x197xf32>
  %vt = graph.transpose %v {perm = array<i64: 1, 0, 2>} : (tensor<197x3x64xf32>) -> tensor<3x197x64xf32>
  %o = graph.matmul %s, %vt : (tensor<3x197x197xf32>, tensor<3x197x64xf32>) -> tensor<3x197x64xf32>
  %ot = graph.transpose %o {perm = array<i64: 1, 0, 2>} : (tensor<3x197x64xf32>) -> tensor<197x3x64xf32>
  return %xt, %ot : tensor<197x1x192xf32>, tensor<197x3x64xf32>
}

// -----

// Left alone: a right operand whose innermost dim moves, dynamic shapes
// (graph.einsum lowers static shapes only), a scalar op on a transpose with
// other users.
// CHECK-LABEL: func.func @kept
// CHECK: graph.transpose
// CHECK: graph.matmul
// CHECK: graph.transpose
// CHECK: graph.matmul
// CHECK: graph.transpose
// CHECK: graph.mul
// CHECK-NOT: graph.einsum
func.func @kept(%a: tensor<8x16xf32>, %b: tensor<32x16xf32>, %d: tensor<?x8xf32>, %e: tensor<?x4xf32>) -> (tensor<8x32xf32>, tensor<8x4xf32>, tensor<16x8xf32>, tensor<16x8xf32>) {
  %bt = graph.transpose %b {perm = array<i64: 1, 0>} : (tensor<32x16xf32>) -> tensor<16x32xf32>
  %0 = graph.matmul %a, %bt : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %dt = graph.transpose %d {perm = array<i64: 1, 0>} : (tensor<?x8xf32>) -> tensor<8x?xf32>
  %1 = graph.matmul %dt, %e : (tensor<8x?xf32>, tensor<?x4xf32>) -> tensor<8x4xf32>
  %at = graph.transpose %a {perm = array<i64: 1, 0>} : (tensor<8x16xf32>) -> tensor<16x8xf32>
  %two = graph.constant dense<2.0> : tensor<f32>
  %2 = graph.mul %at, %two : (tensor<16x8xf32>, tensor<f32>) -> tensor<16x8xf32>
  return %0, %1, %at, %2 : tensor<8x32xf32>, tensor<8x4xf32>, tensor<16x8xf32>, tensor<16x8xf32>
}
