// RUN: mica-opt %s --mica-prune-channels="fraction=0.5" --split-input-file | FileCheck %s
// RUN: mica-opt %s --mica-prune-channels="fraction=0.5 score=l2" --split-input-file | FileCheck %s
// RUN: mica-opt %s --mica-prune-channels="fraction=0.5 round=4" --split-input-file | FileCheck %s --check-prefix=ROUND
// RUN: mica-opt %s --mica-prune-channels="fraction=0" --split-input-file | FileCheck %s --check-prefix=NONE

// A chain: conv1's four channels score 1, 0.1, 2 and 0.2 (mean |w| of their
// filters); half go, the lowest: channels 1 and 3. conv2 loses the matching
// input columns; its own channels reach the output and stay.
// CHECK-LABEL: func.func @chain
// CHECK: %[[W1:.*]] = graph.constant dense<{{.*}}1.000000e+00{{.*}}2.000000e+00{{.*}}> : tensor<2x2x1x1xf32>
// CHECK: %[[B1:.*]] = graph.constant dense<[1.000000e+01, 3.000000e+01]> : tensor<2xf32>
// CHECK: %[[W2:.*]] = graph.constant dense<{{.*}}> : tensor<3x2x1x1xf32>
// CHECK: %[[C1:.*]] = graph.conv %arg0, %[[W1]], %[[B1]] {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[R:.*]] = graph.relu %[[C1]] : tensor<1x2x4x4xf32>
// CHECK: graph.conv %[[R]], %[[W2]] {{.*}} -> tensor<1x3x4x4xf32>
// ROUND-LABEL: func.func @chain
// ROUND: graph.conv {{.*}} -> tensor<1x4x4x4xf32>
// NONE-LABEL: func.func @chain
// NONE: graph.conv {{.*}} -> tensor<1x4x4x4xf32>
func.func @chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w1 = graph.constant dense<[[[[1.0]], [[-1.0]]], [[[0.1]], [[0.1]]], [[[2.0]], [[2.0]]], [[[-0.2]], [[0.2]]]]> : tensor<4x2x1x1xf32>
  %b1 = graph.constant dense<[10.0, 0.0, 30.0, 0.0]> : tensor<4xf32>
  %w2 = graph.constant dense<1.0> : tensor<3x4x1x1xf32>
  %c1 = graph.conv %x, %w1, %b1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %r = graph.relu %c1 : tensor<1x4x4x4xf32>
  %c2 = graph.conv %r, %w2 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
  return %c2 : tensor<1x3x4x4xf32>
}

// -----

