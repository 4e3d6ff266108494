// RUN: mica-opt %s --mica-form-attention --split-input-file | FileCheck %s

// A ViT block as torch exports it at opset 13: fused qkv reshaped to
// [B, S, 3, H, D], permuted, split by gathers, the scale on the scores. The
// gathers read the untransposed qkv (the transpose moves below them) and
// the views cancel: the op reads [B, S, E] reshapes of the gathered heads
// and its result feeds the projection directly.
// CHECK-LABEL: func.func @fused_qkv
// CHECK-NOT: graph.transpose
// CHECK-NOT: graph.softmax
// CHECK: %[[Q:.*]] = graph.gather %{{.*}} {axis = 2 : i64} : (tensor<2x5x3x2x4xf32>, tensor<i64>) -> tensor<2x5x2x4xf32>
// CHECK: %[[A:.*]] = graph.attention %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 2 : i64, scale = 5.000000e-01 : f64} : (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
// CHECK: return %[[A]]
func.func @fused_qkv(%qkv: tensor<2x5x24xf32>) -> tensor<2x5x8xf32> {
  %c0 = graph.constant dense<0> : tensor<i64>
  %c1 = graph.constant dense<1> : tensor<i64>
  %c2 = graph.constant dense<2> : tensor<i64>
  %scale = graph.constant dense<0.5> : tensor<f32>
  %r = graph.reshape %qkv {new_shape = array<i64: 2, 5, 3, 2, 4>} : (tensor<2x5x24xf32>) -> tensor<2x5x3x2x4xf32>
  %t = graph.transpose %r {perm = array<i64: 2, 0, 3, 1, 4>} : (tensor<2x5x3x2x4xf32>) -> tensor<3x2x2x5x4xf32>
  %q = graph.gather %t, %c0 : (tensor<3x2x2x5x4xf32>, tensor<i64>) -> tensor<2x2x5x4xf32>
  %k = graph.gather %t, %c1 : (tensor<3x2x2x5x4xf32>, tensor<i64>) -> tensor<2x2x5x4xf32>
  %v = graph.gather %t, %c2 : (tensor<3x2x2x5x4xf32>, tensor<i64>) -> tensor<2x2x5x4xf32>
  %kt = graph.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x2x5x4xf32>) -> tensor<2x2x4x5xf32>
  %s = graph.matmul %q, %kt : (tensor<2x2x5x4xf32>, tensor<2x2x4x5xf32>) -> tensor<2x2x5x5xf32>
  %ss = graph.mul %s, %scale : (tensor<2x2x5x5xf32>, tensor<f32>) -> tensor<2x2x5x5xf32>
  %p = graph.softmax %ss : (tensor<2x2x5x5xf32>) -> tensor<2x2x5x5xf32>
  %o = graph.matmul %p, %v : (tensor<2x2x5x5xf32>, tensor<2x2x5x4xf32>) -> tensor<2x2x5x4xf32>
  %ot = graph.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x5x4xf32>) -> tensor<2x5x2x4xf32>
  %y = graph.reshape %ot {new_shape = array<i64: 2, 5, 8>} : (tensor<2x5x2x4xf32>) -> tensor<2x5x8xf32>
  return %y : tensor<2x5x8xf32>
}

// -----

// torch's seq-first MultiheadAttention: heads in the batch ([B*H, S, D]),
// q divided by sqrt(D), an additive mask: one head per batch row, the
// scale 1/8 on the scores, the 3-D mask given a head dim.
// CHECK-LABEL: func.func @seq_first
// CHECK: %[[M:.*]] = graph.reshape %arg3 {new_shape = array<i64: 1, 1, 7, 7>}
// CHECK: %[[A:.*]] = graph.attention %{{.*}}, %{{.*}}, %{{.*}} mask %[[M]] {num_heads = 1 : i64, scale = 1.250000e-01 : f64} : (tensor<3x7x64xf32>, tensor<3x7x64xf32>, tensor<3x7x64xf32>, tensor<1x1x7x7xf32>) -> tensor<3x7x64xf32>
// CHECK-NOT: graph.softmax
func.func @seq_first(%q: tensor<7x3x64xf32>, %k: tensor<7x3x64xf32>, %v: tensor<7x3x64xf32>, %m: tensor<1x7x7xf32>) -> tensor<7x3x64xf32> {
  %eight = graph.constant dense<8.0> : tensor<f32>
  %qt = graph.transpose %q {perm = array<i64: 1, 0, 2>} : (tensor<7x3x64xf32>) -> tensor<3x7x64xf32>
  %qs = graph.div %qt, %eight : (tensor<3x7x64xf32>, tensor<f32>) -> tensor<3x7x64xf32>
  %kt = graph.transpose %k {perm = array<i64: 1, 2, 0>} : (tensor<7x3x64xf32>) -> tensor<3x64x7xf32>
  %vt = graph.transpose %v {perm = array<i64: 1, 0, 2>} : (tensor<7x3x64xf32>) -> tensor<3x7x64xf32>
  %s = graph.matmul %qs, %kt : (tensor<3x7x64xf32>, tensor<3x64x7xf32>) -> tensor<3x7x7xf32>
  %sm = graph.add %s, %m : (tensor<3x7x7xf32>, tensor<1x7x7xf32>) -> tensor<3x7x7xf32>
  %p = graph.softmax %sm : (tensor<3x7x7xf32>) -> tensor<3x7x7xf32>
  %o = graph.matmul %p, %vt : (tensor<3x7x7xf32>, tensor<3x7x64xf32>) -> tensor<3x7x64xf32>
  %y = graph.transpose %o {perm = array<i64: 1, 0, 2>} : (tensor<3x7x64xf32>) -> tensor<7x3x64xf32>
  return %y : tensor<7x3x64xf32>
}

// -----

// Left alone: the probabilities are also returned (need_weights), and a
// sequence length is dynamic.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: graph.attention
// CHECK: graph.softmax
// CHECK: graph.softmax
func.func @left_alone(%q: tensor<2x4x8xf32>, %kt: tensor<2x8x4xf32>, %v: tensor<2x4x8xf32>, %dq: tensor<2x?x8xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x4xf32>, tensor<2x?x8xf32>) {
  %s = graph.matmul %q, %kt : (tensor<2x4x8xf32>, tensor<2x8x4xf32>) -> tensor<2x4x4xf32>
  %p = graph.softmax %s : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %o = graph.matmul %p, %v : (tensor<2x4x4xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %ds = graph.matmul %dq, %kt : (tensor<2x?x8xf32>, tensor<2x8x4xf32>) -> tensor<2x?x4xf32>
  %dp = graph.softmax %ds : (tensor<2x?x4xf32>) -> tensor<2x?x4xf32>
  %do = graph.matmul %dp, %v : (tensor<2x?x4xf32>, tensor<2x4x8xf32>) -> tensor<2x?x8xf32>
  return %o, %p, %do : tensor<2x4x8xf32>, tensor<2x4x4xf32>, tensor<2x?x8xf32>
}
