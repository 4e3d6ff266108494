// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s
// RUN: mica-opt %s -mica-convert-graph-to-linalg -mica-fuse-elementwise -split-input-file | FileCheck %s --check-prefix=FUSED

// Width bounds (mica-annotate-width's {k, n} on graph contractions) become
// bounds on the linalg loops: a convolution's output channels (loop 1) and
// input channels (loop 4 of n, f, oh, ow, c, kh, kw); a depthwise one's
// channels; a fully-connected layer's and a product's n (1) and k (2).
// CHECK-LABEL: func.func @conv
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}mica.width = [array<i64: 1, 0, 1>, array<i64: 4, 1, 1>]
func.func @conv(%x: tensor<1x8x4x4xf32>, %w: tensor<16x8x3x3xf32>) -> tensor<1x16x2x2xf32> {
  %y = graph.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, mica.width = {k = array<i64: 1, 1>, n = array<i64: 0, 1>}} : (tensor<1x8x4x4xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x2x2xf32>
  return %y : tensor<1x16x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}}mica.width = [array<i64: 3, 2, 1>]
func.func @depthwise(%x: tensor<1x8x4x4xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x2x2xf32> {
  %y = graph.conv %x, %w {dilations = array<i64: 1, 1>, groups = 8 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, mica.width = {n = array<i64: 2, 1>}} : (tensor<1x8x4x4xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x2x2xf32>
  return %y : tensor<1x8x2x2xf32>
}

// -----

// A flatten before the linear layer: k counts features (scale 4); the
// collapse it reads is not folded into it (that would split loop k).
// CHECK-LABEL: func.func @flatten_fc
// CHECK: linalg.generic {{.*}}ins(%{{.*}}, %{{.*}} : tensor<2x32xf32>, tensor<5x32xf32>){{.*}}mica.width = [array<i64: 2, 3, 4>]
// FUSED-LABEL: func.func @flatten_fc
// FUSED: linalg.generic {{.*}}ins(%{{.*}}, %{{.*}} : tensor<2x32xf32>, tensor<5x32xf32>){{.*}}mica.width = [array<i64: 2, 3, 4>]
func.func @flatten_fc(%x: tensor<2x8x2x2xf32>, %w: tensor<5x32xf32>) -> tensor<2x5xf32> {
  %f = graph.reshape %x {new_shape = array<i64: 2, -1>} : (tensor<2x8x2x2xf32>) -> tensor<2x32xf32>
  %y = graph.fully_connected %f, %w {mica.width = {k = array<i64: 3, 4>}} : (tensor<2x32xf32>, tensor<5x32xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// CHECK-LABEL: func.func @product
// CHECK: linalg.matmul {{.*}}mica.width = [array<i64: 1, 0, 1>, array<i64: 2, 1, 2>]
func.func @product(%x: tensor<2x3x8xf32>, %w: tensor<8x6xf32>) -> tensor<2x3x6xf32> {
  %y = graph.matmul %x, %w {mica.width = {k = array<i64: 1, 2>, n = array<i64: 0, 1>}} : (tensor<2x3x8xf32>, tensor<8x6xf32>) -> tensor<2x3x6xf32>
  return %y : tensor<2x3x6xf32>
}