// A residual add ties the channels of both branches (one group of four,
// scored by both producers: channels 0 and 3 go); the flatten before the
// linear layer maps each channel to its 16 features.
// CHECK-LABEL: func.func @residual_flatten
// CHECK-DAG: graph.constant {{.*}} : tensor<2x2x1x1xf32>
// CHECK-DAG: graph.constant {{.*}} : tensor<2x2x1x1xf32>
// CHECK-DAG: graph.constant {{.*}} : tensor<10x32xf32>
// CHECK: %[[A:.*]] = graph.conv %arg0, {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[B:.*]] = graph.conv %[[A]], {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[S:.*]] = graph.add %[[A]], %[[B]] : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[F:.*]] = graph.reshape %[[S]] {new_shape = array<i64: 1, -1>} : (tensor<1x2x4x4xf32>) -> tensor<1x32xf32>
// CHECK: graph.fully_connected %[[F]], {{.*}} -> tensor<1x10xf32>
func.func @residual_flatten(%x: tensor<1x2x4x4xf32>) -> tensor<1x10xf32> {
  %wa = graph.constant dense<[[[[0.1]], [[0.1]]], [[[1.0]], [[1.0]]], [[[2.0]], [[2.0]]], [[[0.1]], [[0.1]]]]> : tensor<4x2x1x1xf32>
  %wb = graph.constant dense<[[[[0.0]], [[0.0]], [[0.0]], [[0.0]]], [[[1.0]], [[1.0]], [[1.0]], [[1.0]]], [[[1.0]], [[1.0]], [[1.0]], [[1.0]]], [[[0.1]], [[0.0]], [[0.0]], [[0.0]]]]> : tensor<4x4x1x1xf32>
  %wf = graph.constant dense<0.5> : tensor<10x64xf32>
  %a = graph.conv %x, %wa {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %b = graph.conv %a, %wb {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %s = graph.add %a, %b : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %f = graph.reshape %s {new_shape = array<i64: 1, -1>} : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
  %y = graph.fully_connected %f, %wf : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// -----

// Concat maps each producer's channels to its part of the result; the
// depthwise conv after it keeps them (its groups follow); each producer
// loses half of its own channels.
// CHECK-LABEL: func.func @concat_depthwise
// CHECK: %[[P:.*]] = graph.conv %arg0, {{.*}} -> tensor<1x1x4x4xf32>
// CHECK: %[[Q:.*]] = graph.conv %arg0, {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[C:.*]] = graph.concat %[[P]], %[[Q]] {axis = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32>
// CHECK: %[[D:.*]] = graph.conv %[[C]], {{.*}} {dilations = array<i64: 1, 1>, groups = 3 : i64, {{.*}} : (tensor<1x3x4x4xf32>, tensor<3x1x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
// CHECK: graph.conv %[[D]], {{.*}} : (tensor<1x3x4x4xf32>, tensor<5x3x1x1xf32>) -> tensor<1x5x4x4xf32>
func.func @concat_depthwise(%x: tensor<1x2x4x4xf32>) -> tensor<1x5x4x4xf32> {
  %wp = graph.constant dense<[[[[1.0]], [[1.0]]], [[[0.5]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %wq = graph.constant dense<[[[[1.0]], [[1.0]]], [[[0.5]], [[0.5]]], [[[3.0]], [[1.0]]], [[[0.1]], [[0.5]]]]> : tensor<4x2x1x1xf32>
  %wd = graph.constant dense<0.25> : tensor<6x1x3x3xf32>
  %bd = graph.constant dense<0.0> : tensor<6xf32>
  %wo = graph.constant dense<1.0> : tensor<5x6x1x1xf32>
  %p = graph.conv %x, %wp {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = graph.conv %x, %wq {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %c = graph.concat %p, %q {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x6x4x4xf32>
  %d = graph.conv %c, %wd, %bd {dilations = array<i64: 1, 1>, groups = 6 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x6x4x4xf32>, tensor<6x1x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
  %o = graph.conv %d, %wo {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x4x4xf32>, tensor<5x6x1x1xf32>) -> tensor<1x5x4x4xf32>
  return %o : tensor<1x5x4x4xf32>
}

// -----

// What cannot change: channels that reach a model output, a norm over the
// channels, a channel axis that a reshape splits. The MLP's hidden channels
// (between two products, through GELU) are free and go.
// CHECK-LABEL: func.func @kept
// CHECK: graph.matmul %arg0, {{.*}} -> tensor<1x4x8xf32>
// CHECK: graph.layer_norm {{.*}} -> tensor<1x4x8xf32>
// CHECK: %[[H:.*]] = graph.matmul {{.*}} : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
// CHECK: %[[G:.*]] = graph.gelu %[[H]] : tensor<1x4x8xf32>
// CHECK: graph.matmul %[[G]], {{.*}} : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
// CHECK: graph.reshape {{.*}} -> tensor<1x4x2x4xf32>
func.func @kept(%x: tensor<1x4x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x2x4xf32>) {
  %w = graph.constant dense<0.5> : tensor<8x8xf32>
  %w16 = graph.constant dense<0.5> : tensor<8x16xf32>
  %w16t = graph.constant dense<0.5> : tensor<16x8xf32>
  %g = graph.constant dense<1.0> : tensor<8xf32>
  %e = graph.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  %n = graph.layer_norm %e, %g {axis = -1 : i64} : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %h = graph.matmul %n, %w16 : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %a = graph.gelu %h : tensor<1x4x16xf32>
  %o = graph.matmul %a, %w16t : (tensor<1x4x16xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  %s = graph.reshape %o {new_shape = array<i64: 1, 4, 2, 4>} : (tensor<1x4x8xf32>) -> tensor<1x4x2x4xf32>
  return %e, %s : tensor<1x4x8xf32>, tensor<1x4x2x4xf32>
}

// -----

// Attention heads: the fused qkv projection's channels are split into
// [3, heads, head_dim]; channels go by whole heads, from q, k and v alike,
// and the output projection loses the matching columns. Head 1's weights
// are the larger: head 0 goes.
// CHECK-LABEL: func.func @heads
// CHECK: %[[QKV:.*]] = graph.matmul %arg0, {{.*}} : (tensor<1x4x8xf32>, tensor<8x12xf32>) -> tensor<1x4x12xf32>
// CHECK: %[[S:.*]] = graph.reshape %[[QKV]] {new_shape = array<i64: 1, 4, 3, 1, 4>}
// CHECK: graph.gather %[[S]], {{.*}} -> tensor<1x4x1x4xf32>
// CHECK: graph.attention {{.*}} {num_heads = 1 : i64, scale = 5.000000e-01 : f64} : (tensor<1x4x4xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
// CHECK: graph.matmul {{.*}} : (tensor<1x4x4xf32>, tensor<4x8xf32>) -> tensor<1x4x8xf32>
func.func @heads(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %w = graph.constant dense<[[0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0]]> : tensor<8x24xf32>
  %wo = graph.constant dense<0.5> : tensor<8x8xf32>
  %i0 = graph.constant dense<0> : tensor<i64>
  %i1 = graph.constant dense<1> : tensor<i64>
  %i2 = graph.constant dense<2> : tensor<i64>
  %qkv = graph.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x24xf32>) -> tensor<1x4x24xf32>
  %s = graph.reshape %qkv {new_shape = array<i64: 1, 4, 3, 2, 4>} : (tensor<1x4x24xf32>) -> tensor<1x4x3x2x4xf32>
  %q4 = graph.gather %s, %i0 {axis = 2 : i64} : (tensor<1x4x3x2x4xf32>, tensor<i64>) -> tensor<1x4x2x4xf32>
  %k4 = graph.gather %s, %i1 {axis = 2 : i64} : (tensor<1x4x3x2x4xf32>, tensor<i64>) -> tensor<1x4x2x4xf32>
  %v4 = graph.gather %s, %i2 {axis = 2 : i64} : (tensor<1x4x3x2x4xf32>, tensor<i64>) -> tensor<1x4x2x4xf32>
  %q = graph.reshape %q4 {new_shape = array<i64: 1, 4, 8>} : (tensor<1x4x2x4xf32>) -> tensor<1x4x8xf32>
  %k = graph.reshape %k4 {new_shape = array<i64: 1, 4, 8>} : (tensor<1x4x2x4xf32>) -> tensor<1x4x8xf32>
  %v = graph.reshape %v4 {new_shape = array<i64: 1, 4, 8>} : (tensor<1x4x2x4xf32>) -> tensor<1x4x8xf32>
  %a = graph.attention %q, %k, %v {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %o = graph.matmul %a, %wo : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
  return %o : tensor<1x4x8xf32>
}

// -----

// A value read inside a region (a branch of an if) keeps its channels: the
// analysis does not follow readers there.
// CHECK-LABEL: func.func @region
// CHECK: graph.conv {{.*}} -> tensor<1x4x4x4xf32>
func.func @region(%x: tensor<1x2x4x4xf32>, %c: tensor<i1>) -> tensor<1x3x4x4xf32> {
  %w1 = graph.constant dense<[[[[1.0]], [[1.0]]], [[[0.1]], [[0.1]]], [[[2.0]], [[2.0]]], [[[0.2]], [[0.2]]]]> : tensor<4x2x1x1xf32>
  %w2 = graph.constant dense<1.0> : tensor<3x4x1x1xf32>
  %c1 = graph.conv %x, %w1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %b = tensor.extract %c[] : tensor<i1>
  %y = scf.if %b -> tensor<1x3x4x4xf32> {
    %a = graph.conv %c1, %w2 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
    scf.yield %a : tensor<1x3x4x4xf32>
  } else {
    %z = graph.conv %c1, %w2 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
    scf.yield %z : tensor<1x3x4x4xf32>
  }
  return %y : tensor<1x3x4x4xf32>
}

// -----

// A symbolic batch: only the channel dims need be static; the flatten's
// copied batch (0) stays and its feature count follows.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK: graph.conv {{.*}} -> tensor<?x2x4x4xf32>
// CHECK: graph.reshape {{.*}} {new_shape = array<i64: 0, 32>} : (tensor<?x2x4x4xf32>) -> tensor<?x32xf32>
// CHECK: graph.fully_connected {{.*}} : (tensor<?x32xf32>, tensor<10x32xf32>) -> tensor<?x10xf32>
func.func @dynamic_batch(%x: tensor<?x2x4x4xf32>) -> tensor<?x10xf32> {
  %w1 = graph.constant dense<[[[[1.0]], [[1.0]]], [[[0.1]], [[0.1]]], [[[2.0]], [[2.0]]], [[[0.2]], [[0.2]]]]> : tensor<4x2x1x1xf32>
  %wf = graph.constant dense<0.5> : tensor<10x64xf32>
  %c1 = graph.conv %x, %w1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<?x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<?x4x4x4xf32>
  %r = graph.relu %c1 : tensor<?x4x4x4xf32>
  %f = graph.reshape %r {new_shape = array<i64: 0, 64>} : (tensor<?x4x4x4xf32>) -> tensor<?x64xf32>
  %y = graph.fully_connected %f, %wf : (tensor<?x64xf32>, tensor<10x64xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}
