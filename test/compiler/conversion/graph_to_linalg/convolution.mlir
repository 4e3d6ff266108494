// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// graph.conv becomes a linalg conv named op on an explicitly padded input,
// accumulating into an output initialised with the broadcast bias.

// Plain 2-D convolution with bias and a dynamic batch.
// CHECK-DAG: #[[BIAS:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func @conv2d
// CHECK-SAME: (%[[X:.+]]: tensor<?x3x32x32xf32>, %[[W:.+]]: tensor<8x3x3x3xf32>, %[[B:.+]]: tensor<8xf32>)
// CHECK: %[[N:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x3x32x32xf32>
// CHECK: %[[PAD:.+]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: } : tensor<?x3x32x32xf32> to tensor<?x3x34x34xf32>
// CHECK: %[[E:.+]] = tensor.empty(%[[N]]) : tensor<?x8x16x16xf32>
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[BIAS]], #{{.+}}]{{.*}} ins(%[[B]] : tensor<8xf32>) outs(%[[E]] : tensor<?x8x16x16xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[W]] : tensor<?x3x34x34xf32>, tensor<8x3x3x3xf32>) outs(%[[INIT]] : tensor<?x8x16x16xf32>)
func.func @conv2d(%x: tensor<?x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<?x8x16x16xf32> {
  %0 = graph.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<?x8x16x16xf32>
  return %0 : tensor<?x8x16x16xf32>
}

// -----

// Depthwise (groups = C_in = C_out): the [C, 1, KH, KW] filter is collapsed
// to [C, KH, KW]; without bias the output starts at zero; no pads, no pad.
// CHECK-LABEL: func @depthwise
// CHECK-NOT: tensor.pad
// CHECK: linalg.fill
// CHECK: %[[F:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2], [3]] : tensor<16x1x3x3xf32> into tensor<16x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.+}}, %[[F]] : tensor<1x16x8x8xf32>, tensor<16x3x3xf32>)
func.func @depthwise(%x: tensor<1x16x8x8xf32>, %w: tensor<16x1x3x3xf32>) -> tensor<1x16x6x6xf32> {
  %0 = graph.conv %x, %w {dilations = array<i64: 1, 1>, groups = 16 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x6x6xf32>
  return %0 : tensor<1x16x6x6xf32>
}

// -----

// Other groupings use linalg.conv_2d_ngchw_gfchw on [N, G, C/G, H, W] views.
// CHECK-LABEL: func @grouped
// CHECK-DAG: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 2, 6, 6] : tensor<1x4x6x6xf32> into tensor<1x2x2x6x6xf32>
// CHECK-DAG: tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK: linalg.conv_2d_ngchw_gfchw {dilations = dense<2> : tensor<2xi64>
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x3x2x2xf32> into tensor<1x6x2x2xf32>
func.func @grouped(%x: tensor<1x4x6x6xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x2x2xf32> {
  %0 = graph.conv %x, %w {dilations = array<i64: 2, 2>, groups = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x6x6xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x2x2xf32>
  return %0 : tensor<1x6x2x2xf32>
}

// -----

// 1-D convolution uses linalg.conv_1d_ncw_fcw; asymmetric pads.
// CHECK-LABEL: func @conv1d
// CHECK: tensor.pad %{{.+}} low[0, 0, 2] high[0, 0, 0]
// CHECK: linalg.conv_1d_ncw_fcw
func.func @conv1d(%x: tensor<1x2x10xf32>, %w: tensor<4x2x3xf32>) -> tensor<1x4x10xf32> {
  %0 = graph.conv %x, %w {dilations = array<i64: 1>, pads = array<i64: 2, 0>, strides = array<i64: 1>} : (tensor<1x2x10xf32>, tensor<4x2x3xf32>) -> tensor<1x4x10xf32>
  return %0 : tensor<1x4x10xf32>
}
